"""Login lockout with django-axes (issue 7): the callables its settings name.

Failures are counted per account, whichever identifier was typed (username
or mobile number) and from whatever address: AXES_LOCKOUT_PARAMETERS is
["username"] and account_key() turns the typed identifier into the account's
username. The client address is REMOTE_ADDR unless CLIENT_IP_PROXY_COUNT says
how many reverse proxies of ours stand in front (docs/security.md).
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from portal.accounts.backends import find_account

ACCOUNT_LOCKED = _(
    "Too many failed logins: this account is locked for %(minutes)d minutes. "
    "Try again later, or ask an administrator to unlock it."
)


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_message() -> str:
    return ACCOUNT_LOCKED % {"minutes": lockout_minutes()}


def account_key(request, credentials=None) -> str | None:
    """AXES_USERNAME_CALLABLE: the username of the account the login names.

    What names no account is kept only as a keyed hash: people type anything
    into a login box, identity numbers too, and axes stores the key."""
    typed = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD)
    if typed is None and request is not None:
        data = getattr(request, "data", None) or request.POST
        typed = data.get(settings.AXES_USERNAME_FORM_FIELD)
    typed = str(typed or "").strip()
    if not typed:
        return None
    user = find_account(typed)
    if user is not None:
        return user.get_username()
    digest = salted_hmac("portal.accounts.lockout.account_key", typed.lower())
    return "?" + digest.hexdigest()[:32]


def client_ip(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE. X-Forwarded-For is believed only as far as
    CLIENT_IP_PROXY_COUNT of our own proxies appended to it; anything further
    left was written by the client and could be anything."""
    remote = request.META.get("REMOTE_ADDR")
    count = settings.CLIENT_IP_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) >= count:
        return forwarded[-count]
    return remote


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page as the view rendered it (its form
    says the account is locked, see forms.LockoutMessageMixin), or the API's
    error shape, with status 429."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"message": lockout_message(), "extra": {"code": "locked_out"}},
            status=status,
        )
    if original_response is not None and original_response.status_code == 200:
        original_response.status_code = status
        return original_response
    return HttpResponse(lockout_message(), status=status)


def on_locked_out(sender, request=None, **kwargs):
    """axes' user_locked_out receiver. The API token view hands axes DRF's
    Request, and the flag axes sets on it never reaches AxesMiddleware, which
    sees Django's request underneath: set it there too."""
    inner = getattr(request, "_request", None)
    if inner is not None:
        inner.axes_locked_out = True
