"""On PostgreSQL, the audit table refuses UPDATE and DELETE (a no-op on
SQLite, where the hash chain alone shows tampering). The one exception is a
DELETE in a transaction that ran ``SET LOCAL yiwang.audit_prune = 'on'``,
which only portal.audit.services.prune does, after the retention period.
"""

from django.db import migrations

TABLE = "audit_auditrecord"

INSTALL = f"""
CREATE OR REPLACE FUNCTION audit_record_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND coalesce(current_setting('yiwang.audit_prune', true), '') = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'audit records are append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_record_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_record_append_only();
"""

REMOVE = f"""
DROP TRIGGER IF EXISTS audit_record_append_only ON {TABLE};
DROP FUNCTION IF EXISTS audit_record_append_only();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
