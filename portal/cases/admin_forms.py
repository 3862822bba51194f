"""The small forms behind the buttons on the admin's case page.

Each form asks for what the law wants for its step and performs it through
portal.cases.workflow, never by writing the case itself. The form carries the
case's version: a form rendered before someone else moved the case on is
refused by the workflow with ALREADY_HANDLED. A WorkflowError is shown next to
the field it is about (by its code, or by the field names of its dict), and
otherwise above the form.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Department
from portal.cases import policies, workflow
from portal.cases.models import Outcome
from portal.cases.selectors import visible_cases

DUPLICATE_NOT_FOUND = _("There is no case with this tracking number that you may see.")
ITEMS_HELP = _("One item per line. The applicant is told all of them at once.")
REASON_HELP = _("Kept in the case's record.")
REASON_LABEL = _("reason")
NOTE_LABEL = _("note")

_REASON_ERRORS = {"required": workflow.REASON_REQUIRED}


def _reason_field(label=REASON_LABEL, help_text=REASON_HELP):
    return forms.CharField(
        label=label,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        error_messages=_REASON_ERRORS,
        help_text=help_text,
    )


def _note_field(label=NOTE_LABEL):
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


class CaseActionForm(forms.Form):
    """Base of every workflow form: the case, the acting user and the version
    the user saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    # WorkflowError codes and the field their message belongs next to.
    error_fields: dict[str, str] = {"reason_required": "reason"}

    def __init__(self, *args, case, user, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", case.version)
        super().__init__(*args, **kwargs)
        self.case = case
        self.user = user
        for field in self.fields.values():
            field.label = capfirst(field.label)

    def perform(self):
        """Run the workflow step; raises WorkflowError."""
        self.case.version = self.cleaned_data["version"]
        return self.run(self.case, self.user, self.cleaned_data)

    def run(self, case, actor, data):
        raise NotImplementedError

    def add_workflow_error(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
            return
        for item in error.error_list:
            field = self.error_fields.get(item.code)
            self.add_error(field if field in self.fields else None, item)


class AcceptForm(CaseActionForm):
    note = _note_field(_("note to the applicant"))

    def run(self, case, actor, data):
        return workflow.accept_case(case=case, actor=actor, note=data["note"])


class DeclineForm(CaseActionForm):
    reason = _reason_field(
        _("reason for not accepting"),
        help_text=_("The applicant is told this reason."),
    )

    def run(self, case, actor, data):
        return workflow.decline_case(case=case, actor=actor, reason=data["reason"])


class RequestMaterialForm(CaseActionForm):
    items = forms.CharField(
        label=_("missing material"),
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60}),
        help_text=ITEMS_HELP,
        error_messages={"required": workflow.ITEMS_REQUIRED},
    )
    note = _note_field()
    error_fields = {"items_required": "items", "material_once": "items"}

    def clean_items(self):
        return [
            line.strip()
            for line in self.cleaned_data["items"].splitlines()
            if line.strip()
        ]

    def run(self, case, actor, data):
        return workflow.request_material(
            case=case, actor=actor, items=data["items"], note=data["note"]
        )


def assignable_users(case):
    """Active staff of the case's department or a department above it."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__department__descendant_links__descendant_id=case.department_id,
        )
        .distinct()
        .order_by("real_name", "username")
    )


class AssignForm(CaseActionForm):
    assignee = forms.ModelChoiceField(label=_("assign to"), queryset=None)
    error_fields = {"assignee": "assignee"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_users(self.case)
        self.fields["assignee"].initial = self.user.pk

    def run(self, case, actor, data):
        return workflow.assign_case(case=case, actor=actor, assignee=data["assignee"])


def _other_departments(case):
    return (
        Department.objects.filter(is_active=True)
        .exclude(pk=case.department_id)
        .exclude(kind=Department.Kind.COMMITTEE)
        .order_by("code")
    )


class TransferForm(CaseActionForm):
    department = forms.ModelChoiceField(label=_("transfer to"), queryset=None)
    reason = _reason_field(_("reason for the transfer"))
    error_fields = {"reason_required": "reason", "same_department": "department"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _other_departments(self.case)

    def run(self, case, actor, data):
        return workflow.transfer_case(
            case=case, actor=actor, department=data["department"], reason=data["reason"]
        )


class CoHandleForm(CaseActionForm):
    department = forms.ModelChoiceField(
        label=_("department asked to help"), queryset=None
    )
    note = _note_field(_("what is asked of it"))
    error_fields = {"same_department": "department"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _other_departments(self.case)

    def run(self, case, actor, data):
        return workflow.co_handle_case(
            case=case, actor=actor, department=data["department"], note=data["note"]
        )


class EscalateForm(CaseActionForm):
    to_department = forms.ModelChoiceField(label=_("pass up to"), queryset=None)
    reason = _reason_field(_("reason for escalating"))
    error_fields = {
        "reason_required": "reason",
        "no_supervisor": "to_department",
        "not_supervisor": "to_department",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["to_department"]
        field.queryset = Department.objects.filter(
            descendant_links__descendant_id=self.case.department_id,
            descendant_links__depth__gt=0,
        ).order_by("descendant_links__depth")
        field.initial = self.case.department.parent_id

    def run(self, case, actor, data):
        return workflow.escalate_case(
            case=case,
            actor=actor,
            reason=data["reason"],
            to_department=data["to_department"],
        )


class ExtendForm(CaseActionForm):
    amount = forms.IntegerField(
        label=_("extend by"),
        min_value=1,
        error_messages={"min_value": workflow.EXTENSION_POSITIVE},
    )
    reason = _reason_field(
        _("reason for the extension"),
        help_text=_("The applicant is told the new time limit and this reason."),
    )
    error_fields = {
        "reason_required": "reason",
        "extension_positive": "amount",
        "extension_too_long": "amount",
        "no_extension": "amount",
        "leader_required": None,
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        policy = self.case.category.policy_for(self.case.stage)
        if policy is not None and policy.extension_max:
            self.fields["amount"].help_text = _(
                "In %(unit)s; the law allows at most %(max)d in all (%(basis)s)."
            ) % {
                "unit": policy.get_unit_display(),
                "max": policy.extension_max,
                "basis": policy.extension_basis or policy.legal_basis,
            }

    def run(self, case, actor, data):
        return workflow.extend_deadline(
            case=case, actor=actor, amount=data["amount"], reason=data["reason"]
        )


class ResolveForm(CaseActionForm):
    outcome = forms.ChoiceField(label=_("outcome"), choices=Outcome.choices)
    reply = forms.CharField(
        label=_("reply to the applicant"),
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60}),
        error_messages={"required": workflow.REPLY_REQUIRED},
    )
    basis = forms.CharField(
        label=_("legal basis"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Required when the outcome is an explanation."),
    )
    redirect = forms.CharField(
        label=_("where it belongs"),
        required=False,
        max_length=200,
        help_text=_("Required when it is not our remit: the department or channel."),
    )
    duplicate_of = forms.CharField(
        label=_("duplicate of (tracking number)"),
        required=False,
        max_length=20,
        help_text=_("Required when the case duplicates an earlier one."),
    )
    error_fields = {"leader_required": "outcome"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not policies.can_lead(self.user, self.case):
            # Only a leader may call a request unreasonable.
            self.fields["outcome"].choices = [
                choice
                for choice in Outcome.choices
                if choice[0] != Outcome.UNREASONABLE
            ]

    def clean_duplicate_of(self):
        number = self.cleaned_data["duplicate_of"].strip()
        if not number:
            return None
        try:
            return visible_cases(self.user).get(tracking_number=number)
        except visible_cases(self.user).model.DoesNotExist:
            raise ValidationError(
                DUPLICATE_NOT_FOUND, code="duplicate_not_found"
            ) from None

    def run(self, case, actor, data):
        return workflow.resolve_case(
            case=case,
            actor=actor,
            outcome=data["outcome"],
            reply=data["reply"],
            basis=data["basis"],
            redirect=data["redirect"],
            duplicate_of=data["duplicate_of"],
        )


class ReopenForm(CaseActionForm):
    reason = _reason_field(_("reason for reopening"))

    def run(self, case, actor, data):
        return workflow.reopen_case(case=case, actor=actor, reason=data["reason"])
