"""The workflow buttons of the admin's case page and the views behind them.

Each button opens a small form (portal.cases.admin_forms) at
``admin/cases/case/<id>/workflow/<action>/``. The view reads the case through
the admin's queryset (a case the user may not see is a 404, as if it did not
exist), asks the policy whether the user may take this kind of step at all
(403 otherwise, so the committee's read-only view can never post one), and
hands the form's data to portal.cases.workflow. Whether the step fits the
case's current status is the workflow's to decide on POST: a form posted after
the case moved on gets the workflow's own message (ALREADY_HANDLED), next to
the form, and nothing changes.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.audit import services as audit
from portal.cases import admin_forms, policies, workflow
from portal.cases.models import Case, CaseStatus

S = CaseStatus

ACCEPTED = _("The case has been accepted.")
DECLINED = _("The case has been declined; the applicant is told the reason.")
MATERIAL_REQUESTED = _("The applicant has been asked for the missing material.")
ASSIGNED = _("The case has been assigned to %(assignee)s.")
TRANSFERRED = _("The case has been transferred to %(department)s.")
CO_HANDLING = _("%(department)s has been asked to help.")
ESCALATED = _("The case has been passed up to %(department)s.")
EXTENDED = _("The time limit has been extended.")
RESOLVED = _("The reply has been sent to the applicant.")
REOPENED = _("The case has been reopened.")
NOT_NOW = _("This cannot be done while the case is “%(status)s”.")


def _may_request_material(case: Case) -> bool:
    # One consolidated request per case (一次性告知).
    return not case.material_requests.exists()


def _has_supervisor(case: Case) -> bool:
    return case.department.parent_id is not None


def _may_extend(case: Case) -> bool:
    policy = case.category.policy_for(case.stage)
    return policy is not None and policy.extension_max > 0


def _always(case: Case) -> bool:
    return True


@dataclass(frozen=True)
class CaseAction:
    """One workflow step offered on the case page."""

    name: str
    label: str
    form_class: type[admin_forms.CaseActionForm]
    statuses: tuple[str, ...]
    success: str
    # "handle": a handler of the case; "lead": a leader of its department.
    needs: str = "handle"
    fits: Callable[[Case], bool] = _always

    def fits_status(self, case: Case) -> bool:
        return case.status in self.statuses and self.fits(case)

    def success_message(self, case: Case, data: dict) -> str:
        return self.success % {
            "assignee": data.get("assignee", ""),
            "department": data.get("department") or data.get("to_department") or "",
        }


ACTIONS = {
    action.name: action
    for action in (
        CaseAction(
            "accept", _("Accept"), admin_forms.AcceptForm, (S.SUBMITTED,), ACCEPTED
        ),
        CaseAction(
            "request-material",
            _("Request material"),
            admin_forms.RequestMaterialForm,
            (S.SUBMITTED,),
            MATERIAL_REQUESTED,
            fits=_may_request_material,
        ),
        CaseAction(
            "decline",
            _("Decline"),
            admin_forms.DeclineForm,
            (S.SUBMITTED, S.NEEDS_MATERIAL),
            DECLINED,
        ),
        CaseAction(
            "assign",
            _("Assign"),
            admin_forms.AssignForm,
            (S.SUBMITTED, S.ACCEPTED),
            ASSIGNED,
        ),
        CaseAction(
            "transfer",
            _("Transfer"),
            admin_forms.TransferForm,
            (S.SUBMITTED, S.ACCEPTED),
            TRANSFERRED,
        ),
        CaseAction(
            "co-handle",
            _("Ask for help"),
            admin_forms.CoHandleForm,
            (S.ACCEPTED,),
            CO_HANDLING,
        ),
        CaseAction(
            "escalate",
            _("Escalate"),
            admin_forms.EscalateForm,
            (S.SUBMITTED, S.ACCEPTED),
            ESCALATED,
            fits=_has_supervisor,
        ),
        CaseAction(
            "extend",
            _("Extend the time limit"),
            admin_forms.ExtendForm,
            (S.ACCEPTED,),
            EXTENDED,
            needs="lead",
            fits=_may_extend,
        ),
        CaseAction(
            "resolve", _("Reply"), admin_forms.ResolveForm, (S.ACCEPTED,), RESOLVED
        ),
        CaseAction(
            "reopen", _("Reopen"), admin_forms.ReopenForm, (S.CLOSED,), REOPENED
        ),
    )
}


class CaseAbilities:
    """What one user may do with one case, asked of the policy once."""

    def __init__(self, user, case: Case):
        staff = user.is_active and user.is_staff
        read_only = policies.is_read_only_overseer(user)
        self.handle = bool(staff and not read_only and policies.can_handle(user, case))
        self.lead = bool(self.handle and policies.can_lead(user, case))

    def permits(self, action: CaseAction) -> bool:
        return getattr(self, action.needs)


def available_actions(user, case: Case) -> list[CaseAction]:
    """The steps the user may take with the case in its current status."""
    abilities = CaseAbilities(user, case)
    if not abilities.handle:
        return []
    return [
        action
        for action in ACTIONS.values()
        if abilities.permits(action) and action.fits_status(case)
    ]


def action_url(case: Case, action: CaseAction) -> str:
    return reverse("admin:cases_case_workflow", args=[case.pk, action.name])


def case_url(case: Case) -> str:
    return reverse("admin:cases_case_change", args=[case.pk])


def case_workflow_view(model_admin, request, object_id: str, action_name: str):
    action = ACTIONS.get(action_name)
    if action is None:
        raise Http404
    try:
        case = model_admin.get_queryset(request).get(pk=object_id)
    except (Case.DoesNotExist, ValueError, ValidationError) as error:
        audit.access_refused(
            user=request.user, object_type="cases.case", object_id=object_id
        )
        raise Http404 from error
    if not CaseAbilities(request.user, case).permits(action):
        raise PermissionDenied

    if request.method == "POST":
        form = action.form_class(request.POST, case=case, user=request.user)
        if form.is_valid():
            try:
                form.perform()
            except workflow.WorkflowError as error:
                form.add_workflow_error(error)
            else:
                messages.success(
                    request, action.success_message(case, form.cleaned_data)
                )
                if model_admin.get_queryset(request).filter(pk=case.pk).exists():
                    return redirect(case_url(case))
                return redirect("admin:cases_case_changelist")
    else:
        if not action.fits_status(case):
            messages.error(request, NOT_NOW % {"status": case.get_status_display()})
            return redirect(case_url(case))
        form = action.form_class(case=case, user=request.user)

    context = {
        **model_admin.admin_site.each_context(request),
        "title": action.label,
        "subtitle": str(case),
        "opts": Case._meta,
        "original": case,
        "action": action,
        "form": form,
        "case_url": case_url(case),
        "has_view_permission": True,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/cases/case/workflow_form.html", context)
