"""State changes of whistles: blow, report, finish a task, acknowledge the
filing, strike off, and the scans behind the Celery tasks.

Every function is keyword-only, runs in one transaction, names its actor, and
never touches Case.status (only portal.cases.workflow does). The timeline
entries it writes are internal notes, so residents see none of this.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm

from grid.whistle import policies
from grid.whistle.models import (
    REMIND_MINUTES_BEFORE,
    REPORT_HOURS,
    NegativeListEntry,
    Whistle,
    WhistleSummons,
)
from portal.accounts.models import Department
from portal.accounts.services import get_system_user
from portal.audit import services as audit
from portal.cases import workflow
from portal.cases.deadlines import CHINA_TZ, add_period
from portal.cases.models import OPEN_STATUSES, Case

NOT_ALLOWED = _("You are not allowed to do this with this whistle.")
NOT_A_STREET = _("Only the staff of a street or township can blow the whistle.")
STREET_REQUIRED = _("You work for more than one street; say which one blows.")
CASE_CLOSED = _("The whistle can only be blown on a matter that is still open.")
ALREADY_BLOWN = _(
    "This matter already has a whistle: one matter, one whistle, one file "
    "(一事一哨一档)."
)
APPROVAL_REQUIRED = _(
    "The whistle needs the approval of the street's party secretary (a leader "
    "of the street)."
)
APPROVAL_IN_FUTURE = _("The approval cannot be dated in the future.")
REASON_REQUIRED = _("Say what the matter needs from the departments.")
DEPARTMENTS_REQUIRED = _("Name at least one department to summon.")
BAD_DEPARTMENT = _("%(department)s cannot be summoned by this whistle.")
ALREADY_REPORTED = _("%(department)s has already reported.")
STRUCK_OFF = _("This whistle has been struck off.")
TASK_REQUIRED = _("Say what task the department takes on.")
TASK_DUE_PASSED = _("The task's due date must be in the future.")
NOT_REPORTED = _("The department has to report before its task can be done.")
TASK_ALREADY_DONE = _("This task is already done.")
ALREADY_ACKNOWLEDGED = _("The committee has already acknowledged this filing.")
STILL_OPEN = _(
    "The whistle can only be struck off once the matter is closed; it is “%(status)s”."
)
ALREADY_STRUCK_OFF = _("This whistle has already been struck off.")

BLOWN_NOTE = _("Whistle blown by %(street)s to: %(departments)s.")
REPORTED_NOTE = _("%(department)s reported: %(task)s")
STRUCK_OFF_NOTE = _("Whistle struck off: the matter is closed.")
REMINDER_NOTE = _(
    "Reminder: the report on this whistle is due at %(due)s; not reported yet: "
    "%(departments)s."
)
NEGATIVE_LIST_NOTE = _("%(department)s is put on the negative list: %(reason)s.")


class WhistleError(ValidationError):
    """A refused whistle step; a ValidationError so forms and the admin can
    show it."""


def _require(condition: bool, message=NOT_ALLOWED, code="not_allowed", **params):
    if not condition:
        raise WhistleError(message, code=code, params=params or None)


def _note(case: Case, *, actor, message: str, data: dict):
    """An internal entry on the case's timeline (staff only), through the
    workflow: a person's note, or the system user's when it acts alone."""
    data = {"whistle": data}
    if actor is None or actor.username == settings.SYSTEM_USERNAME:
        return workflow.system_note_case(case=case, text=message, data=data)
    return workflow.note_case(case=case, actor=actor, text=message, data=data)


def _save(instance, actor) -> None:
    instance._history_user = actor
    instance.save()


def _pick_street(actor, street: Department | None) -> Department:
    if street is not None:
        return street
    streets = list(policies.streets_of(actor)[:2])
    _require(bool(streets), NOT_A_STREET, "not_a_street")
    _require(len(streets) == 1, STREET_REQUIRED, "street_required")
    return streets[0]


@transaction.atomic
def whistle_blow(
    *,
    case: Case,
    actor,
    departments: Iterable[Department],
    reason: str,
    approved_by,
    approved_at: datetime.datetime | None = None,
    street: Department | None = None,
) -> Whistle:
    """吹哨: a street summons named departments to one matter, with its party
    secretary's approval; the filing goes to the committee at the same time.

    Each summoned department's group gets a per-case view grant, so its staff
    can read the matter they report to, and has two clock hours to report.
    """
    departments = list({d.pk: d for d in departments}.values())
    errors = {}
    if not reason.strip():
        errors["reason"] = [REASON_REQUIRED]
    if not departments:
        errors["departments"] = [DEPARTMENTS_REQUIRED]
    if approved_by is None:
        errors["approved_by"] = [APPROVAL_REQUIRED]
    if errors:
        raise WhistleError(errors)
    street = _pick_street(actor, street)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    _require(street.kind == Department.Kind.STREET, NOT_A_STREET, "not_a_street")
    _require(policies.can_blow(actor, locked, street))
    _require(locked.is_open, CASE_CLOSED, "case_closed")
    _require(
        not Whistle.objects.filter(case=locked).exists(),
        ALREADY_BLOWN,
        "already_blown",
    )
    _require(
        policies.is_party_secretary(approved_by, street),
        APPROVAL_REQUIRED,
        "approval_required",
    )
    now = timezone.now()
    approved_at = approved_at or now
    _require(approved_at <= now, APPROVAL_IN_FUTURE, "approval_in_future")
    for department in departments:
        _require(
            department.is_active
            and department.pk != street.pk
            and department.kind
            not in (Department.Kind.COMMITTEE, Department.Kind.COMMUNITY),
            BAD_DEPARTMENT,
            "bad_department",
            department=str(department),
        )
    whistle = Whistle(
        case=locked,
        street=street,
        reason=reason.strip(),
        blown_by=actor,
        blown_at=now,
        approved_by=approved_by,
        approved_at=approved_at,
        committee_notified_at=now,
    )
    try:
        with transaction.atomic():
            _save(whistle, actor)
    except IntegrityError as error:  # a second whistle blown at the same moment
        raise WhistleError(ALREADY_BLOWN, code="already_blown") from error
    due_at = add_period(now, REPORT_HOURS, "hours")
    for department in sorted(departments, key=lambda d: d.code):
        _save(
            WhistleSummons(whistle=whistle, department=department, due_at=due_at),
            actor,
        )
        assign_perm("cases.view_case", department.group, locked)
        audit.permission_changed(
            granted=True,
            permission="cases.view_case",
            holder=department.group,
            target=locked,
            actor=actor,
        )
    # The entry tells each summoned department's clerks and leaders, after
    # commit (portal.notifications.recipients reads "departments").
    _note(
        locked,
        actor=actor,
        message=str(
            BLOWN_NOTE
            % {
                "street": street,
                "departments": "、".join(str(d) for d in departments),
            }
        )
        + "\n"
        + whistle.reason,
        data={
            "id": whistle.pk,
            "action": "blown",
            "departments": [d.pk for d in departments],
            "due": due_at.isoformat(),
        },
    )
    return whistle


def _lock_summons(summons: WhistleSummons) -> WhistleSummons:
    """Lock the summons and its whistle (and the department: select_related
    under FOR UPDATE locks every joined row)."""
    return (
        WhistleSummons.objects.select_for_update()
        .select_related("whistle", "department")
        .get(pk=summons.pk)
    )


@transaction.atomic
def whistle_report(
    *,
    summons: WhistleSummons,
    actor,
    task: str,
    task_due_at: datetime.datetime,
) -> WhistleSummons:
    """报到: a staff member of the summoned department comes and claims a task.
    A report after the two hours is still recorded, as late."""
    locked = _lock_summons(summons)
    _require(policies.can_report(actor, locked))
    _require(not locked.whistle.is_struck_off, STRUCK_OFF, "struck_off")
    _require(
        locked.reported_at is None,
        ALREADY_REPORTED,
        "already_reported",
        department=str(locked.department),
    )
    errors = {}
    if not task.strip():
        errors["task"] = [TASK_REQUIRED]
    now = timezone.now()
    if task_due_at is None or task_due_at <= now:
        errors["task_due_at"] = [TASK_DUE_PASSED]
    if errors:
        raise WhistleError(errors)
    locked.reported_at = now
    locked.reported_by = actor
    locked.task = task.strip()
    locked.task_due_at = task_due_at
    _save(locked, actor)
    # The summons row was locked with its whistle (select_related), so reports
    # to one whistle run one after another and exactly one sees the last.
    all_reported = not WhistleSummons.objects.filter(
        whistle_id=locked.whistle_id, reported_at__isnull=True
    ).exists()
    _note(
        locked.whistle.case,
        actor=actor,
        message=str(
            REPORTED_NOTE % {"department": locked.department, "task": locked.task}
        ),
        data={
            "id": locked.whistle_id,
            "action": "reported",
            "department": locked.department_id,
            "street": locked.whistle.street_id,
            "all_reported": all_reported,
        },
    )
    _copy(summons, locked)
    return summons


@transaction.atomic
def whistle_task_done(*, summons: WhistleSummons, actor) -> WhistleSummons:
    """The department says its claimed task is done."""
    locked = _lock_summons(summons)
    _require(policies.can_report(actor, locked))
    _require(locked.reported_at is not None, NOT_REPORTED, "not_reported")
    _require(locked.task_done_at is None, TASK_ALREADY_DONE, "task_done")
    locked.task_done_at = timezone.now()
    locked.task_done_by = actor
    _save(locked, actor)
    _copy(summons, locked)
    return summons


def _copy(target, source):
    for field in type(source)._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


@transaction.atomic
def whistle_acknowledge_filing(*, whistle: Whistle, actor) -> Whistle:
    """报备: a committee member acknowledges the filing."""
    locked = Whistle.objects.select_for_update().get(pk=whistle.pk)
    _require(policies.can_acknowledge_filing(actor))
    _require(
        locked.committee_acknowledged_at is None,
        ALREADY_ACKNOWLEDGED,
        "already_acknowledged",
    )
    locked.committee_acknowledged_at = timezone.now()
    locked.committee_acknowledged_by = actor
    _save(locked, actor)
    _copy(whistle, locked)
    return whistle


def _strike_off(whistle: Whistle, actor) -> Whistle:
    locked = (
        Whistle.objects.select_for_update().select_related("case").get(pk=whistle.pk)
    )
    _require(locked.struck_off_at is None, ALREADY_STRUCK_OFF, "already_struck_off")
    _require(
        locked.case.status not in OPEN_STATUSES,
        STILL_OPEN,
        "still_open",
        status=locked.case.get_status_display(),
    )
    now = timezone.now()
    locked.struck_off_at = now
    locked.struck_off_by = actor
    _save(locked, actor)
    _note(
        locked.case,
        actor=actor,
        message=str(STRUCK_OFF_NOTE),
        data={"id": locked.pk, "action": "struck_off"},
    )
    _copy(whistle, locked)
    return whistle


@transaction.atomic
def whistle_strike_off(*, whistle: Whistle, actor) -> Whistle:
    """销号: close the file once the matter is closed (closed, declined or
    withdrawn; a reply awaiting the applicant's confirmation is still open)."""
    _require(policies.can_strike_off(actor, whistle))
    return _strike_off(whistle, actor)


def strike_off_closed_whistles() -> int:
    """Strike off every whistle whose matter has closed, as the system user.
    Safe to run any number of times, and beside another run."""
    system = get_system_user()
    done = 0
    candidates = (
        Whistle.objects.filter(struck_off_at__isnull=True)
        .exclude(case__status__in=OPEN_STATUSES)
        .values_list("pk", flat=True)
    )
    for pk in list(candidates):
        try:
            with transaction.atomic():
                _strike_off(Whistle(pk=pk), system)
        except WhistleError as error:
            if error.code not in ("already_struck_off", "still_open"):
                raise
        else:
            done += 1
    return done


def _missed_report(now):
    """Summonses past their report due date with no report by then, unless the
    whistle was struck off before the deadline came."""
    return WhistleSummons.objects.filter(
        Q(reported_at__isnull=True) | Q(reported_at__gt=F("due_at")),
        Q(whistle__struck_off_at__isnull=True)
        | Q(whistle__struck_off_at__gt=F("due_at")),
        due_at__lt=now,
    )


def _missed_task(now):
    """Reported summonses whose task was not done by its due date, unless the
    whistle was struck off (the matter closed) before that date."""
    return WhistleSummons.objects.filter(
        Q(task_done_at__isnull=True) | Q(task_done_at__gt=F("task_due_at")),
        Q(whistle__struck_off_at__isnull=True)
        | Q(whistle__struck_off_at__gt=F("task_due_at")),
        task_due_at__lt=now,
    )


def negative_list_scan(*, now: datetime.datetime | None = None) -> int:
    """Put on the negative list every department that missed its report or its
    task, once per (summons, reason); returns how many entries were made.
    Idempotent: the unique constraint holds even against a parallel scan."""
    now = now or timezone.now()
    system = get_system_user()
    made = 0
    for reason, candidates, deadline in (
        (NegativeListEntry.Reason.NO_REPORT_IN_TIME, _missed_report(now), "due_at"),
        (NegativeListEntry.Reason.TASK_OVERDUE, _missed_task(now), "task_due_at"),
    ):
        already = NegativeListEntry.objects.filter(
            summons=OuterRef("pk"), reason=reason
        )
        rows = candidates.exclude(Exists(already)).values_list(
            "pk", "department_id", deadline, "whistle_id", "whistle__case_id"
        )
        for pk, department_id, due_at, whistle_id, case_id in rows:
            entry = NegativeListEntry(
                summons_id=pk,
                department_id=department_id,
                reason=reason,
                due_at=due_at,
                year=due_at.astimezone(CHINA_TZ).year,
                recorded_at=now,
            )
            try:
                with transaction.atomic():
                    _save(entry, system)
                    _note_negative_entry(entry, whistle_id=whistle_id, case_id=case_id)
            except IntegrityError:
                continue  # a parallel scan made it first
            made += 1
    return made


def _note_negative_entry(entry: NegativeListEntry, *, whistle_id, case_id) -> None:
    """The system's entry on the matter's timeline; it tells the department's
    leaders after commit (portal.notifications.recipients)."""
    _note(
        Case(pk=case_id),
        actor=None,
        message=str(
            NEGATIVE_LIST_NOTE
            % {
                "department": Department.objects.get(pk=entry.department_id),
                "reason": entry.get_reason_display(),
            }
        ),
        data={
            "id": whistle_id,
            "action": "negative_list",
            "department": entry.department_id,
            "reason": entry.reason,
        },
    )


def _remind(whistle_id: int, now: datetime.datetime) -> bool:
    """Remind the departments of one whistle that have not reported, once:
    the whistle row is locked and its reminded_at set in the same transaction
    as the entry, so a second or parallel scan finds it done."""
    with transaction.atomic():
        whistle = (
            Whistle.objects.select_for_update()
            .select_related("case")
            .get(pk=whistle_id)
        )
        if whistle.reminded_at is not None or whistle.is_struck_off:
            return False
        waiting = list(
            whistle.summonses.filter(reported_at__isnull=True, due_at__gt=now)
            .select_related("department")
            .order_by("department__code")
        )
        if not waiting or not whistle.case.is_open:
            return False
        system = get_system_user()
        whistle.reminded_at = now
        _save(whistle, system)
        due_at = min(summons.due_at for summons in waiting)
        _note(
            whistle.case,
            actor=None,
            message=str(
                REMINDER_NOTE
                % {
                    "due": due_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"),
                    "departments": "、".join(str(s.department) for s in waiting),
                }
            ),
            data={
                "id": whistle.pk,
                "action": "reminder",
                "departments": [summons.department_id for summons in waiting],
                "due": due_at.isoformat(),
            },
        )
    return True


def whistle_reminder_scan(*, now: datetime.datetime | None = None) -> int:
    """Remind, REMIND_MINUTES_BEFORE the two hours run out, every summoned
    department that has not reported yet; once per whistle, however often or
    concurrently this runs. Returns how many whistles were reminded."""
    now = now or timezone.now()
    waiting = WhistleSummons.objects.filter(
        whistle=OuterRef("pk"),
        reported_at__isnull=True,
        due_at__gt=now,
        due_at__lte=now + datetime.timedelta(minutes=REMIND_MINUTES_BEFORE),
    )
    candidates = Whistle.objects.filter(
        Exists(waiting),
        reminded_at__isnull=True,
        struck_off_at__isnull=True,
        case__status__in=OPEN_STATUSES,
    ).values_list("pk", flat=True)
    return sum(_remind(pk, now) for pk in list(candidates))
