"""A cursor for the site's constant queries, prepared on PostgreSQL."""


def prepared_cursor(connection):
    """connection.prepared_cursor() where the backend has one (the site's
    PostgreSQL backend, portal.postgresql), else an ordinary cursor
    (SQLite). Only for a query whose text is the same on every run, with
    its values as parameters, and whose best plan does not depend on them."""
    make = getattr(connection, "prepared_cursor", None)
    return make() if make is not None else connection.cursor()
