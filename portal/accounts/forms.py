"""Sign-up and the real-name step."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import RESIDENT_ID_TAKEN as models_RESIDENT_ID_TAKEN
from portal.accounts.models import User
from portal.accounts.passwords import resident_password_help_text_html
from portal.accounts.validators import (
    normalize_resident_id,
    validate_mobile,
    validate_resident_id,
)

MOBILE_TAKEN = _(
    "This mobile number is already registered. Log in with it, or use another number."
)
PASSWORDS_DIFFER = _("The two passwords differ.")
REAL_NAME_REQUIRED = _("Please enter your name as it is on your identity card.")
RESIDENT_ID_REQUIRED = _("Please enter your resident identity number.")
# Says that the number is taken, never by whom (defined beside the model,
# whose clean() says it too).
RESIDENT_ID_TAKEN = models_RESIDENT_ID_TAKEN


class StyledFormMixin:
    """Gives each widget Bootstrap's class for its kind, so that templates can
    render a field as it is."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def style_widgets(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput | forms.RadioSelect):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            classes = widget.attrs.get("class", "").split()
            if css not in classes:
                widget.attrs["class"] = " ".join([*classes, css])


class SignupForm(StyledFormMixin, forms.Form):
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=11,
        validators=[validate_mobile],
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "tel-national"}
        ),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=resident_password_help_text_html,
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_mobile(self):
        mobile = self.cleaned_data["mobile"].strip()
        if (
            User.objects.filter(mobile=mobile).exists()
            or User.objects.filter(username=mobile).exists()
        ):
            raise forms.ValidationError(MOBILE_TAKEN, code="mobile_taken")
        return mobile

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", forms.ValidationError(PASSWORDS_DIFFER))
        elif first:
            mobile = cleaned.get("mobile") or ""
            try:
                password_validation.validate_password(
                    first, User(username=mobile, mobile=mobile)
                )
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class RealNameForm(StyledFormMixin, forms.Form):
    real_name = forms.CharField(
        label=_("Name"),
        max_length=50,
        error_messages={"required": REAL_NAME_REQUIRED},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    resident_id = forms.CharField(
        label=_("Resident identity number"),
        max_length=30,
        error_messages={"required": RESIDENT_ID_REQUIRED},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_resident_id(self):
        number = normalize_resident_id(self.cleaned_data["resident_id"])
        validate_resident_id(number)
        if User.objects.with_resident_id(number).exclude(pk=self.user.pk).exists():
            raise forms.ValidationError(RESIDENT_ID_TAKEN, code="resident_id_taken")
        return number
