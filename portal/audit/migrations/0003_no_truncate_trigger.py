"""On PostgreSQL, the audit table refuses TRUNCATE too: row triggers (0002)
do not fire for it, so without this one `TRUNCATE audit_auditrecord` would
empty the log in one statement. A statement-level BEFORE TRUNCATE trigger
refuses it unless the connection set ``yiwang.audit_truncate = 'on'``,
which only the test settings do (the test runner empties every table
between transactional tests). Pruning after the retention period deletes
rows (migration 0002's exception) and never truncates.
"""

from django.db import migrations

TABLE = "audit_auditrecord"

INSTALL = f"""
CREATE OR REPLACE FUNCTION audit_record_no_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('yiwang.audit_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'audit records are append-only: TRUNCATE refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_record_no_truncate
    BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_record_no_truncate();
"""

REMOVE = f"""
DROP TRIGGER IF EXISTS audit_record_no_truncate ON {TABLE};
DROP FUNCTION IF EXISTS audit_record_no_truncate();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [migrations.RunPython(install, remove)]
