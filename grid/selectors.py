"""Reads for grids and grid events. Every event read starts from
portal.cases.selectors.visible_cases, except the public Open311 list, which
reads only grid events and only their publishable fields."""

from types import SimpleNamespace

from django.db import connections, router
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from grid import policies
from grid.models import Grid, GridEvent, GridMember
from portal.audit import services as audit
from portal.cases.keyset import RowsBefore
from portal.cases.models import Case, CaseKind, CaseStatus
from portal.cases.selectors import (
    CASE_ROW_COLUMNS,
    full_timeline,
    public_timeline,
    visible_cases,
)
from portal.cases.warnings import colour_of, with_warning_colour


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


# The lists' order: newest report first, by the event's own creation time,
# its id breaking ties (GridEvent's columns; index grid_event_grid on (grid,
# -created_at)), so a page of one grid is an index walk from the cursor
# (RowsBefore) that stops after the page, whatever the grid's history.
EVENT_ORDER_KEYS = ("created_at", "id")


def _event_rows(queryset: QuerySet[Case]) -> QuerySet[Case]:
    return with_warning_colour(
        queryset.filter(kind=CaseKind.GRID_EVENT, grid_event__isnull=False)
        .select_related("category", "department", "grid_event", "grid_event__grid")
        .order_by("-submitted_at", "-id")
    )


# What a list row shows (grid.api.outputs.EventRowOutput): no descriptions,
# service guides or grid boundaries; the colour's thresholds.
EVENT_ROW_COLUMNS = (
    *CASE_ROW_COLUMNS,
    "category__code",
    "category__name",
    "department__code",
    "department__name",
    "department__kind",
    "grid_event__latitude",
    "grid_event__longitude",
    "grid_event__grid_id",
    "grid_event__grid__code",
    "grid_event__grid__name",
)


class EventRow(SimpleNamespace):
    """One row of an event list, with the attribute paths of a Case that
    EventRowOutput's declared fields read (``category.code``,
    ``grid_event.grid.name``, ``get_status_display()``), built from a
    values_list tuple: Django's five model instances per row (case,
    category, department, grid event, grid) were ~3.5 ms of the 50-row
    page's ~15 ms of CPU (bench/overhead.py api_events at 100k)."""

    def get_status_display(self) -> str:
        return str(CaseStatus(self.status).label)


def _event_row(values: tuple, now) -> EventRow:
    """A row from a values_list tuple of EVENT_ROW_COLUMNS: the case's own
    columns under their names, the related ones nested as on a Case."""
    value = dict(zip(EVENT_ROW_COLUMNS, values, strict=True))
    row = EventRow(**{name: value[name] for name in CASE_ROW_COLUMNS})
    row.pk = row.id
    row.category = SimpleNamespace(
        code=value["category__code"], name=value["category__name"]
    )
    row.department = SimpleNamespace(
        code=value["department__code"],
        name=value["department__name"],
        kind=value["department__kind"],
    )
    grid_id = value["grid_event__grid_id"]
    row.grid_event = SimpleNamespace(
        latitude=value["grid_event__latitude"],
        longitude=value["grid_event__longitude"],
        grid=None
        if grid_id is None
        else SimpleNamespace(
            id=grid_id,
            code=value["grid_event__grid__code"],
            name=value["grid_event__grid__name"],
        ),
    )
    # From the row's thresholds, as the resident's list does: the SQL
    # expression (with_warning_colour) cost ~0.6 ms to build per page.
    row.warning_colour = colour_of(row, now)
    return row


def member_grid_ids(user) -> list[int]:
    """Ids of the active grids the user belongs to: one small query, in plain
    SQL (names from the models) because every request of the phone's lists
    asks it: the ORM took 0.47 ms of CPU to build and read it, this 0.09."""
    if not user.is_authenticated or not user.is_active:
        return []
    connection = connections[router.db_for_read(GridMember)]
    quote = connection.ops.quote_name
    member, grid = GridMember._meta, Grid._meta
    sql = (
        f"SELECT DISTINCT m.{quote(member.get_field('grid').column)} "
        f"FROM {quote(member.db_table)} m "
        f"JOIN {quote(grid.db_table)} g "
        f"ON g.{quote(grid.pk.column)} = m.{quote(member.get_field('grid').column)} "
        f"WHERE m.{quote(member.get_field('user').column)} = %s "
        f"AND g.{quote(grid.get_field('is_active').column)} ORDER BY 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk])
        return [grid_id for (grid_id,) in cursor.fetchall()]


def event_page(
    user, *, grid_ids, status: str = "", after=None, size: int
) -> tuple[list[EventRow], list | None]:
    """One page of the events of ``grid_ids`` that the user may see, newest
    report first, after the ordering values ``after`` (EVENT_ORDER_KEYS), and
    the values to continue after (None on the last page).

    Two small queries whatever the grids' history: the next ``size + 1``
    events of the grids, walked in order on the index ``grid_event_grid``
    (the planner cannot know that most of a grid's events are visible to its
    worker, so one query joining the visibility test sorts every event of
    the grid); then those of the first ``size`` that the user may see, read
    through visible_cases. A page holds fewer than ``size`` rows only when
    some of its events are hidden from the user."""
    candidates = GridEvent.objects.filter(grid_id__in=grid_ids)
    if status:
        candidates = candidates.filter(case__status=status)
    if after is not None:
        candidates = candidates.filter(RowsBefore(EVENT_ORDER_KEYS, after))
    window = list(
        candidates.order_by(*[f"-{key}" for key in EVENT_ORDER_KEYS]).values_list(
            "case_id", *EVENT_ORDER_KEYS
        )[: size + 1]
    )
    examined = window[:size]
    now = timezone.now()
    found = {
        values[0]: values
        for values in visible_cases(user)
        .filter(kind=CaseKind.GRID_EVENT, pk__in=[row[0] for row in examined])
        .order_by()  # the window's order counts; Case's own cost a sort
        .values_list(*EVENT_ROW_COLUMNS)
    }
    rows = [_event_row(found[row[0]], now) for row in examined if row[0] in found]
    next_after = list(examined[-1][1:]) if len(window) > size else None
    return rows, next_after


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
    "EVENT_ORDER_KEYS",
    "EVENT_ROW_COLUMNS",
    "EventRow",
    "event_by_idempotency_key",
    "event_page",
    "event_get_for_user",
    "event_timeline",
    "grid_get_for_user",
    "grids_containing",
    "grids_of_member",
    "member_grid_ids",
    "memberships_of",
    "policies",
    "public_events",
]
