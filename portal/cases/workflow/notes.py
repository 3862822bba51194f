"""Notes on a case's timeline (备注): no status changes, but written like every
other step, so the timeline, the audit history and the notifications agree.

A note locks the case row (so it is ordered with the steps around it) and
writes one history row of the case with the actor and the note as its reason,
beside the timeline entry. It does not bump Case.version: a note changes
nothing a clerk's open form was based on, so it must not make that form
stale (several departments write notes on one whistled case at once).

- note_case: a person's note. An internal note (staff only) needs the staff
  view of the case (a grant, or the committee); a public note is said to the
  applicant on the department's behalf and needs the right to handle it.
- system_note_case: what the system user itself writes (a whistle's reminder,
  a negative-list entry, a struck-off file). Like overdue.py, the one
  documented path by which the system user writes on a case; it is internal
  and checks no permission, because the system holds none.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal.accounts.services import get_system_user
from portal.cases import policies
from portal.cases.models import Case, CaseEvent
from portal.cases.workflow.core import (
    WorkflowError,
    _now,
    _require,
    _write_event,
)

NOTE_REQUIRED = _("Write the note.")
NOTE_NOT_ALLOWED = _("Only staff who handle or oversee this case can add notes.")
PUBLIC_NOTE_NOT_ALLOWED = _(
    "Only staff who handle this case can write a note the applicant sees."
)


def _lock_for_note(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("category").get(pk=case.pk)


def _record(locked: Case, *, actor, text: str, public: bool, data) -> CaseEvent:
    now = _now()
    locked._history_user = actor
    locked._change_reason = f"{CaseEvent.Kind.NOTE.label}: {text}"[:100]
    locked.save(update_fields=["updated_at"])
    return _write_event(
        locked,
        actor=actor,
        kind=CaseEvent.Kind.NOTE,
        from_status=locked.status,
        now=now,
        message=text if public else "",
        internal_note="" if public else text,
        is_public=public,
        data=data,
    )


@transaction.atomic
def note_case(
    *, case: Case, actor, text: str, public: bool = False, data: dict | None = None
) -> CaseEvent:
    """Add a note to the case's timeline: internal unless `public`. `data`
    is stored on the entry for whoever reads it later (the notifications)."""
    text = (text or "").strip()
    if not text:
        raise WorkflowError({"text": [NOTE_REQUIRED]})
    locked = _lock_for_note(case)
    if public:
        _require(
            policies.can_handle(actor, locked), PUBLIC_NOTE_NOT_ALLOWED, "not_allowed"
        )
    else:
        _require(
            policies.can_view_internal(actor, locked), NOTE_NOT_ALLOWED, "not_allowed"
        )
    return _record(locked, actor=actor, text=text, public=public, data=data)


@transaction.atomic
def system_note_case(*, case: Case, text: str, data: dict | None = None) -> CaseEvent:
    """An internal note by the system user (see the module docstring)."""
    text = (text or "").strip()
    if not text:
        raise WorkflowError({"text": [NOTE_REQUIRED]})
    locked = _lock_for_note(case)
    return _record(locked, actor=get_system_user(), text=text, public=False, data=data)
