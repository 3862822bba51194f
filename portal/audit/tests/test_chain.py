"""The audit log is append-only: a hash chain that a command verifies, a
trigger on PostgreSQL, and pruning only after at least 180 days."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from portal.audit import chain, services
from portal.audit.models import AuditChainHead, AuditRecord

pytestmark = pytest.mark.django_db


def _write(count, **kwargs):
    return [
        services.record(action="export", object_type="t.t", object_id=n, **kwargs)
        for n in range(count)
    ]


def _raw_update(pk, **values):
    """What someone with database access could do behind the application."""
    table = AuditRecord._meta.db_table
    columns = ", ".join(f"{name} = %s" for name in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {columns} WHERE id = %s", [*values.values(), pk]
        )


def test_each_record_chains_the_previous_hash():
    first, second, third = _write(3)
    assert first.previous_hash == chain.GENESIS
    assert second.previous_hash == first.hash and third.previous_hash == second.hash
    assert AuditChainHead.objects.get().last_hash == third.hash
    report = chain.verify()
    assert report.ok and report.checked == 3
    call_command("verify_audit_chain")


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the trigger refuses it")
def test_tampered_record_is_reported_by_the_command():
    records = _write(4)
    _raw_update(records[2].pk, actor_username="someone-else")
    report = chain.verify()
    assert (report.ok, report.broken_id, report.checked) == (False, records[2].pk, 2)
    with pytest.raises(CommandError, match=f"record {records[2].pk}"):
        call_command("verify_audit_chain")


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the trigger refuses it")
def test_removed_records_are_reported():
    records = _write(4)
    AuditRecord.objects.filter(pk=records[1].pk).delete()
    assert chain.verify().broken_id == records[2].pk
    AuditRecord.objects.filter(pk__gte=records[2].pk).delete()
    report = chain.verify()
    assert not report.ok and report.reason == "the newest records are missing"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigger")
def test_postgresql_refuses_update_and_delete():
    (record,) = _write(1)
    for statement in (
        f"UPDATE audit_auditrecord SET result = 'failed' WHERE id = {record.pk}",
        f"DELETE FROM audit_auditrecord WHERE id = {record.pk}",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic():
            AuditRecord.objects.filter(pk=record.pk).update(result="failed")
    assert AuditRecord.objects.get(pk=record.pk).result == "success"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigger")
def test_postgresql_refuses_truncate():
    (record,) = _write(1)
    with pytest.raises(DatabaseError, match="TRUNCATE refused"):
        with transaction.atomic(), connection.cursor() as cursor:
            # The test settings allow it (the runner empties tables between
            # transactional tests); a production connection does not.
            cursor.execute("SET LOCAL yiwang.audit_truncate = 'off'")
            cursor.execute("TRUNCATE audit_auditrecord")
    assert AuditRecord.objects.filter(pk=record.pk).exists()


def test_secrets_in_detail_are_dropped_and_numbers_masked():
    record = services.record(
        action="export",
        detail={
            "password": "x",
            "api_token": "y",
            "note": "for 11010519491231002X",
            "nested": {"otp_code": "123456", "rows": 3},
        },
    )
    assert record.detail == {
        "note": "for 110105********002X",
        "nested": {"rows": 3},
    }


def _age(records, days):
    """Move records back in time (test only: bypasses the trigger by
    rewriting them with their hashes recomputed, as if written then)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL yiwang.audit_prune = 'on'")
            cursor.execute("ALTER TABLE audit_auditrecord DISABLE TRIGGER USER")
    previous = chain.GENESIS
    for record in AuditRecord.objects.order_by("id"):
        if record.pk in {r.pk for r in records}:
            record.created_at -= datetime.timedelta(days=days)
        record.previous_hash = previous
        record.hash = chain.record_hash(record)
        AuditRecord.objects.filter(pk=record.pk).update(
            created_at=record.created_at,
            previous_hash=record.previous_hash,
            hash=record.hash,
        )
        previous = record.hash
    AuditChainHead.objects.update(last_hash=previous)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditrecord ENABLE TRIGGER USER")


def test_prune_keeps_180_days_whatever_the_setting(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    old = _write(3)
    recent = _write(2)
    _age(old[:2], 200)
    _age(old[2:], 179)
    assert chain.verify().ok
    assert services.retention_days() == 180
    assert services.prune() == 2
    kept = set(AuditRecord.objects.values_list("pk", flat=True))
    assert {r.pk for r in old[2:] + recent} < kept
    prune = AuditRecord.objects.get(action="audit_prune")
    assert prune.detail["anchor_id"] == old[2].pk
    report = chain.verify()
    assert report.ok, report
    assert services.prune() == 0


def test_prune_everything_old_anchors_on_the_prune_record(settings):
    old = _write(2)
    _age(old, 400)
    call_command("prune_audit")
    assert list(AuditRecord.objects.values_list("action", flat=True)) == [
        "audit_prune"
    ]
    assert chain.verify().ok


def test_prune_command_and_task_are_wired(settings):
    from portal.audit.tasks import prune_audit

    assert settings.CELERY_BEAT_SCHEDULE["prune-audit-log"]["task"] == "audit.prune"
    assert prune_audit.delay().get() == 0


def test_records_are_never_younger_than_now():
    (record,) = _write(1)
    assert record.created_at <= timezone.now()
