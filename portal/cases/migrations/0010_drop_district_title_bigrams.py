"""PostgreSQL only: drop the index of the whole district's title bigrams
(migration 0003's case_title_bigrams); the department-keyed one (0008)
serves every search's indexed part.

The case admin's search walks the newest rows with the LIKE alone and reads
a rarer word's hits unit by unit from case_unit_title_bigrams, the
committee's over every unit (CaseChangeList.searched_by_units). The
district-wide index served only the committee's rarer words and the
clerks with grants on more than 50 units, while every filing wrote ~16
keys to it besides the department-keyed index's ~16. A plain DROP INDEX:
it waits for the writes to cases_case in progress, for a moment."""

from django.db import migrations

DROP = "DROP INDEX IF EXISTS case_title_bigrams"
CREATE = (
    "CREATE INDEX IF NOT EXISTS case_title_bigrams ON cases_case "
    "USING gin (yiwang_bigrams(title))"
)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_running_dept_sub_index")]

    operations = [migrations.RunPython(drop, create)]
