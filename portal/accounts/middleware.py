"""One middleware for the account rules of issue 7 that every request obeys:
a session idle or open for too long ends; a staff member passes the second
factor, and then changes an expired password, before anything else."""

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from portal.accounts.passwords import PASSWORD_EXPIRED, password_change_required
from portal.accounts.second_factor import second_factor_required
from portal.accounts.sessions import timed_out

SESSION_TIMED_OUT = _(
    "You were logged out because the session was idle or open for too long. "
    "Please log in again."
)

# Views a staff member may reach before passing the second factor.
SECOND_FACTOR_VIEWS = {
    "otp_verify",
    "otp_setup",
    "logout",
    "admin:logout",
    "set_language",
}
# Views a staff member may reach while the password must be changed.
PASSWORD_CHANGE_VIEWS = {
    "password_change",
    "password_change_done",
    "logout",
    "admin:logout",
    "set_language",
}


def _redirect_with_next(request, view_name):
    target = reverse(view_name)
    if request.method == "GET":
        target += "?" + urlencode({"next": request.get_full_path()})
    return redirect(target)


class AccountSecurityMiddleware:
    """Put after django.contrib.auth's AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # In process_view, not __call__: the messages middleware (later in
        # MIDDLEWARE) has set up its storage by now.
        user = request.user
        if not user.is_authenticated:
            return None
        if timed_out(request):
            # Only this session ends: not logout(), which ends them all.
            request.session.flush()
            request.user = AnonymousUser()
            messages.info(request, SESSION_TIMED_OUT, fail_silently=True)
            return None
        view_name = request.resolver_match.view_name if request.resolver_match else ""
        if view_name in SECOND_FACTOR_VIEWS:
            return None
        if second_factor_required(request):
            return _redirect_with_next(request, "otp_verify")
        if view_name in PASSWORD_CHANGE_VIEWS:
            return None
        if password_change_required(request):
            messages.warning(request, PASSWORD_EXPIRED, fail_silently=True)
            return _redirect_with_next(request, "password_change")
        return None
