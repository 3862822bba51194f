"""Bulk writers for lines in COPY's text format (tab-separated, \\N for NULL).

PostgreSQL gets them through psycopg 3's ``cursor.copy``; any other database
(SQLite in the tests) through ``executemany``, from the same lines, so both
see exactly the same rows. Timestamps are written as UTC text; the COPY
session runs with TimeZone UTC, and SQLite stores Django's UTC text anyway.
"""

NULL = "\\N"


def fmt_bool(value: bool) -> str:
    # '1'/'0' is valid boolean input for PostgreSQL and what SQLite stores.
    return "1" if value else "0"


class Writer:
    """Writes lines to tables on one DB-API connection (Django's or psycopg's)."""

    def __init__(self, cursor, vendor: str):
        self.cursor = cursor
        self.vendor = vendor
        self.rows = 0

    def write(self, table: str, columns, lines) -> None:
        if not lines:
            return
        self.rows += len(lines)
        names = ", ".join(columns)
        if self.vendor == "postgresql":
            raw = getattr(self.cursor, "cursor", self.cursor)  # Django's wrapper
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                copy.write("".join(lines))
            return
        marks = ", ".join(["%s"] * len(columns))
        self.cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
            [
                tuple(None if v == NULL else v for v in line[:-1].split("\t"))
                for line in lines
            ],
        )

    def execute(self, sql: str, params) -> int:
        """One statement (the same SQL on both databases); its row count."""
        self.cursor.execute(sql, params)
        self.rows += max(self.cursor.rowcount, 0)
        return max(self.cursor.rowcount, 0)

    def reset_sequences(self, tables) -> None:
        """Move each table's id sequence past the ids written explicitly."""
        if self.vendor != "postgresql":
            return  # SQLite's rowid follows MAX(id) by itself
        for item in tables:
            table, column = item if isinstance(item, tuple) else (item, "id")
            self.cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                f"GREATEST((SELECT MAX({column}) FROM {table}), 1))"  # noqa: S608
            )
