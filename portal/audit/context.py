"""The request being served, for audit records written far from the view
(an admin log entry, a selector that refuses a case): they take the client
address from here when the caller has no request to hand."""

import contextvars
import ipaddress

from django.conf import settings

_current_request = contextvars.ContextVar("audit_current_request", default=None)


class AuditRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def current_request():
    return _current_request.get()


def client_address(request) -> str | None:
    """The client's IP address: REMOTE_ADDR, or the header a trusted reverse
    proxy sets (AUDIT_ADDRESS_HEADER, e.g. HTTP_X_REAL_IP). Anything that is
    not an IP address is dropped rather than stored."""
    if request is None:
        return None
    header = getattr(settings, "AUDIT_ADDRESS_HEADER", "REMOTE_ADDR")
    value = (request.META.get(header) or "").split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
