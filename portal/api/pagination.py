"""Keyset (cursor) pagination for the API lists: the parts a list's
selector and view share.

A page is the rows after the cursor in the list's order, read with a LIMIT
of ``page_size + 1`` (the extra row says whether there is a next page; see
grid.selectors.event_page). There is no COUNT and no OFFSET: page 1000 costs
what page 1 costs, whatever the size of the table. The cursor is opaque to
clients: the ordering values (datetimes or integers) of the last row
examined, signed so that a client cannot hand-craft one. The rows after it
are those of portal.cases.keyset.RowsBefore, as in the case changelist.
"""

import datetime
import json

from django.core import signing
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
CURSOR_PARAM = "cursor"
PAGE_SIZE_PARAM = "page_size"
CURSOR_SALT = "portal.api.pagination.cursor"

INVALID_CURSOR = _("This cursor is not valid; start again from the first page.")


def page_size(request) -> int:
    """The page_size parameter, within 1..MAX_PAGE_SIZE; the default if absent
    or not a number."""
    try:
        size = int(request.query_params.get(PAGE_SIZE_PARAM, PAGE_SIZE))
    except (TypeError, ValueError):
        return PAGE_SIZE
    return min(max(size, 1), MAX_PAGE_SIZE)


def _encode(values: list) -> str:
    plain = [
        value.isoformat() if isinstance(value, datetime.datetime) else value
        for value in values
    ]
    return signing.dumps(plain, salt=CURSOR_SALT, compress=True)


def _decode(cursor: str, keys: tuple[str, ...]) -> list:
    try:
        values = signing.loads(cursor, salt=CURSOR_SALT)
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError
        return [
            datetime.datetime.fromisoformat(value) if isinstance(value, str) else value
            for value in values
        ]
    except (signing.BadSignature, ValueError, TypeError, json.JSONDecodeError):
        raise ValidationError({CURSOR_PARAM: [INVALID_CURSOR]}) from None


def cursor_values(request, keys: tuple[str, ...]) -> list | None:
    """The ordering values the request's cursor holds, or None on the first
    page; an invalid cursor is a validation error (400)."""
    cursor = request.query_params.get(CURSOR_PARAM)
    return _decode(cursor, keys) if cursor else None


def page_response(*, request, rows, next_values, serializer_class, context=None):
    """``{"next": url or null, "results": [...]}`` for one page."""
    next_url = None
    if next_values is not None:
        next_url = replace_query_param(
            request.build_absolute_uri(), CURSOR_PARAM, _encode(next_values)
        )
    data = serializer_class(
        rows, many=True, context={"request": request, **(context or {})}
    ).data
    return Response({"next": next_url, "results": data})
