"""PostgreSQL only: the title's bigrams keyed by the case's department, for
a clerk's search that the newest rows do not answer (a word rare in the
clerk's units, however common elsewhere).

``yiwang_unit_bigrams(unit, title)`` is ``yiwang_bigrams(title)`` with each
piece prefixed by the department id and a colon, plus the bare prefix, so
``yiwang_unit_bigrams(department_id, title) @> yiwang_unit_bigrams(18, '漏水')``
holds exactly for department 18's cases whose title has the word's bigrams
(a one-character word has none: the bare prefix still keeps the unit). The
GIN index on it answers a department and a word together; the title index
alone could only be ANDed with the department's rows.

Before (10M cases, bench_clerk_19 of 13 departments, ?q=漏水, 2 hits): the
search's fallback ANDed the title index's 134,993 rows with a bitmap of the
departments' 953,674 rows, 156 ms of 163 (EXPLAIN ANALYZE); with this index,
13 index scans of a few pages each, 1.2 ms. Building it at 10M cases: 110 s
(maintenance_work_mem 1 GB), 397 MB. A plain CREATE INDEX: writes to
cases_case wait for it, so a live district runs this migration in a quiet
hour.

Each filing writes ~16 more index keys: at 10M cases the bench's
sustained filings fell from 104.8/s (the index not maintained) to
81.5-84.2/s. Without fastupdate the keys go straight into the index; with
it they gathered in a pending list whose merge (4 MB, ~950 filings' keys)
fell on one filing: p95 244 ms against 120 without (p99 496 and 453)."""

from django.db import migrations

UNIT_BIGRAMS = """
CREATE OR REPLACE FUNCTION yiwang_unit_bigrams(unit bigint, t text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    prefix text := unit::text || ':';
    lowered text := lower(t);
    pieces text[] := ARRAY[prefix];
BEGIN
    FOR i IN 1 .. char_length(lowered) - 1 LOOP
        pieces := pieces || (prefix || substr(lowered, i, 2));
    END LOOP;
    RETURN pieces;
END
$$
"""
INDEX = (
    "CREATE INDEX IF NOT EXISTS case_unit_title_bigrams ON cases_case "
    "USING gin (yiwang_unit_bigrams(department_id, title)) WITH (fastupdate = off)"
)
DROP = [
    "DROP INDEX IF EXISTS case_unit_title_bigrams",
    "DROP FUNCTION IF EXISTS yiwang_unit_bigrams(bigint, text)",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in [UNIT_BIGRAMS, INDEX]:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in DROP:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_faster_bigrams")]

    operations = [migrations.RunPython(create, drop)]
