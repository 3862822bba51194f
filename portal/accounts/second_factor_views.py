"""The second-factor step and the enrolment of staff (issue 7); the rules are
in portal/accounts/second_factor.py."""

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from portal.accounts import second_factor
from portal.accounts.forms import StyledFormMixin
from portal.accounts.views import _next_url

CODE_INVALID = _(
    "This code is not right, or was already used. Codes from the app change "
    "every 30 seconds; each backup code works once."
)
CODE_REQUIRED = _("Please enter the code.")
VERIFIED = _("Second factor confirmed.")
QR_TITLE = _("QR code for the authenticator app")


class CodeForm(StyledFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        error_messages={"required": CODE_REQUIRED},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True}
        ),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


def _with_next(view_name: str, next_url: str) -> str:
    url = reverse(view_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _default_next(user) -> str:
    return reverse("admin:index") if user.is_staff else reverse("home")


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """The code from the app, or a backup code, after the password."""
    user = request.user
    next_url = _next_url(request, "")
    if not user.is_staff:
        return redirect("home")
    if not second_factor.second_factor_required(request):
        return redirect(next_url or _default_next(user))
    if not second_factor.has_confirmed_device(user):
        return redirect(_with_next("otp_setup", next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = second_factor.check_code(user, form.cleaned_data["code"])
        if device is not None:
            second_factor.mark_verified(request, device)
            messages.success(request, VERIFIED)
            return redirect(next_url or _default_next(user))
        if second_factor.code_refused(request, user):
            # Locked: this half-finished login ends here too.
            logout(request)
            return redirect("login")
        form.add_error("code", forms.ValidationError(CODE_INVALID, code="invalid"))
    return render(
        request, "accounts/second_factor_verify.html", {"form": form, "next": next_url}
    )


@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """First login of a staff member without a device: scan, confirm with one
    code, note the backup codes. Never offered once a device is confirmed:
    a password alone must not be enough to add a device."""
    user = request.user
    next_url = _next_url(request, "")
    if not user.is_staff:
        return redirect("home")
    if second_factor.has_confirmed_device(user):
        return redirect(_with_next("otp_verify", next_url))
    device = second_factor.enrolment_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            codes = second_factor.confirm_enrolment(device=device)
            second_factor.mark_verified(request, device)
            return render(
                request,
                "accounts/second_factor_backup_codes.html",
                {"codes": codes, "next": next_url or _default_next(user)},
            )
        form.add_error("code", forms.ValidationError(CODE_INVALID, code="invalid"))
    return render(
        request,
        "accounts/second_factor_setup.html",
        {
            "form": form,
            "next": next_url,
            "qr_code": second_factor.qr_code_svg(device, title=str(QR_TITLE)),
            "secret": second_factor.secret_for_typing(device),
        },
    )
