"""Forms of the whistle pages. They only read input; grid.whistle.services
decides, and its errors are shown next to the field they belong to."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Department, StaffMembership, User

DATETIME_HELP = _("Date and time, Beijing time.")


class _Styled:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = (
                "form-select"
                if isinstance(field.widget, forms.Select)
                and not isinstance(field.widget, forms.CheckboxSelectMultiple)
                else "form-control"
            )
            if isinstance(field.widget, forms.CheckboxSelectMultiple):
                continue
            field.widget.attrs.setdefault("class", css)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class BlowForm(_Styled, forms.Form):
    street = forms.ModelChoiceField(
        label=_("Street or township"), queryset=Department.objects.none()
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments to summon"),
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label=_("What the matter needs"), widget=forms.Textarea(attrs={"rows": 3})
    )
    approved_by = forms.ModelChoiceField(
        label=_("Approved by (party secretary)"),
        queryset=User.objects.none(),
        required=False,
    )
    approved_at = forms.DateTimeField(
        label=_("Approved at"),
        required=False,
        widget=DateTimeLocalInput(),
        help_text=_("Leave empty if the approval is given now."),
    )

    def __init__(self, *args, streets, **kwargs):
        super().__init__(*args, **kwargs)
        street_ids = [street.pk for street in streets]
        self.fields["street"].queryset = Department.objects.filter(pk__in=street_ids)
        if len(street_ids) == 1:
            self.fields["street"].initial = street_ids[0]
        self.fields["departments"].queryset = (
            Department.objects.filter(is_active=True)
            .exclude(kind__in=[Department.Kind.COMMITTEE, Department.Kind.COMMUNITY])
            .exclude(pk__in=street_ids)
        )
        self.fields["approved_by"].queryset = User.objects.filter(
            memberships__department_id__in=street_ids,
            memberships__role=StaffMembership.Role.LEADER,
        ).distinct()


class ReportForm(_Styled, forms.Form):
    task = forms.CharField(
        label=_("Task the department takes on"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    task_due_at = forms.DateTimeField(
        label=_("Task due"), widget=DateTimeLocalInput(), help_text=DATETIME_HELP
    )


def show_error(form, error: ValidationError) -> None:
    """Put a service error on the form: field errors next to their fields,
    anything else at the top."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        return
    for item in error.error_list:
        form.add_error(None, item)
