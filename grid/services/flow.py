"""The three-level flow (三级流转) of a grid event:

    community ──pass up──▶ street service centre ──pass up──▶ district
    command centre ──dispatch──▶ lead department (主办) + helpers (协办)

Each step is a workflow call (portal.cases.workflow), so each writes the
timeline, the history row, the per-case grants and the stage deadline from the
category's policy; these functions only choose which call, and check that the
event is at the level the step belongs to.

Why "to the command centre" is a transfer and not an escalation:
workflow.escalate_case only hands a case to an ancestor in the department
tree (a street supervises its communities), and the district command centre
is a child of the district, beside the streets, not above them. Passing an
event from a street to the command centre is therefore transfer_case to the
command-centre department, with the street's reason; the street keeps read
access for the record, as after any transfer, and the command centre decides
on acceptance anew with the category's acceptance time limit.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Department
from portal.cases import workflow
from portal.cases.models import Case, CaseStatus, Outcome

NOT_AT_COMMUNITY_OR_STREET = _(
    "Only a community or a street can pass an event up; this event is with "
    "%(department)s."
)
NOT_AT_STREET = _("Only a street can assign an event to a department.")
NOT_AT_COMMAND_CENTRE = _(
    "Only the district command centre names the lead and helper departments."
)
NO_COMMAND_CENTRE = _("No district command centre is set up above this street.")
LEAD_REQUIRED = _("Name the lead department.")
LEAD_IS_HELPER = _("The lead department cannot also be a helper.")
HELPER_TWICE = _("Each helper department is named once.")
NOT_A_DEPARTMENT = _("Events are assigned to functional departments.")
REASON_REQUIRED = workflow.REASON_REQUIRED


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise ValidationError({"reason": [REASON_REQUIRED]})


def command_centre_for(department: Department) -> Department | None:
    """The command centre of the district above the department."""
    district = department.ancestors().filter(kind=Department.Kind.DISTRICT).first()
    if district is None:
        return None
    return district.children.filter(
        kind=Department.Kind.COMMAND_CENTRE, is_active=True
    ).first()


@transaction.atomic
def event_accept(*, case: Case, actor, note: str = "") -> Case:
    """The department the event is with takes it on (受理)."""
    return workflow.accept_case(case=case, actor=actor, note=note)


@transaction.atomic
def event_close(
    *,
    case: Case,
    actor,
    reply: str,
    outcome: str = Outcome.SOLVED,
    basis: str = "",
    redirect: str = "",
) -> Case:
    """Handle and close what this level can settle itself (就地解决): accept
    the event if it is still waiting, then reply with the honest outcome. Both
    steps are workflow calls in one transaction; a refused reply undoes the
    acceptance."""
    if case.status == CaseStatus.SUBMITTED:
        workflow.accept_case(case=case, actor=actor)
    return workflow.resolve_case(
        case=case,
        actor=actor,
        outcome=outcome,
        reply=reply,
        basis=basis,
        redirect=redirect,
    )


@transaction.atomic
def event_pass_up(*, case: Case, actor, reason: str) -> Case:
    """Pass the event one level up: community → its street (escalate_case);
    street → the district command centre (transfer_case, see the module
    docstring for why)."""
    _require_reason(reason)
    department = case.department
    if department.kind == Department.Kind.COMMUNITY:
        return workflow.escalate_case(
            case=case, actor=actor, reason=reason, to_department=department.parent
        )
    if department.kind == Department.Kind.STREET:
        centre = command_centre_for(department)
        if centre is None:
            raise ValidationError(NO_COMMAND_CENTRE, code="no_command_centre")
        return workflow.transfer_case(
            case=case, actor=actor, department=centre, reason=reason
        )
    raise ValidationError(
        NOT_AT_COMMUNITY_OR_STREET,
        code="wrong_level",
        params={"department": str(department)},
    )


@transaction.atomic
def event_assign_department(
    *, case: Case, actor, department: Department, reason: str
) -> Case:
    """The street assigns the event to the department it belongs to
    (transfer_case): that department decides on acceptance anew."""
    _require_reason(reason)
    if case.department.kind != Department.Kind.STREET:
        raise ValidationError(NOT_AT_STREET, code="wrong_level")
    if department.kind != Department.Kind.FUNCTIONAL:
        raise ValidationError({"department": [NOT_A_DEPARTMENT]})
    return workflow.transfer_case(
        case=case, actor=actor, department=department, reason=reason
    )


@transaction.atomic
def event_dispatch(
    *,
    case: Case,
    actor,
    lead: Department,
    helpers: list[Department],
    reason: str,
    note: str = "",
) -> Case:
    """The district command centre names the lead department (主办) and the
    helper departments (协办) in one transaction:

    1. the command centre accepts the event if it is still waiting;
    2. each helper is asked to co-handle (co_handle_case, which needs the
       event accepted and the command centre still holding it);
    3. the event is transferred to the lead department, which decides on
       acceptance with the category's time limit; the helpers keep their
       per-case grant to act on it.

    If any step is refused, nothing of it remains.
    """
    _require_reason(reason)
    if case.department.kind != Department.Kind.COMMAND_CENTRE:
        raise ValidationError(NOT_AT_COMMAND_CENTRE, code="wrong_level")
    if lead is None:
        raise ValidationError({"lead": [LEAD_REQUIRED]})
    helper_ids = [helper.pk for helper in helpers]
    if lead.pk in helper_ids:
        raise ValidationError({"helpers": [LEAD_IS_HELPER]})
    if len(set(helper_ids)) != len(helper_ids):
        raise ValidationError({"helpers": [HELPER_TWICE]})
    for department in (lead, *helpers):
        if department.kind != Department.Kind.FUNCTIONAL:
            raise ValidationError({"lead": [NOT_A_DEPARTMENT]})
    if case.status == CaseStatus.SUBMITTED:
        workflow.accept_case(case=case, actor=actor, note=note)
    for helper in helpers:
        workflow.co_handle_case(case=case, actor=actor, department=helper, note=note)
    return workflow.transfer_case(
        case=case, actor=actor, department=lead, reason=reason
    )
