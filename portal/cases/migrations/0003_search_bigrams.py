"""PostgreSQL only: the bigram function and the expression GIN indexes that
serve the case admin's search (portal.cases.selectors.BigramMatch) for the
case titles and the applicants' names. A function, not pg_trgm: trigrams
cannot index the two-character words clerks search for (漏水), and it needs
no extension. SQLite (tests, development) searches with LIKE and gets
nothing here."""

from django.db import migrations

BIGRAMS = """
CREATE OR REPLACE FUNCTION yiwang_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(lower(t), i, 2)), '{}')
    FROM generate_series(1, char_length(t) - 1) AS i
$$
"""
INDEXES = [
    "CREATE INDEX IF NOT EXISTS case_title_bigrams ON cases_case "
    "USING gin (yiwang_bigrams(title))",
    "CREATE INDEX IF NOT EXISTS user_real_name_bigrams ON accounts_user "
    "USING gin (yiwang_bigrams(real_name))",
]
DROP = [
    "DROP INDEX IF EXISTS case_title_bigrams",
    "DROP INDEX IF EXISTS user_real_name_bigrams",
    "DROP FUNCTION IF EXISTS yiwang_bigrams(text)",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in [BIGRAMS, *INDEXES]:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in DROP:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_category_overdue_escalation"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
