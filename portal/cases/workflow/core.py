"""Shared parts of the workflow: errors and messages, the row lock, the
stage clock, and the save that writes the history row and the timeline event."""

import datetime
import functools

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.cases import policies
from portal.cases.deadlines import add_period
from portal.cases.models import (
    Case,
    CaseEvent,
    CaseSequence,
    CaseStatus,
)
from portal.cases.warnings import thresholds

S = CaseStatus

ALREADY_HANDLED = _(
    "This case has just been changed by someone else. Reload the page to see "
    "its current state."
)
INVALID_TRANSITION = _("This cannot be done while the case is “%(status)s”.")
NOT_ALLOWED = _("You are not allowed to do this with this case.")
REASON_REQUIRED = _("Please give the reason.")
TITLE_REQUIRED = _("Please give the matter a short title.")
REPLY_REQUIRED = _("Please write the reply to the applicant.")
ITEMS_REQUIRED = _("List every missing item of material, one per line.")
MATERIAL_ALREADY_REQUESTED = _(
    "More material was already requested once for this case; the law requires "
    "one consolidated request (一次性告知)."
)
BASIS_REQUIRED = _("An explanation must cite its legal basis.")
REDIRECT_REQUIRED = _("Name the department or channel where this matter belongs.")
DUPLICATE_REQUIRED = _("Name the earlier case this one duplicates.")
DUPLICATE_SELF = _("A case cannot duplicate itself.")
LEADER_REQUIRED = _(
    "Only a leader of the department can confirm that a request is unreasonable."
)
ASSIGNEE_NOT_STAFF = _("%(user)s cannot handle this department's cases.")
SAME_DEPARTMENT = _("The case is already with %(department)s.")
NO_SUPERVISOR = _("This department has no supervising department to escalate to.")
NOT_SUPERVISOR = _("A case can only be escalated to a department above its own.")
NO_EXTENSION = _("The law allows no extension of this time limit.")
EXTENSION_TOO_LONG = _(
    "The extension may add at most %(left)d %(unit)s more (legal maximum "
    "%(max)d, per %(basis)s)."
)
EXTENSION_POSITIVE = _("The extension must be at least 1.")
RATING_RANGE = _("Choose from 1 to 5 stars.")
ALREADY_RATED = _("This case has already been rated.")
# A report with no applicant (a grid worker's event) has nobody whose
# satisfaction the rating would measure: counting the reporter's stars
# would let a worker grade his own grid's work.
NOTHING_TO_RATE = _("Only the resident who filed a matter can rate it.")
REOPEN_WINDOW_PASSED = _(
    "The case was closed more than %(days)d days ago and can no longer be "
    "reopened; please file a new matter."
)


class WorkflowError(ValidationError):
    """A refused workflow step. A ValidationError, so forms can show it next
    to what caused it and the admin can show it as a message."""


def _now():
    return timezone.now()


def _lock(case: Case) -> Case:
    """Lock the row; refuse if it moved on since the caller read it."""
    locked = Case.objects.select_for_update().select_related("category").get(pk=case.pk)
    if locked.version != case.version:
        raise WorkflowError(ALREADY_HANDLED, code="stale")
    return locked


def _require_status(case: Case, *allowed: str) -> None:
    if case.status not in allowed:
        raise WorkflowError(
            INVALID_TRANSITION,
            code="invalid_transition",
            params={"status": case.get_status_display()},
        )


def _require(condition: bool, message=NOT_ALLOWED, code="not_allowed", **params):
    if not condition:
        raise WorkflowError(message, code=code, params=params or None)


def _require_handler(actor, case: Case) -> None:
    _require(policies.can_handle(actor, case))


def _require_applicant(actor, case: Case) -> None:
    _require(policies.acts_for_applicant(actor, case))


def _start_stage(case: Case, stage: str, now: datetime.datetime) -> None:
    """Start a stage's clock from the category's policy (none: no clock)."""
    case.stage = stage
    case.stage_started_at = now if stage else None
    policy = case.category.policy_for(stage) if stage else None
    if policy is None:
        case.stage_due_at = case.stage_yellow_at = case.stage_orange_at = None
        return
    case.stage_due_at = add_period(now, policy.amount, policy.unit)
    case.stage_yellow_at, case.stage_orange_at = thresholds(now, case.stage_due_at)


def _save(
    case: Case,
    *,
    actor,
    kind: str,
    from_status: str,
    now: datetime.datetime,
    message: str = "",
    internal_note: str = "",
    is_public: bool = True,
    data: dict | None = None,
) -> CaseEvent:
    """Save the case (one history row with actor and reason) and its event."""
    case.version += 1
    case._history_user = actor
    case._change_reason = str(CaseEvent.Kind(kind).label) + (
        f": {message or internal_note}"[:100] if (message or internal_note) else ""
    )
    case.save()
    return _write_event(
        case,
        actor=actor,
        kind=kind,
        from_status=from_status,
        now=now,
        message=message,
        internal_note=internal_note,
        is_public=is_public,
        data=data,
    )


def _write_event(
    case: Case,
    *,
    actor,
    kind: str,
    from_status: str,
    now: datetime.datetime,
    message: str = "",
    internal_note: str = "",
    is_public: bool = True,
    data: dict | None = None,
) -> CaseEvent:
    """Write the timeline entry (with its history row) and tell the people it
    concerns once the transaction commits."""
    event = CaseEvent(
        case=case,
        kind=kind,
        actor=actor,
        is_public=is_public,
        message=message,
        internal_note=internal_note,
        data=data or {},
        from_status=from_status,
        to_status=case.status,
        created_at=now,
    )
    event._history_user = actor
    event.save()
    transaction.on_commit(lambda: _notify(event.pk))
    return event


def _insert_new(case: Case, *, actor, kind: str, now: datetime.datetime) -> CaseEvent:
    """Save a new case with its first timeline entry and both history rows:
    what _save writes, with the same actor, reason and times.

    On PostgreSQL the four rows are one statement (data-modifying WITHs)
    instead of the ORM's four saves, each with its signals, and
    simple-history's post_save building a history manager class each time:
    the filing request 7.4-8.4 -> 5.2-5.9 ms of CPU and 8 -> 5 queries (in
    process at 100k, interleaved with the ORM path, 4 rounds of 60). The
    rows are the ones the ORM writes (test_filing_cost compares them column
    by column). Elsewhere (SQLite) the ORM writes them."""
    if connection.vendor != "postgresql":
        return _save(case, actor=actor, kind=kind, from_status="", now=now)
    case.version += 1
    event = CaseEvent(
        case=case,
        kind=kind,
        actor=actor,
        is_public=True,
        data={},
        from_status="",
        to_status=case.status,
        created_at=now,
    )
    history = {
        "history_date": timezone.now(),
        "history_type": "+",
        "history_user_id": actor.pk if actor is not None else None,
    }
    case_values = _column_values(Case, case)
    event_values = _column_values(CaseEvent, event, fed={"case_id": "c"})
    sql = (
        f"WITH c AS ({_insert(Case, case_values)} RETURNING *), "
        f"h AS ({_history_common(Case)}), "
        f"hc AS ({_insert_history(Case, 'c', reason='%s')}), "
        f"e AS ({_insert(CaseEvent, event_values)} RETURNING *), "
        f"he AS ({_insert_history(CaseEvent, 'e', reason='NULL')}) "
        "SELECT (SELECT id FROM c), (SELECT id FROM e)"
    )
    params = [
        *_params(case_values),
        *_history_params(Case, history),
        str(CaseEvent.Kind(kind).label),
        *_params(event_values),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        case.pk, event.pk = cursor.fetchone()
    for instance in (case, event):
        instance._state.adding, instance._state.db = False, connection.alias
    transaction.on_commit(lambda: _notify(event.pk))
    return event


# A value of _column_values: a parameter, or the id a WITH query returned.
_FED = object()


def _column_values(model, instance, fed: dict | None = None) -> dict:
    """{attname: (column, value)} of what an INSERT of the instance writes,
    prepared as Django's insert compiler prepares them (pre_save fills
    auto_now; get_db_prep_save adapts JSON and dates); the attnames in
    `fed` come from a WITH query instead, as (column, (_FED, query))."""
    fed = fed or {}
    values = {}
    for field in model._meta.local_concrete_fields:
        if field.primary_key:
            continue
        if field.attname in fed:
            values[field.attname] = (field.column, (_FED, fed[field.attname]))
            continue
        value = field.pre_save(instance, True)
        values[field.attname] = (
            field.column,
            field.get_db_prep_save(value, connection=connection),
        )
    return values


def _placeholder(value) -> str:
    if isinstance(value, tuple) and value and value[0] is _FED:
        return f"(SELECT id FROM {value[1]})"
    return "%s"


def _params(values: dict) -> list:
    return [
        value
        for _column, value in values.values()
        if not (isinstance(value, tuple) and value and value[0] is _FED)
    ]


def _insert(model, values: dict) -> str:
    columns = ", ".join(column for column, _value in values.values())
    marks = ", ".join(_placeholder(value) for _column, value in values.values())
    return f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({marks})"


HISTORY_COLUMNS = (
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
)
# The history columns with one value for both of _insert_new's history rows.
HISTORY_SHARED = ("history_date", "history_type", "history_user_id")


@functools.cache
def _history_model(model):
    """simple-history's model of the model's history, looked up once:
    `model.history` builds a new manager class on each access (~0.1 ms)."""
    return model.history.model


def _history_common(model) -> str:
    """The history columns both history rows share (the time, the type,
    the user), as one row of parameters cast to their columns' types: each
    is written once in _insert_new's statement."""
    meta = _history_model(model)._meta
    casts = ", ".join(
        f"%s::{meta.get_field(name).db_type(connection)} AS {name}"
        for name in HISTORY_SHARED
    )
    return f"SELECT {casts}"


def _insert_history(model, source: str, reason: str) -> str:
    """The INSERT of the simple-history row of the row that the WITH query
    ``source`` inserted (RETURNING *): its columns as written, then the
    shared history columns (WITH query h, _history_common) and the reason
    (SQL: a placeholder or NULL).

    Read from the inserted row, the case's ~35 values are parameters once,
    not twice: _insert_new's statement has 48 parameters instead of 96, so
    psycopg keeps its parsed placeholders (up to 50 parameters) instead of
    splitting the statement by a regular expression on every filing."""
    history_model = _history_model(model)
    quote = connection.ops.quote_name
    names = {f.attname for f in history_model._meta.local_concrete_fields}
    own = [f.column for f in model._meta.local_concrete_fields]
    expected = {
        *(f.attname for f in model._meta.local_concrete_fields),
        "history_id",
        *HISTORY_COLUMNS,
    }
    if names != expected:  # simple-history or the model changed: say so
        raise ImproperlyConfigured(
            f"{history_model.__name__} columns {sorted(names ^ expected)} "
            "are not written by _insert_new"
        )
    history = {
        name: history_model._meta.get_field(name).column for name in HISTORY_COLUMNS
    }
    columns = [quote(column) for column in own] + [
        quote(history[name]) for name in HISTORY_COLUMNS
    ]
    selected = [f"{source}.{quote(column)}" for column in own] + [
        reason if name == "history_change_reason" else f"h.{name}"
        for name in HISTORY_COLUMNS
    ]
    return (
        f"INSERT INTO {quote(history_model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(selected)} FROM {source}, h"
    )


def _history_params(model, history: dict) -> list:
    """The parameters of _history_common, in HISTORY_SHARED's order."""
    field = _history_model(model)._meta.get_field("history_date")
    return [
        field.get_db_prep_save(history["history_date"], connection=connection),
        history["history_type"],
        history["history_user_id"],
    ]


def _notify(event_id: int) -> None:
    """After commit: tell the people the event concerns (STYLE habit 4). The
    notifications app decides who and how; imported here, not at the top, as
    the one place the core reaches out to it."""
    from portal.notifications.services import notify_event

    notify_event(event_id)


def _sync(target: Case, source: Case) -> Case:
    """Let the caller's instance see the new state."""
    for field in Case._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


def _next_tracking_number(now: datetime.datetime) -> str:
    """The year and the next number of that year, such as 2026-0000123.

    On PostgreSQL the number comes from a database sequence per year
    (``cases_tracking_<year>``), which never blocks: concurrent filings no
    longer queue on one row lock held until their commit. A number taken by
    a filing that is then rolled back is skipped (gaps are allowed; numbers
    are unique and increase). SQLite, which has no sequences and serialises
    writers anyway, keeps the CaseSequence row."""
    year = timezone.localtime(now).year
    if connection.vendor == "postgresql":
        return f"{year}-{_sequence_next(year):07d}"
    sequence = CaseSequence.objects.select_for_update().filter(year=year).first()
    if sequence is None:
        try:
            with transaction.atomic():
                sequence = CaseSequence.objects.create(year=year, last=0)
        except IntegrityError:
            sequence = CaseSequence.objects.select_for_update().get(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{year}-{sequence.last:07d}"


def tracking_sequence_name(year: int) -> str:
    return f"cases_tracking_{int(year)}"


def _sequence_next(year: int) -> int:
    """nextval of the year's sequence; the first filing of a year creates it,
    starting after the CaseSequence row's number (what SQLite-era data, an
    import or seed_bench left there) or the year's highest tracking number,
    whichever is higher. to_regclass answers NULL for a sequence
    that does not exist yet, so the usual case is this one query."""
    name = tracking_sequence_name(year)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(to_regclass(%s))", [name])
        value = cursor.fetchone()[0]
        if value is not None:
            return value
        # First of the year: serialise the creators (the lock ends with the
        # transaction, which also makes the new sequence visible to others).
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x7969, year])
        recorded = (
            CaseSequence.objects.filter(year=year)
            .values_list("last", flat=True)
            .first()
            or 0
        )
        highest = (
            Case.objects.filter(tracking_number__startswith=f"{year}-")
            .order_by("-tracking_number")
            .values_list("tracking_number", flat=True)
            .first()
        )
        start = max(recorded, int(highest.split("-")[1]) if highest else 0) + 1
        cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name} START WITH {int(start)}")
        cursor.execute("SELECT nextval(%s::regclass)", [name])
        return cursor.fetchone()[0]
