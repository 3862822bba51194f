"""The clerks' list of cases (CaseAdmin's changelist): what a list of
millions of rows needs that Django's ChangeList does not do by itself.

- CappedCountPaginator counts at most CAP rows, the department part first,
  and remembers a count past the cap for a minute (COUNT_MEMO_SECONDS);
- CaseChangeList pages newest first by a (submitted_at, id) cursor instead
  of an OFFSET, and reads the page's ids before joining their rows; a
  search is not counted (walked_search_ids);
- a search reads a word unit by unit from the department-keyed title
  index (unit_search_word_q) once a walk of the newest rows falls short;
- the list filters offer only the departments and categories the user sees,
  from one query kept a minute for each set of departments (filter_choices)."""

import datetime
import functools
import hashlib
import operator
from urllib.parse import quote_plus

from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, PAGE_VAR, ChangeList
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    DateTimeField,
    F,
    Func,
    Max,
    Q,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Department
from portal.cases.keyset import RowsBefore
from portal.cases.list_rows import LISTED_COLUMNS, ListedCase, listed_cases
from portal.cases.models import OPEN_STATUSES, Case
from portal.cases.selectors import (
    InSubquery,
    applicant_name_q,
    department_visible_cases,
    granted_department_ids,
    sees_all_cases,
    visible_case_arms,
)
from portal.cases.warnings import Colour, colour_q, with_warning_colour
from portal.prepared import rows_around

ASSIGNED_TO_ME = _("assigned to me")
UNASSIGNED = _("not assigned")
OPEN_ONLY = _("open")


def _memo(request, key, compute):
    """Remember a policy answer for the rest of the request: the admin asks
    the same question several times while rendering one page."""
    cache = request.__dict__.setdefault("_case_admin_memo", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def departments_seen(user) -> str | list[int]:
    """What the user sees, as the cache's names for their lists say it:
    "all" for the committee (and superusers), else the ids of their
    departments under a grant (granted_department_ids), so that a changed
    grant is a new name."""
    return "all" if sees_all_cases(user) else granted_department_ids(user)


def filter_departments(user):
    """Departments whose cases the user sees through a department grant (the
    granted ones and those below them): the choices of the list filters.
    Their ids are the ones visible_cases reads (granted_department_ids, one
    small query kept for the request), so the list's filters and its rows
    agree. Cases seen through a per-case exception grant are still found by
    search."""
    if sees_all_cases(user):
        return Department.objects.all()
    return Department.objects.filter(pk__in=granted_department_ids(user))


class HasUnitBigrams(Func):
    """``yiwang_unit_bigrams(department_id, title) @> yiwang_unit_bigrams(unit,
    word)``: a case of that department whose title holds the word's bigrams,
    the condition the department-keyed bigram index answers (migration
    cases/0008); elsewhere the department alone (the LIKE beside it checks
    the word)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, unit, word: str):
        self.word = word
        if not hasattr(unit, "resolve_expression"):
            unit = Value(unit, output_field=BigIntegerField())
        super().__init__(F("department_id"), F("title"), unit)

    def as_sql(self, compiler, connection, **extra_context):
        department, _title, unit = self.get_source_expressions()
        department_sql, department_params = compiler.compile(department)
        unit_sql, unit_params = compiler.compile(unit)
        return f"{department_sql} = {unit_sql}", (*department_params, *unit_params)

    def as_postgresql(self, compiler, connection, **extra_context):
        department, title, unit = self.get_source_expressions()
        department_sql, department_params = compiler.compile(department)
        title_sql, title_params = compiler.compile(title)
        unit_sql, unit_params = compiler.compile(unit)
        return (
            f"yiwang_unit_bigrams({department_sql}, {title_sql})"
            f" @> yiwang_unit_bigrams({unit_sql}, %s)",
            (*department_params, *title_params, *unit_params, self.word),
        )


def unit_search_word_q(unit, word: str) -> Q:
    """The department's cases among those case_search_q finds, the title's
    bigrams looked up in the department's own keys (HasUnitBigrams): ANDed
    with case_search_q's LIKE, exactly ``department = unit AND
    case_search_q(word)``. ``unit``: an id, or an expression of one
    (ARM_UNIT).

    A word rare in the clerk's units but common in the district (漏水: in
    134,993 titles at 10M cases, 2 of them in bench_clerk_19's 13 units)
    was found by ANDing a district-wide title index's rows with a bitmap of
    the units' 953,674 rows (156 ms); each unit's own index keys hold its
    few hits (1.2 ms)."""
    return Q(HasUnitBigrams(unit, word)) | (
        Q(department_id=unit) & applicant_name_q(word)
    )


# How many of the district's rows (newest first, before the cursor) a
# search's walk reads at most before the department-keyed title index takes
# over: ~2,400 rows hold 50 hits of 噪声 (a fifth of the busiest unit's
# titles) at 10M cases, so a common word never reaches the budget, and a
# rare one costs at most this walk plus the index's few hits.
SEARCH_WALK_BUDGET = 10_000

# Earlier than any submission: the walk's bound when fewer rows than the
# budget are left (the walk then covers them all).
BEFORE_ANY_CASE = datetime.datetime(1, 1, 2, tzinfo=datetime.UTC)


NEWEST_FIRST = ("-submitted_at", "-pk")


def newest_first(queryset):
    return queryset.order_by(*NEWEST_FIRST)


def sorted_newest_first(queryset):
    """Newest first, by an order no index provides (COALESCE(x, x) is x), so
    that PostgreSQL collects the rows by bitmap and sorts them instead of
    walking the district's (submitted_at, id) index for them."""
    return queryset.order_by(Coalesce("submitted_at", "submitted_at").desc(), "-pk")


def walked_search_ids(
    ids, cursor, limit: int, budget: int = SEARCH_WALK_BUDGET, rest=None
):
    """The first ``limit`` ids of a search's rows (``ids``: visible, filtered,
    searched, before the cursor), newest first, as one SQL subquery that
    reads neither all the hits nor all the visible rows.

    The rows newer than a bound (the district's ``budget``-th row before
    the cursor, an index-only scan of case_submitted) are walked newest
    first with the LIKE: a common word finds its page within a few thousand
    rows. Only if that walk finds fewer than ``limit`` hits (a rare word, a
    name, a sparse filter) is the rest read: ``rest``, a RawSQL of ids
    newest first (CaseChangeList.searched_by_units: each unit's hits
    through its own keys of the title index, and the other arms of the
    visibility), or, without one, the hits collected and sorted (a few
    hundred visible rows: own matters and per-case grants). The first
    ``limit`` of both are the page. PostgreSQL runs the second part under
    a one-time filter, i.e. not at all when the walk found the page.

    Before (round 4, 10M cases, busiest unit, ?q=噪声): the capped count
    ANDed the bigram index's 538,439 titles with the unit's 693,170 rows,
    1.2-1.7 s; now nothing counts the hits."""
    district = Case._default_manager.all()
    if cursor:
        district = district.filter(RowBefore(*cursor))
    bound = Coalesce(
        Subquery(newest_first(district).values("submitted_at")[budget : budget + 1]),
        Value(BEFORE_ANY_CASE),
        output_field=DateTimeField(),
    )
    walk = newest_first(ids.filter(submitted_at__gte=bound))
    # The rest is the first hits of all, not only those past the bound: the
    # page is still the first ``limit`` of both (the walk's are among
    # them), and without the bound's parameter (estimated at a third of
    # the unit) PostgreSQL ANDed a title index's and the unit's bitmaps:
    # ?q=漏水 in the busiest unit at 10M, 4 hits among 126,694 titles, read
    # every title's heap row with the bound (118,538 buffers, 2.2 s).
    connection_ = connections[ids.db]

    def compiled(queryset):
        query = queryset.values("pk")[:limit].query
        return query.get_compiler(connection=connection_).as_sql()

    walk_sql, walk_params = compiled(walk)
    if rest is None:
        rest_sql, rest_params = compiled(sorted_newest_first(ids))
    else:
        rest_sql, rest_params = rest.sql, rest.params
    return RawSQL(
        f"WITH walk AS MATERIALIZED ({walk_sql}) SELECT * FROM walk UNION ALL"
        f" SELECT * FROM ({rest_sql}) rest WHERE (SELECT COUNT(*) FROM walk) < %s",
        (*walk_params, *rest_params, limit),
    )


# The department of newest_of_arms' LATERAL read, as a unit arm names it.
ARM_UNIT = RawSQL('"arm_units"."id"', (), output_field=BigIntegerField())


def newest_of_arms(
    ids,
    units: list[int],
    unit_arm,
    others: Q | None,
    start: int,
    limit: int,
    order=newest_first,
    merge=("-submitted_at", "-pk"),
):
    """Ids ``start`` to ``start + limit`` of ``ids`` (the visible, filtered
    rows before the cursor) newest first, as one SQL subquery that reads
    each arm's first ``start + limit`` rows and merges them. The arms: one
    per department in ``units``, ``unit_arm(ARM_UNIT)`` (a condition on the
    department, ARM_UNIT standing for its id), and ``others`` (if any);
    their union holds every row of ``ids`` (visible_case_arms).

    Each arm is one index read newest first with a LIMIT (a department's
    rows along (department_id, submitted_at)); UNION drops the rows two
    arms share (a clerk's own matter in their department). The whole OR
    cannot be read in order from an index: it was collected by bitmap and
    sorted, every row of the unit (the smallest unit's 10,467 at 10M cases,
    282 ms p95 in round 4). ``order=sorted_newest_first`` has each arm's
    rows collected and sorted instead (a search's hits, found by index).

    The departments' arms are one query, run for each department by a
    LATERAL join over the list of ids (PostgreSQL), not one compiled per
    department: 13 departments cost ~3.5 ms more CPU than one (~0.3 ms
    each to build and compile), and their planning grew with them.

    ``order=None``: any ``start + limit`` rows, in no order: each arm stops
    at the limit wherever its index gives them, the arms are joined by
    UNION ALL (a row two arms share may come twice) and the first rows
    given are taken (CaseChangeList.sorted_search_queryset); with
    ``limit=None``, all of them.

    ``merge``: the order of the page, as field names (``-`` for descending,
    ``pk`` last), when it is not newest first; ``order`` then sorts each arm
    the same way (a sorted list, CaseChangeList.sorted_page_ids)."""
    connection_ = connections[ids.db]

    def compiled(queryset):
        queryset = order(queryset) if order else queryset.order_by()
        stop = None if limit is None else start + limit
        query = queryset.values("pk", *columns)[:stop].query
        return query.get_compiler(connection=connection_).as_sql()

    # The columns the arms' rows are merged by, besides the primary key.
    columns = [name.lstrip("-") for name in merge if name.lstrip("-") != "pk"]
    parts, params = [], []
    if units:
        sql, arm_params = compiled(ids.filter(unit_arm(ARM_UNIT)))
        selected = ", ".join(f"unit_rows.{column}" for column in ["pk", *columns])
        parts.append(
            f"(SELECT {selected}"
            " FROM unnest(%s::bigint[]) AS arm_units (id)"
            f" CROSS JOIN LATERAL ({sql}) unit_rows)"
        )
        params.extend([list(units), *arm_params])
    if others is not None:
        sql, arm_params = compiled(ids.filter(others))
        parts.append(f"({sql})")
        params.extend(arm_params)
    if order is None:
        return RawSQL(
            f"SELECT arms.pk FROM ({' UNION ALL '.join(parts)}) arms"
            " LIMIT %s OFFSET %s",
            (*params, limit, start),
        )
    by = ", ".join(
        f"arms.{name.lstrip('-')} {'DESC' if name.startswith('-') else 'ASC'}"
        for name in merge
    )
    return RawSQL(
        f"SELECT arms.pk FROM ({' UNION '.join(parts)}) arms"
        f" ORDER BY {by} LIMIT %s OFFSET %s",
        (*params, limit, start),
    )


def newest_rows(ids):
    """The case list's rows (LISTED_COLUMNS) whose ids are the subquery
    ``ids``, newest first (CaseChangeList.rows)."""
    cases = Case.objects.filter(InSubquery("pk", ids))
    return cases.order_by(*NEWEST_FIRST).values_list(*LISTED_COLUMNS)


def department_arm(unit) -> Q:
    """A department's arm of the visibility (newest_of_arms' unit_arm)."""
    return Q(department_id=unit)


# The orders a department's rows can be read in from an index of their own
# (case_dept_status_sub, case_dept_sub), with the others that
# CaseChangeList.get_ordering adds (newest first, then the id).
ORDERS_BY_UNIT = ("status", "submitted_at")

# The attribute of a changelist's queryset that holds its capped count,
# known before it is counted (CaseChangeList.sorted_search_queryset).
KNOWN_COUNT = "known_count"
# The attribute of a changelist's queryset that names a part of it to count
# first (CappedCountPaginator._count_part_first).
COUNT_PART_FIRST = "count_part_first"
# ... and the rest of the list, outside that part (counted when the part
# holds no more than CAP rows; the two are disjoint, so they add up).
COUNT_REST = "count_rest"
# The attribute of a changelist's queryset that names it in the cache, where
# a count of more than CAP rows is remembered (CaseChangeList.count_memo_key).
COUNT_MEMO_KEY = "count_memo_key"
# How long "more than CAP rows" is remembered for one user and filter: a
# list of over 10,000 cases does not lose thousands within a minute (cases
# are not deleted; ten years of 10M cases bring the busiest unit ~165 a
# day), and the rows themselves are always read afresh.
COUNT_MEMO_SECONDS = 60


class CappedCountPaginator(Paginator):
    """Counts at most CAP rows.

    Django's ChangeList counts the filtered queryset on every page load
    (``paginator.count``), even with ``show_full_result_count = False``, which
    only saves the second, unfiltered count. On a table of millions a
    ``COUNT(*)`` over a visibility filter reads every visible row. This
    paginator counts ``SELECT COUNT(*) FROM (... LIMIT CAP + 1)`` instead, so
    the database stops after CAP + 1 rows; the list then says "10,000+" and
    offers the first CAP / list_per_page pages, which is more than anyone
    pages through: beyond that, a filter or a search is the way in.
    """

    cap = 10_000

    @cached_property
    def count(self):
        # The same query reads the highest id of the whole table (an index's
        # last entry): about how many rows the table holds, which says how
        # the page is best read (CaseChangeList.walk_pays).
        model = self.object_list.model
        newest = model._default_manager.order_by("-pk").values("pk")[:1]
        part = getattr(self.object_list, COUNT_PART_FIRST, None)
        connection_ = connections[self.object_list.db]
        known = getattr(self.object_list, KNOWN_COUNT, None)

        def counted():
            if part is not None and connection_.vendor == "postgresql":
                return self._count_part_first(connection_, part, newest)
            counted = self._capped(self.object_list).aggregate(
                rows=Count("one"), table=Max(Subquery(newest))
            )
            return counted["rows"], counted["table"]

        if known is not None:  # (the table's size: only a keyset page reads it)
            rows, table = known, None
        else:
            memo_key = getattr(self.object_list, COUNT_MEMO_KEY, None)
            rows, table = self._remembered(memo_key, counted)
        self.table_size = table or 0
        self.count_is_capped = rows > self.cap
        return min(rows, self.cap)

    def _capped(self, queryset):
        # No ORDER BY: which rows make up the first CAP does not change the
        # capped count, and without the order the scan may stop at CAP + 1.
        # No column either (``SELECT 1``), so a scan of an index that holds
        # every condition needs no heap page.
        return queryset.order_by().annotate(one=Value(1)).values("one")[: self.cap + 1]

    def _count_part_first(self, connection_, part, newest):
        """The capped count of the list, having counted a part of it first
        (the list's rows under a department grant, CaseChangeList.count_part:
        a subset of them): when the part alone holds more than CAP rows, so
        does the list, and the union is never counted. One query; PostgreSQL runs a
        subquery in a CASE only when its branch is taken.

        The part is one indexed condition (``department_id IN (...)``): an
        index-only scan that stops at CAP + 1 entries (27 buffers for the
        busiest unit's 6,964 rows at 100k cases). The union is a BitmapOr
        that reads every visible row's index entry (693,170 for the busiest
        unit at 10M cases) and then CAP + 1 heap rows (3,828 buffers at
        100k), heap pages that PostgreSQL 15.20 reads even for ``SELECT 1``
        (its bitmap scans no longer skip all-visible pages)."""

        def compiled(queryset):
            return queryset.query.get_compiler(connection=connection_).as_sql()

        part_sql, part_params = compiled(self._capped(part))
        newest_sql, newest_params = compiled(newest)
        rest = getattr(self.object_list, COUNT_REST, None)
        if rest is not None:
            # The part plus the rest: the union is never counted as a whole
            # (its BitmapOr reads every visible row's heap page), the part
            # is index-only and the rest (own matters, per-case grants
            # outside the user's departments) is small.
            rest_sql, rest_params = compiled(self._capped(rest))
            with connection_.cursor() as cursor:
                cursor.execute(
                    "SELECT part.n + CASE WHEN part.n > %s THEN 0 ELSE"
                    f" (SELECT COUNT(*) FROM ({rest_sql}) rest) END, ({newest_sql})"
                    f" FROM (SELECT COUNT(*) AS n FROM ({part_sql}) part) part",
                    (self.cap, *rest_params, *newest_params, *part_params),
                )
                return cursor.fetchone()
        list_sql, list_params = compiled(self._capped(self.object_list))
        with connection_.cursor() as cursor:
            cursor.execute(
                f"SELECT CASE WHEN (SELECT COUNT(*) FROM ({part_sql}) part) > %s"
                f" THEN %s ELSE (SELECT COUNT(*) FROM ({list_sql}) list) END,"
                f" ({newest_sql})",
                (
                    *part_params,
                    self.cap,
                    self.cap + 1,
                    *list_params,
                    *newest_params,
                ),
            )
            return cursor.fetchone()

    def part_size(self, part, memo_key=None) -> tuple[int, int]:
        """The capped count of a part of the list (the rows under a
        department grant: index-only, it stops at CAP + 1) and about how
        many rows the table holds, in one query; more than CAP is
        remembered under ``memo_key`` (as the list's count is)."""
        newest = self.object_list.model._default_manager.order_by("-pk")

        def counted():
            counted = self._capped(part).aggregate(
                rows=Count("one"), table=Max(Subquery(newest.values("pk")[:1]))
            )
            return counted["rows"], counted["table"]

        rows, table = self._remembered(memo_key, counted)
        return rows, table or 0

    def _remembered(self, memo_key, count) -> tuple[int, int | None]:
        """``count()``'s (capped rows, highest id), or, for a count past the
        cap remembered under ``memo_key`` (COUNT_MEMO_SECONDS), CAP + 1 and
        the id it read; a count past the cap is remembered."""
        remembered = cache.get(memo_key) if memo_key else None
        if remembered is not None:
            return self.cap + 1, remembered
        rows, table = count()
        if memo_key and rows > self.cap:
            cache.set(memo_key, table or 0, COUNT_MEMO_SECONDS)
        return rows, table

    @property
    def count_display(self) -> str:
        count = self.count
        return f"{count:,}+" if self.count_is_capped else str(count)

    count_is_capped = False
    table_size = 0


CURSOR_VAR = "after"


class RowBefore(RowsBefore):
    """``(submitted_at, id) < (%s, %s)``: the rows after the changelist's
    cursor, walking the (submitted_at, id) index from it instead of an
    OFFSET that reads every earlier row (the API's lists use RowsBefore on
    their own keys)."""

    def __init__(self, submitted_at, pk):
        super().__init__(("submitted_at", "pk"), (submitted_at, pk))


def parse_cursor(value: str | None):
    """``<ISO time of submission>_<id>`` of the last row of the previous page,
    or None (a cursor that does not parse shows the first page)."""
    stamp, _sep, pk = (value or "").rpartition("_")
    try:
        submitted_at = datetime.datetime.fromisoformat(stamp)
        pk = int(pk)
    except ValueError:
        return None
    if timezone.is_naive(submitted_at) or pk < 1:
        return None
    return submitted_at, pk


def format_cursor(case) -> str:
    return f"{case.submitted_at.astimezone(datetime.UTC).isoformat()}_{case.pk}"


@functools.lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    return quote_plus(text)


def list_query_string(items) -> str:
    """``urlencode(items, doseq=True)`` (django.utils.http) for the list's
    parameters: strings, whole numbers and lists of strings (as
    ``request.GET.lists()`` gives them), each quoted once per process; any
    other value goes to Django's urlencode."""
    parts = []
    for key, value in items:
        if isinstance(value, str):
            values = (value,)
        elif type(value) is int:
            values = (str(value),)
        else:
            values = value
        if not (
            isinstance(key, str)
            and isinstance(values, list | tuple)
            and all(isinstance(one, str) for one in values)
        ):
            return urlencode(items, doseq=True)
        parts.extend(f"{_quoted(key)}={_quoted(one)}" for one in values)
    return "&".join(parts)


class CaseChangeList(ChangeList):
    """The changelist with keyset pagination for the default order (newest
    first): "Next page" carries the last row's (submitted_at, id) as
    ``?after=``, and the next page is read from there along the index, so
    page 200 costs what page 1 costs. Page numbers (an OFFSET) stay for the
    first pages and for the other orders, within the paginator's cap."""

    def __init__(self, request, *args, **kwargs):
        # Only the newest-first order pages by cursor: a sorted list's
        # links drop it, and one left in its address by hand is ignored.
        self.cursor = (
            None
            if ORDER_VAR in request.GET
            else parse_cursor(request.GET.get(CURSOR_VAR))
        )
        super().__init__(request, *args, **kwargs)

    def get_queryset(self, request, exclude_parameters=None):
        # The colour filter reads the time in between: a case of one colour
        # at both times is of that colour then too (each condition of
        # colour_q is a threshold before or after the time), so the part of
        # one colour below is a subset of the list of that colour.
        before = timezone.now()
        queryset = super().get_queryset(request, exclude_parameters)
        after = timezone.now()
        part = department_visible_cases(request.user)
        self.department_part = part
        if part is not None and exclude_parameters is None and not self.query:
            counted = self.count_part(part, before, after)
            if counted is not None:
                setattr(queryset, COUNT_PART_FIRST, counted)
            if counted is part:  # the whole list: the rest is small
                units, others = visible_case_arms(request.user)
                rest = queryset.filter(functools.reduce(operator.or_, others))
                rest = rest.exclude(department_id__in=units)
                setattr(queryset, COUNT_REST, rest)
        if exclude_parameters is None and not self.query:
            setattr(queryset, COUNT_MEMO_KEY, self.count_memo_key(request))
        elif exclude_parameters is None:  # (a search counts the part alone)
            self.part_memo_key = self.count_memo_key(request, department_part=True)
        return queryset

    part_memo_key = None

    def count_memo_key(self, request, department_part=False) -> str:
        """The list's name in the cache for its capped count: the user, what
        they see (the committee's everything, or their departments' ids,
        so a changed grant is a new name) and the filters; or the name of
        the count of its department part (search_walk_pays: no filters).
        Counting the busiest unit's list (10,001 index entries) took ~2 ms
        of the database and ~0.8 ms of Python on every page at 10M cases; a
        list of fewer than CAP rows is counted every time, exactly."""
        user = request.user
        seen = departments_seen(user)
        if department_part:
            filters = "department part"
        else:
            filters = sorted(
                (name, value if isinstance(value, str) else tuple(value))
                for name, value in self.get_filters_params().items()
            )
        digest = hashlib.sha256(repr((user.pk, seen, filters)).encode()).hexdigest()
        return f"cases:capped-count:{digest}"

    def count_part(self, part, before, after):
        """The department part of the list, to be counted first: for the
        unfiltered list, and for a list of one running colour (?colour=red,
        the overdue, and orange, yellow, blue), whose part is an index-only
        scan of case_running_dept_due that stops at the cap (at 10M cases,
        the busiest unit's 13,743 overdue cases: 10,001 index entries, 2-7
        ms; the whole overdue list was counted by a BitmapAnd of 692,241
        department and 197,689 overdue entries and 9,577 heap pages, 1,236
        ms, 19,786 buffers; ?colour=blue 660 ms). Below the cap it is
        counted in vain, but cheaply: the unit's running cases at most.

        None for any other filter or a search: below the cap the part would
        be counted in vain, as dearly as the whole (?q=噪声 at 100k cases:
        4,182 buffers instead of 2,099), and no index holds a department
        and a word: the bigram index cannot stop at the cap, so a search is
        counted as a whole."""
        params = self.get_filters_params()
        if not params:
            return part
        colour = params.get(WarningColourFilter.parameter_name)
        if params.keys() == {WarningColourFilter.parameter_name} and colour in (
            [Colour.RED.value],
            [Colour.ORANGE.value],
            [Colour.YELLOW.value],
            [Colour.BLUE.value],
        ):
            return part.filter(colour_q(colour[0], before), colour_q(colour[0], after))
        return None

    def get_filters_params(self, params=None):
        # The cursor is not a filter, and links built from cl.params (filters,
        # sorting, search) start again from the first page.
        for held in (self.params, self.filter_params):
            held.pop(CURSOR_VAR, None)
        params = super().get_filters_params(params)
        params.pop(CURSOR_VAR, None)
        return params

    @property
    def keyset(self) -> bool:
        return ORDER_VAR not in self.params

    @property
    def uncounted(self) -> bool:
        """A search in the default order: its hits are not counted. The
        first page says how many when it is not full; a full one says "50+"
        and links to the next (search_has_more)."""
        return bool(self.query) and self.keyset

    search_has_more = False

    def get_results(self, request):
        if self.uncounted:
            return self.get_search_results(request)
        if self.query:  # a search sorted by a column
            self.queryset = self.sorted_search_queryset(request)
        super().get_results(request)
        if not self.keyset and not self.show_all:
            self.result_list = self.sorted_page_rows(request)
        if not self.keyset or self.show_all:
            return
        ids = self.queryset
        arms = None
        if not self.walk_pays():
            # Few rows visible for the size of the table (the count said so,
            # one query ago): read each arm of the visibility newest first
            # (newest_of_arms), or, where the database cannot, collect them
            # by index and sort them, rather than walk the whole district's
            # (submitted_at, id) index newest first looking for this unit's
            # rows.
            arms = self.arms(request)
            if arms is None and not self.paginator.count_is_capped:
                ids = sorted_newest_first(ids)
            # (No arms and more rows than the cap: the committee, who sees
            # every case, or SQLite: the walk.)
        # (A search in this order is get_search_results'.)
        start = 0
        if self.cursor:
            ids = ids.filter(RowBefore(*self.cursor))
            self.multi_page = True
        elif self.multi_page:
            start = (self.page_num - 1) * self.list_per_page
        if arms is not None:
            # Each arm is read from the list's filters without the
            # visibility's OR: the arms are the visibility (each one a part
            # of it), and PostgreSQL, taking the two for independent,
            # estimated the smallest unit's department arm at 16 rows of
            # 10,338 (10M cases) and collected all of them by bitmap (14,205
            # buffers, 133-210 ms) instead of reading 50 from case_dept_sub
            # (65 buffers, 6 ms).
            unscoped = self.unscoped_queryset(request)
            if self.cursor:
                unscoped = unscoped.filter(RowBefore(*self.cursor))
            units, others = arms
            page = newest_of_arms(
                unscoped, units, department_arm, others, start, self.list_per_page
            )
        else:
            page = ids.values("pk")[start : start + self.list_per_page]
        self.result_list = self.rows(page)

    def get_ordering(self, request, queryset):
        """A column's order, then newest first, then the id: the rows of one
        status (one category, one due day) in the default list's order, not
        by id alone; and a unit's rows of one status can be read in that
        order from case_dept_status_sub (sorted_page_ids)."""
        ordering = super().get_ordering(request, queryset)
        if (
            ORDER_VAR in self.params
            and ordering[-1] in ("pk", "-pk")
            and not {"submitted_at", "-submitted_at"} & set(map(str, ordering))
        ):
            ordering.insert(len(ordering) - 1, "-submitted_at")
        return ordering

    def sorted_page_rows(self, request):
        """A page in another order than newest first (``?o=…``): its ids in
        that order first (sorted_page_ids), then their rows (self.rows) in
        the same order, so that the joins touch 50 rows. Django's page
        joined every candidate to its category, department and three users
        before the sort: a search for 井盖 sorted by tracking number at 1M
        cases joined all 4,089 hits, 116 ms of 121."""
        page = self.result_list  # the paginator's slice of self.queryset
        order = page.query.order_by
        return self.rows(self.sorted_page_ids(request, page, order), order)

    def sorted_page_ids(self, request, page, order):
        """The ids of a sorted page: the paginator's slice, or, when each
        department's rows can be read in the page's order from an index of
        their own (ORDERS_BY_UNIT: status, time of filing) and there is no
        search, each arm of the visibility read in that order up to the
        page and merged (newest_of_arms). The slice collected and sorted
        every visible row: the busiest unit's 693,173 at 10M cases by
        status, 2.3 s."""
        arms = None if self.query else self.arms(request)
        first = str(order[0]).lstrip("-") if order else ""
        plain = all(isinstance(name, str) for name in order)
        if arms is None or not plain or first not in ORDERS_BY_UNIT:
            return page.values("pk")
        units, others = arms
        start = (self.page_num - 1) * self.list_per_page
        return newest_of_arms(
            self.unscoped_queryset(request),
            units,
            department_arm,
            others,
            start,
            self.list_per_page,
            order=lambda queryset: queryset.order_by(*order),
            merge=order,
        )

    def unscoped_queryset(self, request):
        """The list's filters and search on every case: what
        ChangeList.get_queryset makes of a root queryset without the
        visibility. Only for newest_of_arms, whose arms put it back."""
        root = self.root_queryset
        self.root_queryset = Case._default_manager.all()
        try:
            return ChangeList.get_queryset(self, request)
        finally:
            self.root_queryset = root

    def arms(self, request) -> tuple[list[int], Q] | None:
        """The arms of the visibility (visible_case_arms) for newest_of_arms:
        the ids of the departments under a grant, and the others as one
        condition. PostgreSQL only (a LIMIT in each part of a UNION, and a
        LATERAL join)."""
        if connections[self.queryset.db].vendor != "postgresql":
            return None
        arms = visible_case_arms(request.user)
        if arms is None:
            return None
        # The small arms (own matters, per-case grants: a few hundred rows
        # at most) as one, collected by a BitmapOr and sorted: each arm is
        # compiled apart, ~0.6 ms of CPU each (5 arms: 3.7 ms against 0.85
        # for the sorted page's one query, at 100k).
        units, others = arms
        return units, functools.reduce(operator.or_, others)

    def rows(self, ids, order=NEWEST_FIRST) -> list[ListedCase]:
        """The rows of the page whose ids are ``ids`` (a subquery), in
        ``order``, as plain values (portal.cases.list_rows)."""
        # Join after the limit: the page's 50 ids first, then their rows with
        # category, department and people, so the joins touch 50 rows, not
        # every candidate (the planner cannot tell how many a clerk sees).
        # The ids are chosen from the visible, filtered rows (self.queryset
        # is get_queryset, i.e. visible_cases, filtered), so the outer query
        # does not repeat the visibility filter: a second copy of its
        # subqueries cost as much Python to compile as the database spent
        # on it. Only the columns the list shows are read (no description,
        # no details, no encrypted identity numbers to decrypt). The ids are
        # an InitPlan (InSubquery: ``id = ANY(ARRAY(...))``), read once, then
        # their rows by primary key: as a semi-join, PostgreSQL may walk the
        # (submitted_at, id) index of the whole table for them when it
        # prices the ids dear (the committee's search reading every unit,
        # 248 LATERAL arms at 1M cases: it read all 1,000,002 rows, 282 ms
        # of 450, for a word with no hits).
        if tuple(order) != NEWEST_FIRST:  # a sorted list: its order's query
            cases = Case.objects.filter(InSubquery("pk", ids))
            if any("warning_colour" in str(name) for name in order):
                cases = with_warning_colour(cases)  # sorted by the colour column
            return listed_cases(cases.order_by(*order).values_list(*LISTED_COLUMNS))
        # Newest first (the default list, its filters, searches and pages):
        # the query around the ids is compiled once (rows_around), ~1 ms of
        # CPU a page to build and compile (the ids' own query is this page's).
        return listed_cases(rows_around(Case, "listed_cases", newest_rows, ids))

    def get_search_results(self, request):
        """A search's page, with no count: one more row than the page is
        read, to know whether a next page exists. Nothing reads all the
        hits: a COUNT of 噪声 in the busiest unit had to AND two bitmaps of
        half a million rows each at 10M cases (1.2-1.7 s)."""
        per_page = self.list_per_page
        self.paginator = self.model_admin.get_paginator(
            request, self.queryset, per_page
        )
        ids = self.queryset
        if self.cursor:
            ids = ids.filter(RowBefore(*self.cursor))
        by_units = self.searched_by_units(request, per_page + 1)
        if self.search_walk_pays():
            page = walked_search_ids(ids, self.cursor, per_page + 1, rest=by_units)
        elif by_units is not None:
            page = by_units
        else:
            page = sorted_newest_first(ids).values("pk")[: per_page + 1]
        rows = self.rows(page)
        self.search_has_more = len(rows) > per_page
        self.result_list = rows[:per_page]
        # The first page that is not full is the whole count; any other page
        # says "more than a page" (a page came before it, or comes after).
        self.result_count = len(self.result_list)
        self.paginator.count_is_capped = self.search_has_more or bool(self.cursor)
        self.paginator.__dict__["count"] = (
            per_page if self.paginator.count_is_capped else self.result_count
        )
        self.full_result_count = None
        self.show_full_result_count = False
        self.show_admin_actions = True
        # No page numbers and no "show all" for a search: only "Next page".
        self.can_show_all = False
        self.multi_page = False

    def sorted_search_queryset(self, request):
        """The list of a search sorted by a column (``?q=…&o=…``), whose page
        is chosen among all its hits: up to CAP + 1 hits are read through
        the units' title keys first (searched_by_units in no order, each
        unit's read stopping at the limit). When that is all of them, the
        list is those rows by primary key, and they are its count; when
        there are more, the count is "CAP+" without counting, and the page
        is sorted among all the hits collected the same way (or walked
        along the index of its order, sorted_by_an_index). The list was
        counted by its LIKE over every visible row until CAP + 1 hits: 井盖
        in the busiest unit at 1M cases (3,567 hits) read the unit's 64,000
        rows, 252-529 ms, and its page sorted them again, 583-679 ms.

        The queryset as it is where the hits are not read by units (not
        PostgreSQL, a tracking number, no department arm)."""
        cap = self.model_admin.paginator.cap
        hits = self.searched_by_units(request, cap + 1, order=None)
        if hits is None:
            return self.queryset
        with connections[self.queryset.db].cursor() as cursor:
            cursor.execute(hits.sql, hits.params)
            rows = [pk for (pk,) in cursor.fetchall()]
        if len(rows) > cap:
            queryset = self.queryset.all()
            if not self.sorted_by_an_index(queryset):
                # All the hits, collected through the units' keys, are the
                # rows to sort: not every visible row read for its LIKE
                # (井盖 sorted by title at 10M cases: the busiest unit's
                # 693,173 rows read for 40,886 hits, 2.0 s warm, 13.7 s
                # cold). An order an index gives (tracking number, time of
                # filing) walks that index instead, and stops at the page.
                everything = self.searched_by_units(request, None, order=None)
                queryset = queryset.filter(InSubquery("pk", everything))
            setattr(queryset, KNOWN_COUNT, cap + 1)
            return queryset
        ids = sorted(set(rows))
        queryset = self.queryset.filter(
            InSubquery("pk", RawSQL("SELECT unnest(%s::bigint[])", (ids,)))
        )
        setattr(queryset, KNOWN_COUNT, len(ids))
        return queryset

    @staticmethod
    def sorted_by_an_index(queryset) -> bool:
        """Whether the list's first order is a column of its own index
        (tracking number, time of filing): PostgreSQL reads such a page by
        walking the index, whatever the number of hits."""
        order = queryset.query.order_by
        first = str(order[0]).lstrip("-") if order else ""
        return first in ("tracking_number", "submitted_at")

    def searched_by_units(self, request, limit: int | None, order=sorted_newest_first):
        """The search's first ``limit`` hits newest first, read arm by arm of
        the visibility (newest_of_arms, each arm's hits collected and
        sorted): the hits in the departments under a grant through the
        department-keyed title index (unit_search_word_q), the hits among
        the user's own and per-case grants (a few hundred rows) by their
        LIKE alone. For a user who sees every case (the committee), every
        department is an arm. None where the visibility has no department
        arm, or the database no such index (not PostgreSQL), or the search
        is a tracking number (one indexed row): then the hits are read as
        one (by their LIKE: a user without a department grant sees a few
        hundred rows)."""
        from portal.cases.admin import TRACKING_NUMBER  # admin imports this module

        words = self.query.split()
        if not words or TRACKING_NUMBER.match(self.query.strip()):
            return None
        arms = self.search_arms(request)
        if arms is None or not arms[0]:
            return None
        units, others = arms
        unscoped = self.unscoped_queryset(request)
        if self.cursor:
            unscoped = unscoped.filter(RowBefore(*self.cursor))

        def unit_hits(unit) -> Q:
            return Q(*[unit_search_word_q(unit, word) for word in words])

        return newest_of_arms(unscoped, units, unit_hits, others, 0, limit, order=order)

    def search_arms(self, request) -> tuple[list[int], Q | None] | None:
        """The arms of the visibility a search reads (self.arms), or for a
        user who sees every case (the committee) every department and no
        other arm: a case always has a department. PostgreSQL only.

        The committee's rarer words (fewer hits than a page among the
        district's newest SEARCH_WALK_BUDGET rows) were read from an index
        of the whole district's titles, which every filing wrote ~16 keys
        to besides the department-keyed index's; the departments' keys hold
        the same hits (one LATERAL query over the 248 units). Their ids are
        the department filter's choices, read once for the request
        (filter_choices: every department for such a user)."""
        if connections[self.queryset.db].vendor != "postgresql":
            return None
        if sees_all_cases(request.user):
            return [pk for pk, _name in filter_choices(request)["department"]], None
        return self.arms(request)

    def search_walk_pays(self) -> bool:
        """Whether the search's page walks newest first (walked_search_ids),
        judged by the unit's size, not by the hits (which are not counted):
        the department part's capped count, an index-only scan that stops
        at the cap (CappedCountPaginator.part_size). A small unit's rows are
        few among the district's, so a walk would read the district to find
        them: its hits are collected through its own index and sorted. A
        tracking number is one indexed row."""
        from portal.cases.admin import TRACKING_NUMBER  # admin imports this module

        if TRACKING_NUMBER.match(self.query.strip()):
            return False
        if self.department_part is None:  # the committee: every case
            return True
        visible, table = self.paginator.part_size(
            self.department_part, self.part_memo_key
        )
        return self.paginator.cap < visible or self.pays_to_walk(visible, table)

    def pays_to_walk(self, visible: int, table: int) -> bool:
        return visible * visible > self.list_per_page * table

    def walk_pays(self) -> bool:
        """Whether walking the (submitted_at, id) index newest first finds a
        page sooner than collecting every visible row and sorting them. The
        walk reads about list_per_page × table ÷ visible rows (the visible
        ones are spread over the years like the rest), the sort reads every
        visible row: at 100k cases the busiest unit's 6,900 rows are found
        in a walk of ~720 rows instead of a sort of all 6,900 (29 -> 1 ms,
        EXPLAIN ANALYZE); a small unit's 300 are sorted (a walk would read
        17,000).

        A capped count is a lower bound of the visible rows: the walk pays
        only if even the cap is dense enough (tables under 2M cases). At 10M
        cases the smallest unit has 10,338 rows, more than the cap, and its
        walk read 3,463 buffers (211-324 ms); its page is read arm by arm
        (newest_of_arms: 2,369 buffers, 10-14 ms). The busiest unit's walk
        is a little cheaper than its arms (5.5-6.3 ms against 8.5-10.9, and
        ~2 ms less CPU), which the capped count cannot tell apart."""
        paginator = self.paginator
        return self.pays_to_walk(paginator.count, paginator.table_size)

    @cached_property
    def next_page_url(self) -> str | None:
        """The link to the page after this one, by cursor; the results are
        already read when the pagination is drawn, so this makes no query."""
        if not self.keyset or (self.show_all and not self.uncounted):
            return None
        rows = list(self.result_list)
        if len(rows) < self.list_per_page or (
            self.uncounted and not self.search_has_more
        ):
            return None
        return self.get_query_string(
            {CURSOR_VAR: format_cursor(rows[-1])}, remove=[PAGE_VAR]
        )

    @property
    def first_page_url(self) -> str:
        return self.get_query_string(remove=[PAGE_VAR])

    def get_query_string(self, new_params=None, remove=None):
        """ChangeList.get_query_string, the same string, encoded by
        list_query_string: a list page draws ~100 links (filter choices,
        sorting, pages), and Django's urlencode was ~7% of its work."""
        params = self.filter_params.copy()
        for prefix in remove or ():
            for key in list(params):
                if key.startswith(prefix):
                    del params[key]
        for key, value in (new_params or {}).items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        return "?" + list_query_string(sorted(params.items()))


class WarningColourFilter(admin.SimpleListFilter):
    title = _("warning colour")
    parameter_name = "colour"

    def lookups(self, request, model_admin):
        return Colour.choices

    def queryset(self, request, queryset):
        if self.value() in Colour.values:
            return queryset.filter(colour_q(self.value()))
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assignee")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", ASSIGNED_TO_ME), ("me-open", OPEN_ONLY), ("none", UNASSIGNED)]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        if self.value() == "me-open":
            return queryset.filter(assignee=request.user, status__in=OPEN_STATUSES)
        if self.value() == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset


# How long the choices of the department and category filters are kept for
# one set of departments: a category added or a unit renamed shows in the
# filters within a minute; the rows are always read afresh.
FILTER_CHOICES_SECONDS = 60


def filter_choices(request) -> dict:
    """The choices of the department and category filters: the departments
    the user sees (filter_departments) LEFT JOINed to their categories, so a
    department without categories still appears. Two lists, from one query,
    kept for the request and, in the cache, for FILTER_CHOICES_SECONDS under
    the set of departments (every clerk of a unit shares them): the query
    and its building were ~4 % of a list page's CPU (bench/overhead.py,
    100k) for lists that change a few times a year."""

    def compute():
        user = request.user
        scope = repr(departments_seen(user))
        key = "case-filter-choices:" + hashlib.sha256(scope.encode()).hexdigest()
        choices = cache.get(key)
        if choices is None:
            choices = _read_filter_choices(user)
            cache.set(key, choices, FILTER_CHOICES_SECONDS)
        return choices

    return _memo(request, "filter_choices", compute)


def _read_filter_choices(user) -> dict:
    rows = (
        filter_departments(user)
        .order_by()
        .values_list(
            "pk",
            "code",
            "name",
            "categories__pk",
            "categories__code",
            "categories__name",
            "categories__sort_order",
        )
    )
    departments, categories = {}, {}
    for pk, code, name, cat_pk, cat_code, cat_name, cat_order in rows:
        departments[pk] = (code, name)
        if cat_pk is not None:
            categories[cat_pk] = (cat_order, cat_code, cat_name)
    return {
        "department": [
            (pk, name)
            for pk, (_code, name) in sorted(
                departments.items(), key=lambda item: item[1][0]
            )
        ],
        "category": [
            (pk, name)
            for pk, (_order, _code, name) in sorted(
                categories.items(), key=lambda item: item[1][:2]
            )
        ],
    }


class VisibleDepartmentFilter(admin.RelatedFieldListFilter):
    """Only the departments whose cases the user sees."""

    def field_choices(self, field, request, model_admin):
        return filter_choices(request)["department"]


class VisibleCategoryFilter(admin.RelatedFieldListFilter):
    """Only the categories handled by departments whose cases the user sees."""

    def field_choices(self, field, request, model_admin):
        return filter_choices(request)["category"]
