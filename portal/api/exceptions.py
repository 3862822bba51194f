"""One error shape for the whole API: {"message": str, "extra": dict}.

DRF's own exceptions, Django's ValidationError (the workflow's WorkflowError
and the services' errors are ones), Http404 and PermissionDenied all come out
the same way. A refused workflow step (code "not_allowed") is 403, a case
changed by someone else meanwhile (code "stale") is 409, any other invalid
input 400. Validation messages per field are in extra["fields"].
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

VALIDATION_FAILED = _("The request is not valid; see the fields.")
NOT_FOUND = _("Not found.")
NOT_ALLOWED = _("You are not allowed to do this.")

STATUS_BY_CODE = {
    "not_allowed": status.HTTP_403_FORBIDDEN,
    "stale": status.HTTP_409_CONFLICT,
}


def _codes(error: DjangoValidationError) -> set[str]:
    if hasattr(error, "error_dict"):
        return {
            item.code
            for items in error.error_dict.values()
            for item in items
            if item.code
        }
    return {item.code for item in error.error_list if item.code}


def _django_validation_response(error: DjangoValidationError) -> Response:
    code = next((c for c in _codes(error) if c in STATUS_BY_CODE), None)
    http_status = STATUS_BY_CODE.get(code, status.HTTP_400_BAD_REQUEST)
    if hasattr(error, "error_dict"):
        fields = {
            ("non_field_errors" if name == "__all__" else name): messages
            for name, messages in error.message_dict.items()
        }
        if set(fields) == {"non_field_errors"}:
            message = " ".join(fields["non_field_errors"])
            return Response({"message": message, "extra": {}}, status=http_status)
        return Response(
            {"message": str(VALIDATION_FAILED), "extra": {"fields": fields}},
            status=http_status,
        )
    return Response(
        {"message": " ".join(error.messages), "extra": {"code": code or ""}},
        status=http_status,
    )


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        return _django_validation_response(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(NOT_ALLOWED)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = response.data
        if isinstance(detail, list):
            response.data = {"message": " ".join(map(str, detail)), "extra": {}}
        else:
            response.data = {
                "message": str(VALIDATION_FAILED),
                "extra": {"fields": detail},
            }
        return response
    detail = exc.detail
    if isinstance(detail, dict):  # simplejwt: {"detail", "code", "messages"}
        extra = {key: value for key, value in detail.items() if key != "detail"}
        response.data = {"message": str(detail.get("detail", "")), "extra": extra}
    else:
        response.data = {"message": str(detail), "extra": {}}
    return response
