"""The clerks' admin for cases. It delegates: the queryset is visible_cases,
permissions come from portal.cases.policies, and every change goes through
portal.cases.workflow, as a bulk action on the list or as a button on the case
page (portal.cases.admin_views). The case page itself is read-only: nothing is
edited in a form, and nothing that holds a case can be deleted here."""

import datetime
import functools
import re

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ORDER_VAR, PAGE_VAR, ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import (
    BooleanField,
    Count,
    F,
    Func,
    Max,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import path
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from portal.accounts.models import Department, User
from portal.audit import services as audit
from portal.cases import admin_calendar  # noqa: F401  (registers HolidayYear)
from portal.cases import admin_views, policies, workflow
from portal.cases.admin_records import HistoryRows, RecordTable
from portal.cases.form_fields import labelled_details
from portal.cases.history import diffed_fields
from portal.cases.models import (
    OPEN_STATUSES,
    Attachment,
    Case,
    CaseEvent,
    DeadlinePolicy,
    ServiceCategory,
)
from portal.cases.selectors import (
    BigramMatch,
    InSubquery,
    department_visible_cases,
    granted_department_ids,
    sees_all_cases,
    visible_cases,
)
from portal.cases.warnings import Colour, colour_q, with_warning_colour

BULK_ACCEPTED = _("%(count)d cases accepted.")
BULK_ASSIGNED = _("%(count)d cases assigned to you.")
BULK_REFUSED = _("%(case)s: %(errors)s")
SEARCH_HELP = _(
    "A full tracking number (such as 2026-0000123) finds that case; anything "
    "else searches the titles and the applicants' names (every word must be "
    "found)."
)
ASSIGNED_TO_ME = _("assigned to me")
UNASSIGNED = _("not assigned")
OPEN_ONLY = _("open")

TRACKING_NUMBER = re.compile(r"^\d{4}-\d{7}$")


def _memo(request, key, compute):
    """Remember a policy answer for the rest of the request: the admin asks
    the same question several times while rendering one page."""
    cache = request.__dict__.setdefault("_case_admin_memo", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def is_case_staff(user) -> bool:
    """Staff who work with cases: department members, the committee, admins."""
    return bool(
        user.is_active
        and user.is_staff
        and (user.is_superuser or sees_all_cases(user) or user.memberships.exists())
    )


def _is_case_staff(request) -> bool:
    """is_case_staff for the request's user, without a query of its own: a
    department member holds the department group's grant, so the departments
    whose cases the user sees (granted_department_ids, which visible_cases
    and the list filters read, kept for the request) answer it. Not the list
    filters' choices: on the case and history pages their query (the
    departments joined to their categories) was made for this answer alone.
    Staff without any grant and without the committee's permission are not
    case staff."""
    user = request.user

    def compute():
        if not (user.is_active and user.is_staff):
            return False
        if user.is_superuser or sees_all_cases(user):
            return True
        return bool(granted_department_ids(user))

    return _memo(request, "staff", compute)


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


WITHOUT_BIGRAM_INDEX = "yiwang_without_bigram_index"


class HasBigrams(Func):
    """``yiwang_bigrams(column) @> yiwang_bigrams(word)``: the condition the
    bigram index answers (migration cases/0003), alone (PostgreSQL; TRUE
    elsewhere, where there is no such index)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, word: str):
        self.word = word
        super().__init__(F(column))

    def as_sql(self, compiler, connection, **extra_context):
        return "1 = 1", ()

    def as_postgresql(self, compiler, connection, **extra_context):
        if getattr(compiler.query, WITHOUT_BIGRAM_INDEX, False):
            return "TRUE", ()
        column_sql, params = compiler.compile(self.get_source_expressions()[0])
        return (
            f"yiwang_bigrams({column_sql}) @> yiwang_bigrams(%s)",
            (*params, self.word),
        )


def search_word_q(word: str) -> Q:
    """Cases whose title holds the word, or whose applicant's name does: the
    rows of portal.cases.selectors.case_search_q, written so that PostgreSQL
    computes no bigrams per row.

    case_search_q reads ``(bigrams(title) @> w AND title ILIKE %w%) OR
    applicant IN names``; the planner finds the rows with the bigram index,
    then checks that whole condition again on each of them, computing the
    title's bigrams for every hit (about 35 µs each: 100 ms for the 2,700
    titles with 噪声 that one unit sees at 100k cases). Written as ``(A OR
    N) AND (B OR N)``, the same rows (A AND B OR N), the first part is the
    index's own condition, which the bitmap scan does not check again, and
    only the cheap ``LIKE`` of the second is checked per row."""
    names = User.objects.filter(BigramMatch("real_name", word)).values("pk")
    by_name = Q(InSubquery("applicant_id", names))
    return (Q(HasBigrams("title", word)) | by_name) & (
        Q(title__icontains=word) | by_name
    )


def without_bigram_index(queryset):
    """The queryset with its search_word_q conditions read as ``LIKE`` alone
    (HasBigrams as TRUE: the same rows, as a title holding the word holds
    its lower-cased bigrams), for a page walked newest first.

    A word in many of the unit's titles (噪声, a fifth of the busiest unit's)
    is in many of the district's: at 10M cases the bigram bitmap holds
    538,125 titles, is ANDed with the unit's 693,170 rows, and the planner,
    taking the two for independent, expects 8 hits where there are 271,464;
    it reads them all (245,454 lossy heap blocks) and sorts them for 50: 17
    s (EXPLAIN ANALYZE, cold). With the LIKE alone it walks the
    (submitted_at, id) index and stops at the 50th hit: 2,403 rows, 12 ms.
    The capped count keeps the index: it needs no order."""
    queryset = queryset.all()
    setattr(queryset.query, WITHOUT_BIGRAM_INDEX, True)
    return queryset


# The attribute of a changelist's queryset that names a part of it to count
# first (CappedCountPaginator._count_part_first).
COUNT_PART_FIRST = "count_part_first"


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
        if part is not None and connection_.vendor == "postgresql":
            rows, table = self._count_part_first(connection_, part, newest)
        else:
            counted = self._capped(self.object_list).aggregate(
                rows=Count("one"), table=Max(Subquery(newest))
            )
            rows, table = counted["rows"], counted["table"]
        self.table_size = table or 0
        self.count_is_capped = rows > self.cap
        return min(rows, self.cap)

    def _capped(self, queryset):
        # No ORDER BY: which rows make up the first CAP does not change the
        # capped count, and without the order the scan may stop at CAP + 1.
        # No column either (``SELECT 1``), so a scan of an index that holds
        # every condition needs no heap page.
        return (
            queryset.order_by().annotate(one=Value(1)).values("one")[: self.cap + 1]
        )

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
        list_sql, list_params = compiled(self._capped(self.object_list))
        newest_sql, newest_params = compiled(newest)
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

    @property
    def count_display(self) -> str:
        count = self.count
        return f"{count:,}+" if self.count_is_capped else str(count)

    count_is_capped = False
    table_size = 0


CURSOR_VAR = "after"


class RowBefore(Func):
    """``(submitted_at, id) < (%s, %s)``: a row-value comparison that walks the
    (submitted_at, id) index from the cursor on (PostgreSQL and SQLite both
    have row values), instead of an OFFSET that reads every earlier row."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, submitted_at, pk):
        super().__init__(
            F("submitted_at"), F("pk"), Value(submitted_at), Value(pk)
        )

    def as_sql(self, compiler, connection, **extra_context):
        compiled = [compiler.compile(e) for e in self.get_source_expressions()]
        sql = "({}, {}) < ({}, {})".format(*(part for part, _params in compiled))
        params = [param for _part, part_params in compiled for param in part_params]
        return sql, params


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


class CaseChangeList(ChangeList):
    """The changelist with keyset pagination for the default order (newest
    first): "Next page" carries the last row's (submitted_at, id) as
    ``?after=``, and the next page is read from there along the index, so
    page 200 costs what page 1 costs. Page numbers (an OFFSET) stay for the
    first pages and for the other orders, within the paginator's cap."""

    def __init__(self, request, *args, **kwargs):
        self.cursor = parse_cursor(request.GET.get(CURSOR_VAR))
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
        if part is not None and exclude_parameters is None and not self.query:
            part = self.count_part(part, before, after)
            if part is not None:
                setattr(queryset, COUNT_PART_FIRST, part)
        return queryset

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

    def get_results(self, request):
        super().get_results(request)
        if not self.keyset or self.show_all:
            return
        ids = self.queryset
        if not self.walk_pays():
            # Few rows visible for the size of the table (the count said so,
            # one query ago): collect them by index and sort them, rather
            # than walk the whole district's (submitted_at, id) index newest
            # first looking for this unit's rows. COALESCE(x, x) is x, but no
            # index provides its order, so PostgreSQL takes the bitmap path.
            ids = ids.order_by(Coalesce("submitted_at", "submitted_at").desc(), "-pk")
        elif self.query:
            # Many hits: the walk finds 50 of them sooner than the bigram
            # index finds them all (without_bigram_index).
            ids = without_bigram_index(ids)
        start = 0
        if self.cursor:
            ids = ids.filter(RowBefore(*self.cursor))
            self.multi_page = True
        elif self.multi_page:
            start = (self.page_num - 1) * self.list_per_page
        page = ids.values("pk")[start : start + self.list_per_page]
        # Join after the limit: the page's 50 ids first, then their rows with
        # category, department and people, so the joins touch 50 rows, not
        # every candidate (the planner cannot tell how many a clerk sees).
        # The ids are chosen from the visible, filtered rows (self.queryset
        # is get_queryset, i.e. visible_cases, filtered), so the outer query
        # does not repeat the visibility filter: a second copy of its
        # subqueries cost as much Python to compile as the database spent
        # on it. Only the columns the list shows are read (no description,
        # no details, no encrypted identity numbers to decrypt).
        self.result_list = (
            with_warning_colour(Case.objects.filter(pk__in=page))
            .select_related(*self.list_select_related)
            .only(*self.model_admin.list_columns)
            .order_by("-submitted_at", "-pk")
        )

    def walk_pays(self) -> bool:
        """Whether walking the (submitted_at, id) index newest first finds a
        page sooner than collecting every visible row and sorting them. The
        walk reads about list_per_page × table ÷ visible rows (the visible
        ones are spread over the years like the rest), the sort reads every
        visible row: at 100k cases the busiest unit's 6,900 rows are found
        in a walk of ~720 rows instead of a sort of all 6,900 (29 -> 1 ms,
        EXPLAIN ANALYZE); a small unit's 300 are sorted (a walk would read
        17,000)."""
        paginator = self.paginator
        if paginator.count_is_capped:
            return True
        visible = paginator.count
        return visible * visible > self.list_per_page * paginator.table_size

    @cached_property
    def next_page_url(self) -> str | None:
        """The link to the page after this one, by cursor; the results are
        already read when the pagination is drawn, so this makes no query."""
        if not self.keyset or self.show_all:
            return None
        rows = list(self.result_list)
        if len(rows) < self.list_per_page:
            return None
        return self.get_query_string(
            {CURSOR_VAR: format_cursor(rows[-1])}, remove=[PAGE_VAR]
        )

    @property
    def first_page_url(self) -> str:
        return self.get_query_string(remove=[PAGE_VAR])


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


def filter_choices(request) -> dict:
    """The choices of the department and category filters, from one query
    per request: the departments the user sees (filter_departments) LEFT
    JOINed to their categories, so a department without categories still
    appears. Two lists, built once and kept for the request."""

    def compute():
        rows = (
            filter_departments(request.user)
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

    return _memo(request, "filter_choices", compute)


class VisibleDepartmentFilter(admin.RelatedFieldListFilter):
    """Only the departments whose cases the user sees."""

    def field_choices(self, field, request, model_admin):
        return filter_choices(request)["department"]


class VisibleCategoryFilter(admin.RelatedFieldListFilter):
    """Only the categories handled by departments whose cases the user sees."""

    def field_choices(self, field, request, model_admin):
        return filter_choices(request)["category"]


def _history_value(record, field, related):
    """A field of a history row as a clerk reads it; a related object from
    `related` ({model: {id: object}}, history_related_objects)."""
    value = getattr(record, field.attname)
    if field.is_relation:
        if value is None:
            return "-"
        found = related.get(field.related_model, {}).get(value)
        return str(value if found is None else found)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value)) or "-"
    if value in (None, ""):
        return "-"
    if isinstance(value, datetime.datetime):
        return formats.localize(timezone.localtime(value))
    return str(value)


def changed_fields(older, newer, fields) -> list:
    return [f for f in fields if getattr(older, f.attname) != getattr(newer, f.attname)]


def history_related_objects(pairs) -> dict:
    """The related objects (category, department, people, a duplicated case)
    that the changes of these (older, newer, fields) pairs name, by model and
    id: one query per related model, and only for the relations that change
    somewhere on the page, so never more than four (User, Department,
    ServiceCategory, Case) however long the history.

    Joining every relation of every history row instead (simple-history's
    select_related of each tracked foreign key) built seven related objects
    per row, five of them users, to show the few that changed: 11.4 of the
    history page's 45 ms of CPU for the bench's 42-step case, against 5.1
    with only the acting user joined (bench/overhead.py, 100k cases)."""
    wanted = {}
    for older, newer, fields in pairs:
        for field in fields:
            if field.is_relation:
                ids = wanted.setdefault(field.related_model, set())
                for record in (older, newer):
                    value = getattr(record, field.attname)
                    if value is not None:
                        ids.add(value)
    return {
        model: model._default_manager.in_bulk(ids)
        for model, ids in wanted.items()
        if ids
    }


def case_field_changes(older, newer, fields=None, related=None) -> list[dict]:
    """What changed from one history row of a case to the next, over the
    fields portal.cases.history diffs (the workflow's fields included, which
    simple-history's own diff_against leaves out as editable=False)."""
    if fields is None:
        fields = changed_fields(older, newer, diffed_fields())
    if related is None:
        related = history_related_objects([(older, newer, fields)])
    return [
        {
            "field": capfirst(field.verbose_name),
            "old": _history_value(older, field, related),
            "new": _history_value(newer, field, related),
        }
        for field in fields
    ]


class CaseInlineMixin:
    """The case's files and timeline, read-only, for staff who may read its
    internal entries."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return _is_case_staff(request)
        return _memo(
            request,
            ("internal", obj.pk),
            lambda: policies.can_view_internal(request.user, obj),
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseEventInline(CaseInlineMixin, admin.TabularInline):
    model = CaseEvent
    fields = ("created_at", "kind", "actor", "is_public", "message", "internal_note")
    readonly_fields = fields
    ordering = ("created_at", "id")

    def get_queryset(self, request):
        # The actor is shown by name: no identity number to decrypt.
        return (
            super()
            .get_queryset(request)
            .select_related("actor")
            .defer("actor__resident_id")
        )

    @cached_property
    def _kind_labels(self) -> dict:
        return {kind: str(label) for kind, label in CaseEvent.Kind.choices}

    def record_label(self, event) -> str:
        """str(event), "<case id> <kind>", with the kinds' labels looked up
        once (get_kind_display rebuilds its choices for every entry)."""
        return f"{event.case_id} {self._kind_labels.get(event.kind, event.kind)}"


class AttachmentInline(CaseInlineMixin, admin.TabularInline):
    model = Attachment
    fields = (
        "download",
        "content_type",
        "size",
        "is_internal",
        "uploaded_by",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, obj):
        return format_html(
            '<a href="{}">{}</a>', obj.get_absolute_url(), obj.original_name
        )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("uploaded_by")
            .defer("uploaded_by__resident_id")
        )


@functools.cache
def colour_labels(language) -> dict:
    """The warning colours' labels in the language (the list shows one per
    row: translated once, not 50 times a page)."""
    return {colour.value: str(colour.label) for colour in Colour}


def person_summary(user) -> str:
    """A person as the admin shows one: name and masked mobile, never the full
    resident identity number."""
    if user is None:
        return "-"
    parts = [user.display_name, user.masked_mobile]
    return " ".join(part for part in parts if part)


@admin.register(Case)
class CaseAdmin(SimpleHistoryAdmin):
    list_display = (
        "tracking_number",
        "title",
        "category",
        "department",
        "applicant_column",
        "assignee",
        "status",
        "colour",
        "stage_due_at",
        "submitted_at",
    )
    list_filter = (
        "status",
        WarningColourFilter,
        AssigneeFilter,
        ("category", VisibleCategoryFilter),
        ("department", VisibleDepartmentFilter),
        ("submitted_at", admin.DateFieldListFilter),
        "kind",
    )
    search_fields = ("title", "applicant__real_name")
    search_help_text = SEARCH_HELP
    list_select_related = ("category", "department", "applicant", "assignee")
    # What the rows of list_display read (CaseChangeList reads only these).
    list_columns = (
        "tracking_number",
        "title",
        "status",
        "stage_due_at",
        "submitted_at",
        "category__name",
        "department__name",
        "applicant__username",
        "applicant__real_name",
        "applicant__mobile",
        "assignee__username",
        "assignee__real_name",
    )
    list_per_page = 50
    show_full_result_count = False
    paginator = CappedCountPaginator
    change_form_template = "admin/cases/case/change_form.html"
    # The case's files and timeline: read-only inlines, drawn without forms
    # by portal.cases.admin_records (render_change_form).
    record_inlines = [AttachmentInline, CaseEventInline]
    readonly_fields = (
        "tracking_number",
        "kind",
        "category",
        "title",
        "description",
        "details_rows",
        "applicant_summary",
        "submitter",
        "department",
        "assignee",
        "status",
        "stage",
        "stage_due_at",
        "submitted_at",
        "accepted_at",
        "resolved_at",
        "closed_at",
        "outcome",
        "reply",
        "outcome_basis",
        "outcome_redirect",
        "duplicate_of",
        "verdict",
        "rating",
        "rating_comment",
    )
    fields = readonly_fields
    actions = ["accept_selected", "assign_selected_to_me"]

    def get_queryset(self, request):
        return with_warning_colour(self._visible_cases(request))

    def _visible_cases(self, request):
        return visible_cases(request.user).select_related(
            "category", "department", "applicant", "submitter", "assignee"
        )

    def get_changelist(self, request, **kwargs):
        return CaseChangeList

    def get_urls(self):
        workflow_view = self.admin_site.admin_view(self.workflow_view)
        return [
            path(
                "<path:object_id>/workflow/<slug:action>/",
                workflow_view,
                name="cases_case_workflow",
            ),
            *super().get_urls(),
        ]

    def workflow_view(self, request, object_id, action):
        return admin_views.case_workflow_view(self, request, unquote(object_id), action)

    def get_search_results(self, request, queryset, search_term):
        """A full tracking number is an exact, indexed lookup; anything else
        is split into words, and each word must be in the title or the
        applicant's name (portal.cases.selectors.case_search_q: a bigram
        index on PostgreSQL, so two-character Chinese words are indexed)."""
        term = search_term.strip()
        if TRACKING_NUMBER.match(term):
            return queryset.filter(tracking_number=term), False
        for word in term.split():
            queryset = queryset.filter(search_word_q(word))
        return queryset, False

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        if obj is not None:
            context["case_actions"] = [
                {
                    "name": action.name,
                    "label": action.label,
                    "url": admin_views.action_url(obj, action),
                }
                for action in admin_views.available_actions(request.user, obj)
            ]
            context["case_record_tables"] = self.record_tables(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def record_tables(self, request, obj) -> list[RecordTable]:
        site = self.admin_site
        inlines = [inline(self.model, site) for inline in self.record_inlines]
        return [
            RecordTable(inline, request, obj)
            for inline in inlines
            if inline.has_view_permission(request, obj)
        ]

    @admin.display(description=_("warning"), ordering="warning_colour")
    def colour(self, obj):
        return colour_labels(get_language())[obj.warning_colour]

    @admin.display(description=_("applicant"), ordering="applicant__real_name")
    def applicant_column(self, obj):
        return person_summary(obj.applicant)

    @admin.display(description=_("details"))
    def details_rows(self, obj):
        """The category's extra fields (Case.details) as "label: value" lines;
        a key the category no longer defines keeps its key as label. Every
        part is escaped."""
        rows = labelled_details(
            obj.category.form_fields if obj.category_id else [],
            obj.details,
            keep_unknown=True,
        )
        if not rows:
            return "-"
        return format_html_join(mark_safe("<br>"), "{}: {}", rows)

    @admin.display(description=_("applicant"))
    def applicant_summary(self, obj):
        user = obj.applicant
        if user is None:
            return "-"
        return " · ".join(
            part
            for part in (user.display_name, user.masked_mobile, user.masked_resident_id)
            if part
        )

    # --- permissions: the policy decides -------------------------------------

    def has_module_permission(self, request):
        return _is_case_staff(request)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return _is_case_staff(request)
        return _memo(
            request, ("view", obj.pk), lambda: policies.can_view(request.user, obj)
        )

    def has_handle_permission(self, request, obj=None):
        """May take workflow steps (the committee never: it only oversees)."""
        if policies.is_read_only_overseer(request.user) or not _is_case_staff(request):
            return False
        return obj is None or policies.can_handle(request.user, obj)

    def has_change_permission(self, request, obj=None):
        # Nothing on a case is edited in a form; every change is a workflow
        # step (the actions and buttons), so the case page is read-only.
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # --- history -------------------------------------------------------------

    def _visible_or_404(self, request, object_id):
        try:
            pk = Case._meta.pk.to_python(unquote(object_id))
            visible = visible_cases(request.user).filter(pk=pk).exists()
        except (ValueError, ValidationError):
            visible = False
        if not visible:
            audit.access_refused(
                user=request.user, object_type="cases.case", object_id=object_id
            )
            raise Http404
        # The answer of policies.can_view (visible_cases): the history page's
        # permission check asks it again for the same case.
        _memo(request, ("view", pk), lambda: True)

    def get_object(self, request, object_id, from_field=None):
        # The admin answers an invisible case as a missing one (get_queryset
        # is the selector); that refusal is an audit record. A case found
        # here was read through visible_cases, so has_view_permission need
        # not ask the policy again. The warning colour is the list's (a
        # column, a filter, an order), not the case page's: it is left out
        # here (0.7 ms of CPU a page, 100k cases).
        opts = Case._meta
        field = opts.pk if from_field is None else opts.get_field(from_field)
        try:
            value = field.to_python(object_id)
            case = self._visible_cases(request).get(**{field.name: value})
        except (Case.DoesNotExist, ValidationError, ValueError):
            case = None
        if case is None:
            audit.access_refused(
                user=request.user, object_type="cases.case", object_id=object_id
            )
        else:
            _memo(request, ("view", case.pk), lambda: True)
        return case

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._visible_or_404(request, object_id)
        if request.method != "GET":
            # simple-history saves a posted past version as the current case
            # whatever revert_disabled says (it only hides the button): that
            # would rewrite status outside the workflow. Past versions are
            # read-only.
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def has_view_history_permission(self, request, obj=None):
        return obj is None or policies.can_view_internal(request.user, obj)

    def has_view_history_or_change_history_permission(self, request, obj=None):
        # simple-history asks this before a history page, and without
        # SIMPLE_HISTORY_ENFORCE_HISTORY_MODEL_PERMISSIONS answers it with
        # has_view_permission (can_view): staff who see a case only as its
        # reporter (a grid worker) or applicant read its history, whose
        # change reasons carry the handling department's internal notes.
        return self.has_view_history_permission(request, obj)

    object_history_list_template = "admin/cases/case/object_history_list.html"

    def render_history_view(self, request, template, context, **kwargs):
        if "page_obj" not in context:  # a past version's page (history_form_view)
            return super().render_history_view(request, template, context, **kwargs)
        context["case_history"] = HistoryRows(
            context["page_obj"],
            object_pk=context["object"].pk,
            opts=context["opts"],
            admin_user_view=context["admin_user_view"],
            columns=context["history_list_display"],
            current_app=request.current_app,
        )
        return super().render_history_view(request, template, context, **kwargs)

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        # The acting user of each row is shown; the other relations only
        # where they change (history_related_objects), so they are not joined.
        return history_manager.filter(**{pk_name: object_id}).select_related(
            "history_user"
        )

    def set_history_delta_changes(
        self, request, historical_records, foreign_keys_are_objs=True
    ):
        records = list(historical_records)  # newest first
        fields = diffed_fields()
        pairs = [
            (older, newer, changed_fields(older, newer, fields))
            for newer, older in zip(records, records[1:], strict=False)
        ]
        related = history_related_objects(pairs)
        for older, newer, changed in pairs:
            newer.history_delta_changes = case_field_changes(
                older, newer, changed, related
            )

    def revert_disabled(self, request, obj=None):
        return True

    # --- bulk actions: a loop of workflow calls ------------------------------

    def _bulk(self, request, queryset, step, done_message):
        done = 0
        for case in queryset:
            try:
                step(case)
                done += 1
            except ValidationError as error:
                self.message_user(
                    request,
                    BULK_REFUSED
                    % {
                        "case": case.tracking_number,
                        "errors": " ".join(error.messages),
                    },
                    messages.ERROR,
                )
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Accept the selected cases"), permissions=["handle"])
    def accept_selected(self, request, queryset):
        self._bulk(
            request,
            queryset,
            lambda case: workflow.accept_case(case=case, actor=request.user),
            BULK_ACCEPTED,
        )

    @admin.action(
        description=_("Assign the selected cases to me"), permissions=["handle"]
    )
    def assign_selected_to_me(self, request, queryset):
        self._bulk(
            request,
            queryset,
            lambda case: workflow.assign_case(
                case=case, actor=request.user, assignee=request.user
            ),
            BULK_ASSIGNED,
        )


class DeadlinePolicyInline(admin.TabularInline):
    model = DeadlinePolicy
    extra = 0


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "topic", "department", "is_active", "sort_order")
    list_filter = ("topic", "is_active", "department")
    search_fields = ("name", "code")
    list_select_related = ("department",)
    inlines = [DeadlinePolicyInline]

    def has_delete_permission(self, request, obj=None):
        return False
