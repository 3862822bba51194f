"""What the system itself does when a time limit runs on: the reminder
written on the timeline and the escalation of an overdue case (超期上报).

These are the one documented path by which the system user acts on a case.
The system user holds no handle rights, so escalate_case (which checks them)
is not for it; instead these functions check that the stage the caller saw
is still the running one, and write the history row and the timeline entry
with the system user as the actor, through the same _save as every other
step. The beat task (portal.cases.tasks) finds what is due from the case's
stored thresholds; portal.notifications.services makes each reminder happen
once and calls these.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Department
from portal.accounts.services import get_system_user
from portal.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    OverdueEscalation,
    Stage,
)
from portal.cases.workflow.core import (
    SAME_DEPARTMENT,
    _now,
    _require,
    _save,
)
from portal.cases.workflow.routing import _hand_over

REMINDER_LEVELS = ("yellow", "orange", "red")
# The department's own clocks. The confirmation stage waits for the
# applicant, so nobody in the department is reminded of it.
REMINDED_STAGES = (Stage.ACCEPTANCE, Stage.HANDLING)
STAGE_MOVED_ON = _("The time limit this was about is no longer running.")
REMINDER_TEXT = {
    "yellow": _(
        "Reminder: more than half of the time for %(stage)s has passed; due %(due)s."
    ),
    "orange": _("Reminder: the time for %(stage)s ends soon, on %(due)s."),
    "red": _("Overdue: the time for %(stage)s ended on %(due)s."),
}
OVERDUE_ESCALATED = _(
    "Escalated automatically: the time for %(stage)s ended on %(due)s."
)


def _reached(case: Case, level: str, now: datetime.datetime) -> bool:
    """Whether the running stage has reached `level` at `now`, read from the
    thresholds stored on the case (an extension moves them)."""
    if level == "yellow":
        return case.stage_yellow_at is not None and case.stage_yellow_at <= now
    if level == "orange":
        return case.stage_orange_at is not None and case.stage_orange_at <= now
    if level == "red":
        return case.stage_due_at is not None and case.stage_due_at < now
    return False


def _lock_running(case: Case, stage_started_at: datetime.datetime, level: str) -> Case:
    """Lock the case and check that the stage the caller saw is still running
    and has reached `level`. The system does not compare versions as _lock
    does (a clerk's change meanwhile is fine); what matters is that the clock
    it acts on is the same one."""
    locked = (
        Case.objects.select_for_update()
        .select_related("category")  # not department: a join on a column a
        # concurrent escalation changes makes PostgreSQL drop the row on recheck
        .get(pk=case.pk)
    )
    _require(
        locked.status in OPEN_STATUSES
        and locked.stage in REMINDED_STAGES
        and locked.stage_started_at == stage_started_at
        and _reached(locked, level, _now()),
        STAGE_MOVED_ON,
        "stage_moved_on",
    )
    return locked


def _params(case: Case) -> dict:
    return {
        "stage": case.get_stage_display(),
        "due": timezone.localtime(case.stage_due_at).strftime("%Y-%m-%d %H:%M"),
    }


def escalation_target(case: Case) -> Department | None:
    """Where an overdue case goes, as its category says: the supervising
    department (the parent in the tree), the district command centre, or
    nowhere (remind only). None also when there is no such department or the
    case is already there."""
    policy = case.category.overdue_escalation
    if policy == OverdueEscalation.SUPERVISOR:
        target = case.department.parent
    elif policy == OverdueEscalation.COMMAND_CENTRE:
        target = (
            Department.objects.filter(
                kind=Department.Kind.COMMAND_CENTRE, is_active=True
            )
            .order_by("pk")
            .first()
        )
    else:
        target = None
    if target is None or target.pk == case.department_id:
        return None
    return target


@transaction.atomic
def system_remind(
    *, case: Case, level: str, stage_started_at: datetime.datetime
) -> CaseEvent:
    """An internal timeline entry by the system user: the stage reached
    `level` (yellow, orange, or red when the category escalates nowhere)."""
    locked = _lock_running(case, stage_started_at, level)
    return _save(
        locked,
        actor=get_system_user(),
        kind=CaseEvent.Kind.NOTE,
        from_status=locked.status,
        now=_now(),
        internal_note=str(REMINDER_TEXT[level] % _params(locked)),
        is_public=False,
        data={"reminder": level, "stage": locked.stage},
    )


@transaction.atomic
def system_escalate_overdue(
    *,
    case: Case,
    to_department: Department,
    stage_started_at: datetime.datetime,
    level: str = "red",
) -> CaseEvent:
    """上报 by the system: hand an overdue case to `to_department` (see
    escalation_target). The stage clock keeps running, as with escalate_case;
    the department it leaves keeps read access for the record."""
    locked = _lock_running(case, stage_started_at, level)
    _require(
        to_department.pk != locked.department_id,
        SAME_DEPARTMENT,
        "same_department",
        department=str(to_department),
    )
    source, params = locked.department, _params(locked)
    _hand_over(locked, to_department)
    return _save(
        locked,
        actor=get_system_user(),
        kind=CaseEvent.Kind.ESCALATED,
        from_status=locked.status,
        now=_now(),
        message=str(
            _("Passed up from %(source)s to %(target)s.")
            % {"source": source, "target": to_department}
        ),
        internal_note=str(OVERDUE_ESCALATED % params),
        data={
            "from": source.pk,
            "to": to_department.pk,
            "reminder": level,
            "overdue": True,
        },
    )
