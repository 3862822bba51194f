"""Who a timeline entry concerns. One function, read by the delivery service
and by the tests: the rules live here and nowhere else.

- The applicant hears of every public entry they did not write themselves
  (status changes, a request for more material, the reply, a transfer or
  escalation, an extension). Internal entries (is_public False) never reach
  the applicant.
  A matter filed with no applicant (a grid worker's report) has its
  submitter told instead.
- The department: a new or resubmitted case goes to the assignee, or the
  department's clerks when nobody is assigned; an assignment to the assignee;
  a transfer to the receiving department's clerks; a co-handling request to
  the helping department's clerks; an escalation to the receiving
  department's leaders (its clerks if it has no leader); what the applicant
  does afterwards (dispute, reopen, withdraw, confirm, rate) to the handlers.
- Deadline reminders (internal notes by the system user): yellow to the
  handlers; orange and red to the handlers and the department's leaders.
- Whistle-and-report entries (internal notes whose data holds "whistle",
  written by grid.whistle.services): a blown whistle and the reminder before
  the two hours run out go to the clerks and leaders of each department
  named in the entry ("departments"); a negative-list entry to the leaders of
  the department put on it (its clerks if it has no leader); the report that
  completes a whistle ("all_reported") to the staff of the street that blew.
- Nobody is told of what they did themselves; inactive accounts (the system
  user among them) are told nothing.
"""

from dataclasses import dataclass

from portal.accounts.models import Department, StaffMembership, User
from portal.cases.models import Case, CaseEvent
from portal.notifications.selectors import staff_members

K = CaseEvent.Kind
APPLICANT, HANDLER, LEADER = "applicant", "handler", "leader"

TO_HANDLERS = {
    K.SUBMITTED,
    K.RESUBMITTED,
    K.DISPUTED,
    K.REOPENED,
    K.WITHDRAWN,
    K.CONFIRMED,
    K.RATED,
}


@dataclass(frozen=True)
class Recipient:
    user: User
    audience: str  # APPLICANT, HANDLER or LEADER: which text they get


# What delivery reads of a recipient (portal.notifications.services): who,
# whether active, and whether a copy may go to them. The 32 clerks of the
# bench's busiest unit were read with all 25 columns of the user table.
RECIPIENT_FIELDS = ("id", "is_active", "email", "mobile", "mobile_verified")


def _members(department_id, role) -> list[User]:
    return staff_members(department_id, role)


def _clerks_or_leaders(department_id) -> list[User]:
    return _members(department_id, StaffMembership.Role.CLERK) or _members(
        department_id, StaffMembership.Role.LEADER
    )


def _handlers(case: Case) -> list[User]:
    if case.assignee_id and case.assignee.is_active:
        return [case.assignee]
    return _clerks_or_leaders(case.department_id)


def _whistle_recipients(whistle: dict, add) -> None:
    action = whistle.get("action")
    if action in ("blown", "reminder"):
        for department_id in whistle.get("departments") or []:
            add(_members(department_id, StaffMembership.Role.CLERK), HANDLER)
            add(_members(department_id, StaffMembership.Role.LEADER), LEADER)
    elif action == "negative_list" and whistle.get("department"):
        department_id = whistle["department"]
        add(
            _members(department_id, StaffMembership.Role.LEADER)
            or _members(department_id, StaffMembership.Role.CLERK),
            LEADER,
        )
    elif action == "reported" and whistle.get("all_reported") and whistle.get("street"):
        add(_members(whistle["street"], StaffMembership.Role.CLERK), HANDLER)
        add(_members(whistle["street"], StaffMembership.Role.LEADER), LEADER)


def _department_id(event: CaseEvent, key: str):
    value = (event.data or {}).get(key)
    if value and Department.objects.filter(pk=value).exists():
        return value
    return None


def event_recipients(event: CaseEvent) -> list[Recipient]:
    case = event.case
    found: dict[int, Recipient] = {}

    def add(users, audience):
        for user in users:
            if user.pk not in found:
                found[user.pk] = Recipient(user, audience)

    data = event.data or {}
    reminder = data.get("reminder")
    whistle = data.get("whistle") if event.kind == K.NOTE else None
    if isinstance(whistle, dict):
        _whistle_recipients(whistle, add)
    elif event.kind == K.ASSIGNED and case.assignee_id:
        add([case.assignee], HANDLER)
    elif event.kind == K.TRANSFERRED:
        target = _department_id(event, "to")
        add(_clerks_or_leaders(target) if target else _handlers(case), HANDLER)
    elif event.kind == K.CO_HANDLING:
        helper = _department_id(event, "department")
        if helper:
            add(_clerks_or_leaders(helper), HANDLER)
    elif event.kind == K.ESCALATED:
        target = _department_id(event, "to") or case.department_id
        add(_members(target, StaffMembership.Role.LEADER), LEADER)
        add(_clerks_or_leaders(target), HANDLER)
    elif event.kind == K.NOTE and reminder:
        add(_handlers(case), HANDLER)
        if reminder in ("orange", "red"):
            add(_members(case.department_id, StaffMembership.Role.LEADER), LEADER)
    elif event.kind in TO_HANDLERS:
        add(_handlers(case), HANDLER)

    if event.is_public and case.applicant_id and case.applicant.is_active:
        # The applicant's own text wins over a staff text, should they be both.
        found[case.applicant_id] = Recipient(case.applicant, APPLICANT)
    elif event.is_public and case.applicant_id is None and case.submitter.is_active:
        # A report with no applicant (a grid event): its reporter follows it
        # and confirms the reply, so they hear what an applicant would.
        found[case.submitter_id] = Recipient(case.submitter, APPLICANT)

    found.pop(event.actor_id, None)
    return [r for r in found.values() if r.user.is_active]
