"""The hash chain over the audit log.

Each record stores SHA-256 over its own content and the previous record's
hash, so changing, inserting or removing a record breaks every hash after it.
The chain head row holds the newest hash, so a removed tail shows too.
After pruning, the oldest kept record's previous hash is vouched for by the
prune record (detail ``anchor_id`` / ``anchor_previous_hash``).
"""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder

GENESIS = "0" * 64


def record_hash(record) -> str:
    payload = [
        record.previous_hash,
        record.created_at.astimezone(datetime.timezone.utc).isoformat(),
        record.actor_id,
        record.actor_username,
        record.address or "",
        record.action,
        record.object_type,
        record.object_id,
        record.object_repr,
        record.result,
        record.detail,
    ]
    text = json.dumps(
        payload,
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class ChainReport:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def _anchored(record, prune_records) -> bool:
    for prune in prune_records:
        detail = prune.detail or {}
        if detail.get("anchor_previous_hash") != record.previous_hash:
            continue
        anchor_id = detail.get("anchor_id")
        if anchor_id == record.pk or (anchor_id is None and prune.pk == record.pk):
            return True
    return False


def verify(*, batch_size: int = 2000) -> ChainReport:
    """Walk the log in id order and report the first record that breaks."""
    from portal.audit.models import AuditChainHead, AuditRecord

    prune_records = list(
        AuditRecord.objects.filter(action=AuditRecord.Action.AUDIT_PRUNE)
    )
    previous, checked = None, 0
    for record in AuditRecord.objects.order_by("id").iterator(chunk_size=batch_size):
        if previous is None:
            if record.previous_hash != GENESIS and not _anchored(
                record, prune_records
            ):
                return ChainReport(
                    False, checked, record.pk, "the oldest record is not anchored"
                )
        elif record.previous_hash != previous.hash:
            return ChainReport(
                False, checked, record.pk, "does not chain to the record before it"
            )
        if record_hash(record) != record.hash:
            return ChainReport(False, checked, record.pk, "its content was changed")
        previous, checked = record, checked + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    expected = head.last_hash if head else GENESIS
    if (previous.hash if previous else GENESIS) != expected:
        return ChainReport(
            False,
            checked,
            head.last_record_id if head else None,
            "the newest records are missing",
        )
    return ChainReport(True, checked)
