"""Writing the security audit log. ``record`` is the one way in.

Never pass a password, a token, a one-time code or a full identity number:
``record`` drops detail keys that name such things and masks anything that
looks like an identity number, as a second line of defence.
"""

import datetime
import re

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from portal.accounts.masking import mask_resident_ids_in_text
from portal.audit import chain
from portal.audit.context import client_address, current_request
from portal.audit.models import AuditChainHead, AuditRecord

Action = AuditRecord.Action
Result = AuditRecord.Result

# 网络安全法 第二十一条: network logs are kept for at least six months.
MINIMUM_RETENTION_DAYS = 180

SECRET_KEY_PATTERN = re.compile(
    r"pass|pwd|token|secret|otp|resident_id|identity|credential", re.IGNORECASE
)


def scrub(value):
    """A copy of value with secret-named keys dropped and identity numbers
    masked, so that a careless caller cannot put them in the log."""
    if isinstance(value, dict):
        return {
            str(key): scrub(item)
            for key, item in value.items()
            if not SECRET_KEY_PATTERN.search(str(key))
        }
    if isinstance(value, (list, tuple)):
        return [scrub(item) for item in value]
    if isinstance(value, str):
        return mask_text(value)
    if value is None or isinstance(value, (bool, int)):
        return value
    return mask_text(str(value))


def mask_text(text: str) -> str:
    return mask_resident_ids_in_text(text)


def _lock_head() -> AuditChainHead:
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"last_hash": chain.GENESIS}
    )
    return head


def record(
    *,
    action: str,
    result: str = Result.SUCCESS,
    actor=None,
    actor_username: str | None = None,
    request=None,
    target=None,
    object_type: str = "",
    object_id="",
    object_repr: str = "",
    detail: dict | None = None,
) -> AuditRecord:
    """Append one record to the audit log.

    ``actor`` defaults to the request's logged-in user; ``request`` to the
    request being served (for the client address). ``target`` is a model
    instance and fills the object fields.
    """
    request = request if request is not None else current_request()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if actor is not None and not actor.is_authenticated:
        actor = None
    if target is not None:
        opts = target._meta
        object_type = object_type or f"{opts.app_label}.{opts.model_name}"
        object_id = object_id or target.pk
        object_repr = object_repr or str(target)
    if actor_username is None:
        if actor is not None:
            actor_username = actor.get_username()
        else:
            # No user and no request: a command, a task or the demo loader.
            actor_username = "" if request is not None else "system"
    entry = AuditRecord(
        created_at=timezone.now(),
        actor_id=actor.pk if actor is not None else None,
        actor_username=mask_text(actor_username)[:150],
        address=client_address(request),
        action=action,
        object_type=object_type[:100],
        object_id=str(object_id if object_id is not None else "")[:64],
        object_repr=mask_text(str(object_repr))[:200],
        result=result,
        detail=scrub(detail or {}),
    )
    with transaction.atomic():
        head = _lock_head()
        entry.previous_hash = head.last_hash
        entry.hash = chain.record_hash(entry)
        entry.save(force_insert=True)
        head.last_hash, head.last_record_id = entry.hash, entry.pk
        head.save(update_fields=["last_hash", "last_record_id"])
    return entry


# -- logins ------------------------------------------------------------------


def _door(request) -> str:
    path = getattr(request, "path", "") or ""
    if path.startswith("/admin/"):
        return "admin"
    if path.startswith("/api/"):
        return "api"
    return "site"


def login_succeeded(*, user, request) -> AuditRecord:
    return record(
        action=Action.LOGIN,
        actor=user,
        request=request,
        target=user,
        detail={"door": _door(request)},
    )


def login_failed(*, attempted: str, request) -> AuditRecord:
    """A failed login. The attempted name is stored only when it names an
    account; anything else (often a password typed in the wrong box) is
    reduced to its first character."""
    from portal.accounts.models import User

    attempted = (attempted or "").strip()
    user = None
    if attempted:
        user = (
            User.objects.filter(username=attempted).first()
            or User.objects.filter(mobile=attempted).first()
        )
    name = user.get_username() if user is not None else _blurred(attempted)
    return record(
        action=Action.LOGIN,
        result=Result.FAILED,
        actor=user,
        actor_username=name,
        request=request,
        detail={"door": _door(request), "known_account": user is not None},
    )


def _blurred(text: str) -> str:
    return (text[:1] + "***") if text else ""


# -- refusals ------------------------------------------------------------------


def access_refused(*, user, object_type: str, object_id, request=None) -> AuditRecord:
    """A case (or a file of one) that the user asked for and may not see: the
    answer was 404 (or 403), and this is the record of it."""
    return record(
        action=Action.ACCESS,
        result=Result.REFUSED,
        actor=user if user is not None and user.is_authenticated else None,
        request=request,
        object_type=object_type,
        object_id=object_id,
    )


# -- grants, exports, reveals ------------------------------------------------------


def permission_changed(
    *, granted: bool, permission: str, holder, target=None, actor=None
) -> AuditRecord:
    """A permission, group or role given to (or taken from) a user or a
    group, on an object (a department, a case) or globally."""
    return record(
        action=Action.PERMISSION_GRANT if granted else Action.PERMISSION_REVOKE,
        actor=actor,
        target=target if target is not None else holder,
        detail={
            "permission": permission,
            "holder": f"{holder._meta.label_lower}:{holder.pk}",
            "holder_name": str(holder),
        },
    )


def exported(*, what: str, request=None, target=None, **detail) -> AuditRecord:
    """An export or a download of data (a list, a file)."""
    return record(
        action=Action.EXPORT,
        request=request,
        target=target,
        object_type="" if target is not None else what,
        detail={"what": what, **detail},
    )


def revealed(*, request, target, field: str, where: str) -> AuditRecord:
    """Someone holding the permission was shown a full sensitive value."""
    return record(
        action=Action.REVEAL,
        request=request,
        target=target,
        detail={"field": field, "where": where},
    )


# -- retention -----------------------------------------------------------------


def retention_days() -> int:
    return max(
        int(getattr(settings, "AUDIT_RETENTION_DAYS", MINIMUM_RETENTION_DAYS)),
        MINIMUM_RETENTION_DAYS,
    )


@transaction.atomic
def prune(*, now: datetime.datetime | None = None, actor=None) -> int:
    """Delete the records older than the retention period (never fewer than
    180 days) and write a prune record that anchors the chain at the oldest
    record kept. The only code that deletes audit records: on PostgreSQL it
    switches on ``yiwang.audit_prune`` for this transaction, the one thing
    the append-only trigger lets through."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=retention_days())
    head = _lock_head()
    boundary = (
        AuditRecord.objects.filter(created_at__gte=cutoff)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    old = AuditRecord.objects.filter(created_at__lt=cutoff)
    if boundary is not None:
        old = old.filter(id__lt=boundary)
    if not old.exists():
        return 0
    anchor = (
        AuditRecord.objects.filter(pk=boundary).first() if boundary else None
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL yiwang.audit_prune = 'on'")
    deleted, _per_model = old.delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL yiwang.audit_prune = 'off'")
    record(
        action=Action.AUDIT_PRUNE,
        actor=actor,
        actor_username=None if actor else "system",
        target=None,
        object_type="audit.auditrecord",
        detail={
            "deleted": deleted,
            "cutoff": cutoff.isoformat(),
            "retention_days": retention_days(),
            "anchor_id": anchor.pk if anchor else None,
            "anchor_previous_hash": anchor.previous_hash if anchor else head.last_hash,
        },
    )
    return deleted
