"""Open311 GeoReport v2 resources.

What is public: the grid events (Case kind grid_event) and only these fields
of them: tracking number, status (open/closed), category, description, the
public reply, the department responsible, times and the event's location.
Never the applicant or reporter (names, mobiles, identity numbers), never the
Open311 contact fields, never internal notes or the internal timeline; digits
that look like a mobile or identity number in the free text are masked.
Reads need no key; filing a request (POST) needs an Open311 client's api_key.
"""

import datetime
import functools
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from grid import selectors, services
from grid.geo import parse_latitude, parse_longitude
from grid.models import GridEvent
from portal.api.open311.formats import error, render, scrub
from portal.cases.models import Case, CaseKind, CaseStatus, ServiceCategory

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-05-01T00:00:00+08:00"
DEFAULT_DAYS = 90
MAX_RESULTS = 1000

OPEN = (CaseStatus.SUBMITTED, CaseStatus.NEEDS_MATERIAL, CaseStatus.ACCEPTED)
CLOSED = (
    CaseStatus.RESOLVED,
    CaseStatus.CLOSED,
    CaseStatus.DECLINED,
    CaseStatus.WITHDRAWN,
)

# Our form field types as Open311 attribute datatypes.
DATATYPES = {
    "text": "string",
    "textarea": "text",
    "integer": "number",
    "date": "datetime",
    "choice": "singlevaluelist",
    "boolean": "singlevaluelist",
}

API_KEY_INVALID = _("api_key is missing or not valid.")
SERVICE_CODE_REQUIRED = _("service_code is required.")
SERVICE_NOT_FOUND = _("No service with the code %(code)s.")
REQUEST_NOT_FOUND = _("No service request %(id)s.")
TOKEN_NOT_FOUND = _("No service request for the token %(token)s.")
DATE_INVALID = _(
    "%(name)s must be a date and time in W3C format, such as 2026-05-01T08:00:00+08:00."
)
STATUS_INVALID = _("status must be open or closed.")
RESOURCE_NOT_FOUND = _("No such resource: see discovery.json.")
METHOD_NOT_ALLOWED = _("This method is not allowed here.")
ATTRIBUTE_INVALID = _("attribute[%(code)s]: %(message)s")
KEY_SERVICE = _("API keys are issued by the district's IT department in the admin.")
FILED_NOTICE = _("Your request has been filed and will be handled by %(department)s.")


def _methods(*allowed):
    """Like require_http_methods, with the refusal in the spec's error shape."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, fmt, *args, **kwargs):
            if request.method not in allowed:
                response = error(fmt, 405, METHOD_NOT_ALLOWED)
                response["Allow"] = ", ".join(allowed)
                return response
            return view(request, fmt, *args, **kwargs)

        return wrapper

    return decorator


require_GET = _methods("GET", "HEAD")


def _time(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _categories():
    return ServiceCategory.objects.filter(
        case_kind=CaseKind.GRID_EVENT, is_active=True
    ).order_by("sort_order", "code")


# --- discovery and services -----------------------------------------------


@require_GET
def discovery(request, fmt):
    url = request.build_absolute_uri(reverse("open311:discovery", args=[fmt]))
    return render(
        fmt,
        "discovery",
        {
            "changeset": CHANGESET,
            "contact": settings.DEFAULT_FROM_EMAIL,
            "key_service": str(KEY_SERVICE),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": url.rsplit("/", 1)[0],
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


def _service(category: ServiceCategory) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.summary,
        "metadata": bool(category.form_fields),
        "type": "realtime",
        "keywords": category.topic,
        "group": category.topic,
    }


@require_GET
def service_list(request, fmt):
    return render(fmt, "services", [_service(category) for category in _categories()])


def _attribute(order: int, field: dict) -> dict:
    attribute = {
        "variable": True,
        "code": field["code"],
        "datatype": DATATYPES[field["type"]],
        "required": bool(field.get("required")),
        "datatype_description": "",
        "order": order,
        "description": field["label"],
    }
    if field["type"] == "choice":
        attribute["values"] = [
            {"key": str(choice), "name": str(choice)} for choice in field["choices"]
        ]
    elif field["type"] == "boolean":
        attribute["values"] = [
            {"key": "true", "name": "true"},
            {"key": "false", "name": "false"},
        ]
    return attribute


@require_GET
def service_definition(request, fmt, code):
    category = _categories().filter(code=code).first()
    if category is None:
        return error(fmt, 404, SERVICE_NOT_FOUND % {"code": code})
    return render(
        fmt,
        "service_definition",
        {
            "service_code": category.code,
            "attributes": [
                _attribute(order, field)
                for order, field in enumerate(category.form_fields, start=1)
            ],
        },
    )


# --- requests ----------------------------------------------------------------


def _public_request(case: Case) -> dict:
    """One request as the public may read it (see the module docstring)."""
    event = case.grid_event
    closed = case.status in CLOSED
    return {
        "service_request_id": case.tracking_number,
        "status": "closed" if closed else "open",
        "status_notes": scrub(case.reply) if closed else "",
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": scrub(case.description),
        "agency_responsible": case.department.name,
        "service_notice": "",
        "requested_datetime": _time(case.submitted_at),
        "updated_datetime": _time(case.updated_at),
        "expected_datetime": _time(case.stage_due_at) if not closed else None,
        "address": scrub(event.address),
        "address_id": "",
        "zipcode": "",
        "lat": float(event.latitude) if event.latitude is not None else None,
        "long": float(event.longitude) if event.longitude is not None else None,
        "media_url": "",
    }


def _date(request, name):
    raw = request.GET.get(name)
    if not raw:
        return None
    value = parse_datetime(raw.replace(" ", "+"))
    if value is None:
        raise ValidationError(DATE_INVALID, params={"name": name})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _request_list(request, fmt):
    queryset = selectors.public_events()
    ids = [
        i.strip()
        for i in request.GET.get("service_request_id", "").split(",")
        if i.strip()
    ]
    if ids:
        # The spec: with service_request_id every other parameter is ignored.
        rows = queryset.filter(tracking_number__in=ids)[:MAX_RESULTS]
        return render(fmt, "service_requests", [_public_request(case) for case in rows])
    try:
        start, end = _date(request, "start_date"), _date(request, "end_date")
    except ValidationError as invalid:
        return error(fmt, 400, *invalid.messages)
    statuses = [
        s.strip() for s in request.GET.get("status", "").split(",") if s.strip()
    ]
    if any(status not in ("open", "closed") for status in statuses):
        return error(fmt, 400, STATUS_INVALID)
    if start is None and end is None:
        start = timezone.now() - datetime.timedelta(days=DEFAULT_DAYS)
    if start is not None:
        queryset = queryset.filter(submitted_at__gte=start)
    if end is not None:
        queryset = queryset.filter(submitted_at__lte=end)
    codes = [
        c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()
    ]
    if codes:
        queryset = queryset.filter(category__code__in=codes)
    if statuses and set(statuses) != {"open", "closed"}:
        queryset = queryset.filter(status__in=OPEN if statuses[0] == "open" else CLOSED)
    rows = queryset[:MAX_RESULTS]
    return render(fmt, "service_requests", [_public_request(case) for case in rows])


def _attributes(post) -> dict:
    return {
        key[len("attribute[") : -1]: value
        for key, value in post.items()
        if key.startswith("attribute[") and key.endswith("]")
    }


def _request_create(request, fmt):
    client = services.open311_client_for_key(request.POST.get("api_key", ""))
    if client is None:
        return error(fmt, 403, API_KEY_INVALID)
    code = request.POST.get("service_code", "").strip()
    if not code:
        return error(fmt, 400, SERVICE_CODE_REQUIRED)
    category = _categories().filter(code=code).first()
    if category is None:
        return error(fmt, 400, SERVICE_NOT_FOUND % {"code": code})
    try:
        latitude = longitude = None
        if request.POST.get("lat") or request.POST.get("long"):
            latitude = parse_latitude(request.POST.get("lat", ""))
            longitude = parse_longitude(request.POST.get("long", ""))
        event = services.open311_request_file(
            client=client,
            category=category,
            description=request.POST.get("description", ""),
            latitude=latitude,
            longitude=longitude,
            address=request.POST.get("address_string", ""),
            attributes=_attributes(request.POST),
            contact={
                name: request.POST.get(name, "")[:200]
                for name in ("email", "first_name", "last_name", "phone", "device_id")
            },
        )
    except ValidationError as invalid:
        return error(fmt, 400, *_descriptions(invalid, category))
    return render(
        fmt,
        "service_requests",
        [
            {
                "service_request_id": event.case.tracking_number,
                "token": str(event.token),
                "service_notice": str(
                    FILED_NOTICE % {"department": event.case.department.name}
                ),
                "account_id": None,
            }
        ],
        status=201,
    )


def _descriptions(invalid: ValidationError, category) -> list[str]:
    if not hasattr(invalid, "error_dict"):
        return invalid.messages
    attribute_codes = {field["code"] for field in category.form_fields}
    out = []
    for name, messages in invalid.message_dict.items():
        for message in messages:
            if name in attribute_codes:
                out.append(str(ATTRIBUTE_INVALID % {"code": name, "message": message}))
            else:
                out.append(str(message))
    return out


@csrf_exempt
@_methods("GET", "HEAD", "POST")
def requests(request, fmt):
    if request.method == "POST":
        return _request_create(request, fmt)
    return _request_list(request, fmt)


@require_GET
def request_detail(request, fmt, request_id):
    case = selectors.public_events().filter(tracking_number=request_id).first()
    if case is None:
        return error(fmt, 404, REQUEST_NOT_FOUND % {"id": request_id})
    return render(fmt, "service_requests", [_public_request(case)])


@require_GET
def token_detail(request, fmt, token):
    event = (
        GridEvent.objects.select_related("case").filter(token=_uuid(token)).first()
        if _uuid(token)
        else None
    )
    if event is None:
        return error(fmt, 404, TOKEN_NOT_FOUND % {"token": token})
    return render(
        fmt,
        "service_requests",
        [{"service_request_id": event.case.tracking_number, "token": str(event.token)}],
    )


def _uuid(value):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def not_found(request):
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return error(fmt, 404, RESOURCE_NOT_FOUND)
