"""Forms of the resident's site. They only read and check input; every change
goes through portal.cases.workflow, whose errors they show next to the field
that caused them."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.accounts.forms import StyledFormMixin
from portal.cases import workflow
from portal.cases.attachments import check_uploads
from portal.cases.form_fields import FIELD_REQUIRED, clean_details

DETAIL_PREFIX = "detail_"

STALE_FORM = workflow.ALREADY_HANDLED
DESCRIPTION_REQUIRED = _("Please describe the matter: what, where and since when.")
ATTACHMENTS_HELP = _(
    "PDF, OFD, JPG, PNG, WEBP, Word or Excel; several files at once are fine."
)
STARS_LABEL = _("Stars")
MATERIAL_EMPTY = _(
    "Please write an answer or attach the requested files; an empty reply "
    "would send the department nothing."
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files. The files are checked by check_uploads (content,
    type and size, with a message naming each file), not here."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        if not isinstance(data, list | tuple):
            data = [data]
        return [upload for upload in data if upload]


def _checked_files(form, field_name="attachments"):
    """Run check_uploads on the form's files, adding its messages to the field."""
    files = form.cleaned_data.get(field_name) or []
    try:
        check_uploads(files)
    except ValidationError as error:
        for message in error.messages:
            form.add_error(field_name, message)


def show_workflow_error(form, error: ValidationError, fields_by_code=None) -> None:
    """Put a WorkflowError on the form: a dict of field errors next to their
    fields (unknown fields at the top), a coded error next to the field that
    code belongs to, anything else at the top of the form."""
    fields_by_code = fields_by_code or {}
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            name = field if field in form.fields else form_field_for(field, form)
            for message in messages:
                form.add_error(name, message)
        return
    for item in error.error_list:
        name = fields_by_code.get(item.code)
        form.add_error(name if name in form.fields else None, item)


def form_field_for(code: str, form) -> str | None:
    name = DETAIL_PREFIX + code
    return name if name in form.fields else None


def _detail_field(definition: dict) -> forms.Field:
    """A form field for one extra field of a category. Every value is read as
    text and validated by clean_details, the one place that knows the rules;
    the widget only gives the phone the right keyboard or picker."""
    kind = definition["type"]
    common = {
        "label": definition["label"],
        "required": False,
        "help_text": definition.get("help", ""),
    }
    if kind == "boolean":
        return forms.BooleanField(**common)
    if kind == "textarea":
        widget = forms.Textarea(attrs={"rows": 4})
    elif kind == "integer":
        widget = forms.NumberInput(attrs={"inputmode": "numeric", "step": 1})
    elif kind == "date":
        widget = forms.DateInput(attrs={"type": "date"})
    elif kind == "choice":
        choices = [("", "—")] + [(str(c), str(c)) for c in definition["choices"]]
        widget = forms.Select(choices=choices)
    else:
        widget = forms.TextInput()
    field = forms.CharField(widget=widget, strip=True, **common)
    field.show_required = bool(definition.get("required"))
    return field


class VersionedForm(StyledFormMixin, forms.Form):
    """A form acting on a case carries the case's version as it was rendered,
    so that a form submitted after the case moved on changes nothing."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, case=None, **kwargs):
        self.case = case
        kwargs.setdefault("auto_id", f"id_{self.action}_%s")
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["version"].initial = case.version
        # A missing or mangled version can only be a form from elsewhere: it
        # gets the same answer as a stale one.
        self.fields["version"].error_messages = {
            "required": STALE_FORM,
            "invalid": STALE_FORM,
            "min_value": STALE_FORM,
        }

    def add_error(self, field, error):
        # Errors of the hidden version field are shown at the top of the form.
        super().add_error(None if field == "version" else field, error)


class FilingForm(StyledFormMixin, forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        error_messages={"required": FIELD_REQUIRED},
        help_text=_("A few words: what is the matter?"),
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        error_messages={"required": DESCRIPTION_REQUIRED},
    )
    attachments = MultipleFileField(label=_("Files"), help_text=ATTACHMENTS_HELP)

    def __init__(self, *args, category, **kwargs):
        self.category = category
        super().__init__(*args, **kwargs)
        # The category's own fields sit between the description and the files.
        files = self.fields.pop("attachments")
        for definition in category.form_fields:
            self.fields[DETAIL_PREFIX + definition["code"]] = _detail_field(definition)
        self.fields["attachments"] = files
        self.style_widgets()

    def detail_fields(self):
        return [self[name] for name in self.fields if name.startswith(DETAIL_PREFIX)]

    def clean(self):
        cleaned = super().clean()
        raw = {
            definition["code"]: cleaned.get(DETAIL_PREFIX + definition["code"])
            for definition in self.category.form_fields
        }
        try:
            cleaned["details"] = clean_details(self.category.form_fields, raw)
        except ValidationError as error:
            for code, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(DETAIL_PREFIX + code, message)
        _checked_files(self)
        return cleaned


class ResubmitForm(VersionedForm):
    action = "material"

    answer = forms.CharField(
        label=_("Your answer"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    attachments = MultipleFileField(label=_("Files"), help_text=ATTACHMENTS_HELP)

    def clean(self):
        cleaned = super().clean()
        _checked_files(self)
        if not cleaned.get("answer") and not cleaned.get("attachments"):
            self.add_error("answer", MATERIAL_EMPTY)
        return cleaned


class WithdrawForm(VersionedForm):
    action = "withdraw"

    reason = forms.CharField(
        label=_("Why do you withdraw it? (optional)"), required=False, max_length=1000
    )


class ConfirmForm(VersionedForm):
    action = "confirm"


class DisputeForm(VersionedForm):
    action = "dispute"

    reason = forms.CharField(
        label=_("What is still not settled?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": workflow.REASON_REQUIRED},
    )


class RateForm(VersionedForm):
    action = "rate"

    stars = forms.TypedChoiceField(
        label=STARS_LABEL,
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": workflow.RATING_RANGE,
            "invalid_choice": workflow.RATING_RANGE,
        },
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )


class ReopenForm(VersionedForm):
    action = "reopen"

    reason = forms.CharField(
        label=_("Why should it be handled again?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": workflow.REASON_REQUIRED},
    )


ACTION_FORMS = {
    form.action: form
    for form in (
        ResubmitForm,
        WithdrawForm,
        ConfirmForm,
        DisputeForm,
        RateForm,
        ReopenForm,
    )
}

# Which field a coded WorkflowError belongs next to.
FIELD_FOR_CODE = {
    "reason_required": "reason",
    "rating_range": "stars",
    "stale": None,
}
