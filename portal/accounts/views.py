"""Sign up with a mobile number, then the real-name step."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from portal.accounts.forms import (
    MOBILE_TAKEN,
    RESIDENT_ID_TAKEN,
    RealNameForm,
    SignupForm,
)
from portal.accounts.models import User
from portal.accounts.passwords import (
    PASSWORD_CHANGE_REQUIRED_KEY,
    resident_password_help_text_html,
)

SIGNED_UP = _("Welcome. One more step: your name and identity number.")
REAL_NAME_DONE = _("Your real-name details are saved. You can now file matters.")
BACKEND = "portal.accounts.backends.UsernameOrMobileBackend"


def _next_url(request, default):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        mobile = form.cleaned_data["mobile"]
        user = User(username=mobile, mobile=mobile)
        user.set_password(form.cleaned_data["password1"])
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            # Someone registered the same number a moment ago.
            form.add_error("mobile", MOBILE_TAKEN)
        else:
            login(request, user, backend=BACKEND)
            messages.success(request, SIGNED_UP)
            return redirect("real_name")
    return render(request, "accounts/signup.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def real_name(request):
    """Name and resident identity number, once; a change afterwards goes
    through a service hall, where the identity card is seen."""
    user = request.user
    done = bool(user.real_name and user.resident_id)
    form = None
    if not done:
        form = RealNameForm(request.POST or None, user=user)
        if request.method == "POST" and form.is_valid():
            user.real_name = form.cleaned_data["real_name"]
            user.resident_id = form.cleaned_data["resident_id"]
            try:
                with transaction.atomic():
                    user.save(update_fields=["real_name", "resident_id"])
            except IntegrityError:
                user.refresh_from_db()
                form.add_error("resident_id", RESIDENT_ID_TAKEN)
            else:
                messages.success(request, REAL_NAME_DONE)
                return redirect(_next_url(request, "home"))
    return render(
        request,
        "accounts/real_name.html",
        {"form": form, "done": done, "next": _next_url(request, "")},
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's, plus: a staff member sent here because the password had to
    change goes back where he was going, and is no longer held here."""

    template_name = "accounts/password_change.html"

    def get_success_url(self):
        return _next_url(self.request, reverse("password_change_done"))

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=_next_url(self.request, ""), **kwargs)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not self.request.user.is_staff:
            # Django's help lists every configured rule, the staff rule too,
            # which does not bind residents (as on the sign-up page).
            form.fields["new_password1"].help_text = resident_password_help_text_html
        return form

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session.pop(PASSWORD_CHANGE_REQUIRED_KEY, None)
        return response
