"""The grid workers' phone API: one view per operation, each with its own
input and output serializers calling one service or selector. Every event is
read through visible_cases (grid.selectors), so an event the user may not see
answers 404, exactly like one that does not exist; a grid-scoped list the user
does not belong to answers 403."""

from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from grid import policies, selectors, services
from grid.api.outputs import EventDetailOutput, EventRowOutput, GridOutput
from grid.models import Grid, GridMember
from portal.accounts.models import Department
from portal.audit import services as audit
from portal.api.pagination import (
    CURSOR_PARAM,
    PAGE_SIZE_PARAM,
    cursor_values,
    page_response,
    page_size,
)
from portal.cases import policies as case_policies
from portal.cases.models import CaseStatus, Outcome, ServiceCategory

NOT_A_GRID_MEMBER = _("This list is for members of a grid.")
NOT_THIS_GRID = _("You do not belong to this grid.")
GRID_REQUIRED = _("You belong to several grids: say which one.")
GRID_UNKNOWN = _("No such grid.")
CATEGORY_UNKNOWN = _("No such category.")
DEPARTMENT_UNKNOWN = _("No such department: %(codes)s.")

IDEMPOTENCY_HEADER = "Idempotency-Key"

STATUS_FILTER = OpenApiParameter(
    "status", OpenApiTypes.STR, enum=CaseStatus.values, description="Only this status."
)
LIST_PARAMETERS = [
    STATUS_FILTER,
    OpenApiParameter(
        CURSOR_PARAM,
        OpenApiTypes.STR,
        description="The next page: the cursor from the previous page's `next`.",
    ),
    OpenApiParameter(
        PAGE_SIZE_PARAM, OpenApiTypes.INT, description="Rows a page (50, at most 200)."
    ),
]


def _detail_response(request, case, *, http_status=status.HTTP_200_OK) -> Response:
    case = selectors.event_get_for_user(user=request.user, pk=case.pk)
    internal = case_policies.can_view_internal(request.user, case)
    context = {
        "request": request,
        "internal": internal,
        "timeline": selectors.event_timeline(user=request.user, case=case),
    }
    return Response(EventDetailOutput(case, context=context).data, status=http_status)


def _departments(codes: list[str]) -> list[Department]:
    found = {
        department.code: department
        for department in Department.objects.filter(code__in=codes, is_active=True)
    }
    missing = [code for code in codes if code not in found]
    if missing:
        raise serializers.ValidationError(
            DEPARTMENT_UNKNOWN % {"codes": ", ".join(missing)}
        )
    return [found[code] for code in codes]


class StatusFilterInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices, required=False)


# --- grids ----------------------------------------------------------------


class MyGridListApi(APIView):
    @extend_schema_serializer(component_name="MyGridListOutput")
    class OutputSerializer(serializers.Serializer):
        role = serializers.CharField()
        role_display = serializers.CharField(source="get_role_display")
        grid = GridOutput()

    @extend_schema(
        tags=["grids"],
        summary="The grids I belong to, with my role",
        responses=OutputSerializer(many=True),
    )
    def get(self, request):
        memberships = selectors.memberships_of(request.user)
        return Response(self.OutputSerializer(memberships, many=True).data)


# --- event lists ----------------------------------------------------------


class EventPageOutput(serializers.Serializer):
    """A page of events, newest report first; ``next`` is null on the last."""

    next = serializers.URLField(allow_null=True)
    results = EventRowOutput(many=True)


def _event_page(request, *, grid_ids, status) -> Response:
    rows, next_after = selectors.event_page(
        request.user,
        grid_ids=grid_ids,
        status=status,
        after=cursor_values(request, selectors.EVENT_ORDER_KEYS),
        size=page_size(request),
    )
    return page_response(
        request=request,
        rows=rows,
        next_values=next_after,
        serializer_class=EventRowOutput,
    )


class MyEventListApi(APIView):
    @extend_schema(
        tags=["events"],
        operation_id="events_list",
        summary="My grids' events",
        parameters=LIST_PARAMETERS,
        responses=EventPageOutput,
    )
    def get(self, request):
        filters = StatusFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        grid_ids = selectors.member_grid_ids(request.user)
        if not grid_ids:
            raise PermissionDenied(NOT_A_GRID_MEMBER)
        return _event_page(
            request,
            grid_ids=grid_ids,
            status=filters.validated_data.get("status", ""),
        )


class GridEventListApi(APIView):
    @extend_schema(
        tags=["events"],
        operation_id="grids_events_list",
        summary="One grid's events (its members and supervisors)",
        parameters=LIST_PARAMETERS,
        responses=EventPageOutput,
    )
    def get(self, request, grid_id):
        filters = StatusFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        grid = selectors.grid_get_for_user(user=request.user, pk=grid_id)
        if not policies.can_view_grid(request.user, grid):
            raise PermissionDenied(NOT_THIS_GRID)
        return _event_page(
            request,
            grid_ids=[grid.pk],
            status=filters.validated_data.get("status", ""),
        )


# --- reporting ------------------------------------------------------------


class EventReportApi(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema_serializer(component_name="EventReportInput")
    class InputSerializer(serializers.Serializer):
        grid = serializers.IntegerField(
            required=False, help_text="Needed when you belong to several grids."
        )
        category = serializers.SlugField(help_text="A grid-event category code.")
        title = serializers.CharField(required=False, allow_blank=True, max_length=200)
        description = serializers.CharField(max_length=5000)
        latitude = serializers.DecimalField(
            max_digits=9, decimal_places=6, min_value=-90, max_value=90
        )
        longitude = serializers.DecimalField(
            max_digits=9, decimal_places=6, min_value=-180, max_value=180
        )
        address = serializers.CharField(
            required=False, allow_blank=True, max_length=200
        )
        details = serializers.JSONField(required=False, binary=True)
        keep_location = serializers.BooleanField(
            required=False,
            default=False,
            help_text="Keep the GPS position in the photos' EXIF (default: removed).",
        )
        photos = serializers.ListField(
            child=serializers.FileField(), required=False, default=list
        )
        idempotency_key = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=100,
            help_text=f"Or the {IDEMPOTENCY_HEADER} header.",
        )

    @extend_schema(
        tags=["events"],
        summary="Report an event (up to 9 photos; idempotent with a key)",
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="A retry with the same key returns the first event (200).",
            )
        ],
        request={
            "multipart/form-data": InputSerializer,
            "application/json": InputSerializer,
        },
        responses={201: EventDetailOutput, 200: EventDetailOutput},
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        memberships = list(selectors.memberships_of(request.user))
        if not memberships:
            raise PermissionDenied(services.NOT_IN_GRID)
        grid = self._grid(data, memberships)
        category = ServiceCategory.objects.filter(code=data["category"]).first()
        if category is None:
            raise serializers.ValidationError({"category": [CATEGORY_UNKNOWN]})
        event, created = services.event_report(
            reporter=request.user,
            grid=grid,
            category=category,
            description=data["description"],
            latitude=data["latitude"],
            longitude=data["longitude"],
            photos=data["photos"],
            keep_location=data["keep_location"],
            idempotency_key=request.headers.get(IDEMPOTENCY_HEADER)
            or data.get("idempotency_key", ""),
            title=data.get("title", ""),
            address=data.get("address", ""),
            details=data.get("details") or {},
        )
        return _detail_response(
            request,
            event.case,
            http_status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @staticmethod
    def _grid(data, memberships: list[GridMember]) -> Grid:
        grids = {member.grid.pk: member.grid for member in memberships}
        if "grid" in data:
            if data["grid"] not in grids:
                if Grid.objects.filter(pk=data["grid"]).exists():
                    raise PermissionDenied(services.NOT_IN_GRID)
                raise serializers.ValidationError({"grid": [GRID_UNKNOWN]})
            return grids[data["grid"]]
        if len(grids) == 1:
            return next(iter(grids.values()))
        raise serializers.ValidationError({"grid": [GRID_REQUIRED]})


# --- following and handling one event ---------------------------------------


class EventDetailApi(APIView):
    @extend_schema(
        tags=["events"],
        summary="Follow an event: detail and timeline (internal entries for staff)",
        responses=EventDetailOutput,
    )
    def get(self, request, event_id):
        case = selectors.event_get_for_user(user=request.user, pk=event_id)
        return _detail_response(request, case)


class EventPhotoApi(APIView):
    @extend_schema(
        tags=["events"], summary="Download a photo", responses={(200, "image/*"): bytes}
    )
    def get(self, request, event_id, photo_id):
        case = selectors.event_get_for_user(user=request.user, pk=event_id)
        photo = case.attachments.filter(pk=photo_id).first()
        if photo is None or (
            photo.is_internal
            and not case_policies.can_view_internal(request.user, case)
        ):
            audit.access_refused(
                user=request.user, object_type="cases.attachment", object_id=photo_id
            )
            raise Http404
        audit.exported(what="case_attachment", request=request, target=photo, case=case.pk)
        return FileResponse(
            photo.file.open("rb"), content_type=photo.content_type, as_attachment=False
        )


class EventNoteAddApi(APIView):
    @extend_schema_serializer(component_name="EventNoteAddInput")
    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=5000)
        is_public = serializers.BooleanField(required=False, default=False)

    @extend_schema(
        tags=["events"],
        summary="Add a note (internal unless is_public)",
        request=InputSerializer,
        responses={201: EventDetailOutput},
    )
    def post(self, request, event_id):
        case = selectors.event_get_for_user(user=request.user, pk=event_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.event_note_add(
            case=case, actor=request.user, **serializer.validated_data
        )
        return _detail_response(request, case, http_status=status.HTTP_201_CREATED)


class EventAcceptApi(APIView):
    @extend_schema_serializer(component_name="EventAcceptInput")
    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        tags=["flow"],
        summary="Take the event on (accept)",
        request=InputSerializer,
        responses=EventDetailOutput,
    )
    def post(self, request, event_id):
        case = selectors.event_get_for_user(user=request.user, pk=event_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.event_accept(
            case=case, actor=request.user, **serializer.validated_data
        )
        return _detail_response(request, case)


class EventCloseApi(APIView):
    @extend_schema_serializer(component_name="EventCloseInput")
    class InputSerializer(serializers.Serializer):
        reply = serializers.CharField(max_length=5000)
        outcome = serializers.ChoiceField(
            choices=Outcome.choices, required=False, default=Outcome.SOLVED
        )
        basis = serializers.CharField(required=False, allow_blank=True, default="")
        redirect = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        tags=["flow"],
        summary="Handle and close what this level can settle (accept + reply)",
        request=InputSerializer,
        responses=EventDetailOutput,
    )
    def post(self, request, event_id):
        case = selectors.event_get_for_user(user=request.user, pk=event_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.event_close(case=case, actor=request.user, **serializer.validated_data)
        return _detail_response(request, case)


class EventPassUpApi(APIView):
    @extend_schema_serializer(component_name="EventPassUpInput")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000)

    @extend_schema(
        tags=["flow"],
        summary="Pass up: community → street → district command centre",
        request=InputSerializer,
        responses=EventDetailOutput,
    )
    def post(self, request, event_id):
        case = selectors.event_get_for_user(user=request.user, pk=event_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.event_pass_up(
            case=case, actor=request.user, **serializer.validated_data
        )
        return _detail_response(request, case)


class EventAssignApi(APIView):
    @extend_schema_serializer(component_name="EventAssignInput")
    class InputSerializer(serializers.Serializer):
        department = serializers.SlugField(help_text="The department's code.")
        reason = serializers.CharField(max_length=2000)

    @extend_schema(
        tags=["flow"],
        summary="Street: assign the event to a department",
        request=InputSerializer,
        responses=EventDetailOutput,
    )
    def post(self, request, event_id):
        case = selectors.event_get_for_user(user=request.user, pk=event_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        (department,) = _departments([data["department"]])
        services.event_assign_department(
            case=case, actor=request.user, department=department, reason=data["reason"]
        )
        return _detail_response(request, case)


class EventDispatchApi(APIView):
    @extend_schema_serializer(component_name="EventDispatchInput")
    class InputSerializer(serializers.Serializer):
        lead = serializers.SlugField(help_text="The lead department's code (主办).")
        helpers = serializers.ListField(
            child=serializers.SlugField(), required=False, default=list
        )
        reason = serializers.CharField(max_length=2000)
        note = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        tags=["flow"],
        summary="Command centre: name the lead and helper departments",
        request=InputSerializer,
        responses=EventDetailOutput,
    )
    def post(self, request, event_id):
        case = selectors.event_get_for_user(user=request.user, pk=event_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        (lead,) = _departments([data["lead"]])
        helpers = _departments(data["helpers"])
        services.event_dispatch(
            case=case,
            actor=request.user,
            lead=lead,
            helpers=helpers,
            reason=data["reason"],
            note=data["note"],
        )
        return _detail_response(request, case)
