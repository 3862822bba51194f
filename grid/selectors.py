"""Reads for grids and grid events. Every event read starts from
portal.cases.selectors.visible_cases, except the public Open311 list, which
reads only grid events and only their publishable fields."""

from django.db.models import QuerySet
from django.http import Http404

from grid import policies
from grid.models import Grid, GridEvent, GridMember
from portal.audit import services as audit
from portal.cases.models import Case, CaseKind
from portal.cases.selectors import full_timeline, public_timeline, visible_cases
from portal.cases.warnings import with_warning_colour


def grids_of_member(user) -> QuerySet[Grid]:
    """The active grids the user belongs to, with their community."""
    if not user.is_authenticated:
        return Grid.objects.none()
    return (
        Grid.objects.filter(members__user=user, is_active=True)
        .select_related("community")
        .distinct()
        .order_by("code")
    )


def memberships_of(user) -> QuerySet[GridMember]:
    return GridMember.objects.filter(user=user, grid__is_active=True).select_related(
        "grid", "grid__community"
    )


def _event_rows(queryset: QuerySet[Case]) -> QuerySet[Case]:
    return with_warning_colour(
        queryset.filter(kind=CaseKind.GRID_EVENT, grid_event__isnull=False)
        .select_related("category", "department", "grid_event", "grid_event__grid")
        .order_by("-submitted_at", "-id")
    )


def my_grid_events(user, *, status: str = "") -> QuerySet[Case]:
    """Events of the grids the user belongs to, among the cases they may see."""
    queryset = visible_cases(user).filter(
        grid_event__grid__members__user=user, grid_event__grid__is_active=True
    )
    if status:
        queryset = queryset.filter(status=status)
    return _event_rows(queryset)


def grid_events(user, *, grid: Grid, status: str = "") -> QuerySet[Case]:
    """One grid's events among the cases the user may see (the caller checks
    policies.can_view_grid first)."""
    queryset = visible_cases(user).filter(grid_event__grid=grid)
    if status:
        queryset = queryset.filter(status=status)
    return _event_rows(queryset)


def grid_get_for_user(*, user, pk) -> Grid:
    try:
        return Grid.objects.select_related("community").get(pk=pk)
    except (Grid.DoesNotExist, ValueError, TypeError) as error:
        raise Http404 from error


def event_get_for_user(*, user, pk) -> Case:
    """One visible grid event (a Case with its GridEvent), or 404 exactly as
    if it did not exist."""
    try:
        return (
            _event_rows(visible_cases(user))
            .select_related("assignee", "grid_event__reporter")
            .prefetch_related("co_handlers__department", "attachments")
            .get(pk=pk)
        )
    except (Case.DoesNotExist, ValueError, TypeError) as error:
        # Recorded on the refusal path only, as in case_get_for_user.
        audit.access_refused(user=user, object_type="cases.case", object_id=pk)
        raise Http404 from error


def event_timeline(*, user, case: Case):
    """The full timeline (internal entries too) for staff who see the case
    through a grant; the public one otherwise."""
    from portal.cases import policies as case_policies

    if case_policies.can_view_internal(user, case):
        return list(full_timeline(case))
    return list(public_timeline(case))


def event_by_idempotency_key(*, reporter, key: str) -> GridEvent | None:
    if not key:
        return None
    return (
        GridEvent.objects.select_related("case")
        .filter(reporter=reporter, idempotency_key=key)
        .first()
    )


def grids_containing(latitude, longitude) -> list[Grid]:
    """Active grids whose boundary contains the point."""
    from grid.geo import contains

    return [
        grid
        for grid in Grid.objects.filter(is_active=True, boundary__isnull=False)
        .select_related("community")
        .only("pk", "code", "name", "boundary", "community")
        if contains(grid.boundary, latitude, longitude)
    ]


def public_events() -> QuerySet[Case]:
    """Grid events as Open311 publishes them: no personal data is selected
    here or serialised later (portal.api.open311)."""
    return (
        Case.objects.filter(kind=CaseKind.GRID_EVENT, grid_event__isnull=False)
        .select_related("category", "department", "grid_event")
        .order_by("-submitted_at", "-id")
    )


__all__ = [
    "event_by_idempotency_key",
    "event_get_for_user",
    "event_timeline",
    "grid_events",
    "grid_get_for_user",
    "grids_containing",
    "grids_of_member",
    "memberships_of",
    "my_grid_events",
    "policies",
    "public_events",
]
