"""Reads of cases. `visible_cases` is the one answer to "which cases may this
user see"; every list, page, download and export starts from it."""

import functools

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import (
    BooleanField,
    Count,
    F,
    Func,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.expressions import RawSQL
from django.http import Http404

from portal.accounts.models import (
    DepartmentGroupObjectPermission,
    DepartmentLink,
    DepartmentUserObjectPermission,
    User,
)
from portal.audit import services as audit
from portal.cases.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    ServiceCategory,
)
from portal.prepared import (
    compiled_rows,
    object_by_pk,
    objects_from_sql,
    prepared_cursor,
)

VIEW_DEPARTMENT_PERMS = ("view_cases_of", "handle_cases_of")
HANDLE_DEPARTMENT_PERMS = ("handle_cases_of",)
LEAD_DEPARTMENT_PERMS = ("lead_cases_of",)
DEPARTMENT_PERMS = (*VIEW_DEPARTMENT_PERMS, *LEAD_DEPARTMENT_PERMS)
VIEW_CASE_PERMS = ("view_case", "handle_case")
HANDLE_CASE_PERMS = ("handle_case",)


class InSubquery(Func):
    """``column IN (subquery)`` that the database can serve from an index even
    inside an OR.

    PostgreSQL cannot pull a sublink under an OR up into a join: ``x IN
    (SELECT ...) OR EXISTS (...)`` becomes a filter evaluated row by row over
    a walk of the whole table. ``x = ANY(ARRAY(SELECT ...))`` is an InitPlan,
    run once before the scan, whose result is an ordinary index condition, so
    each arm of the OR becomes a bitmap index scan (``BitmapOr``). SQLite gets
    the plain ``IN (subquery)``. Either way it is one SQL query.
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, subquery: QuerySet | RawSQL):
        """``subquery``: a queryset of one column, or a RawSQL of one."""
        if not isinstance(subquery, RawSQL):
            subquery = Subquery(subquery)
        super().__init__(F(column), subquery)

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="%(expressions)s",
            arg_joiner=" IN ",
            **extra_context,
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        column, subquery = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        subquery_sql, subquery_params = compiler.compile(subquery)
        return (
            f"{column_sql} = ANY(ARRAY{subquery_sql})",
            (*column_params, *subquery_params),
        )


class BigramMatch(Func):
    """A word within a text column, served by a bigram index on PostgreSQL.

    Chinese has no spaces, and a clerk types two-character words (漏水, 噪声):
    pg_trgm's trigrams cannot index a two-character pattern (the GIN index
    then returns every row). ``yiwang_bigrams(text)`` (migration 0003) is the
    set of two-character pieces of the lower-cased text; the expression GIN
    index on it finds the rows holding every bigram of the word, and the
    ``ILIKE`` rechecks that they are adjacent. SQLite gets ``LIKE``."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, word: str):
        self.word = word
        super().__init__(F(column))

    def _pattern(self) -> str:
        escaped = (
            self.word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        )
        return f"%{escaped}%"

    def as_sql(self, compiler, connection, **extra_context):
        column_sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"{column_sql} LIKE %s ESCAPE '\\'", (*params, self._pattern())

    def as_postgresql(self, compiler, connection, **extra_context):
        column_sql, params = compiler.compile(self.get_source_expressions()[0])
        return (
            f"(yiwang_bigrams({column_sql}) @> yiwang_bigrams(%s)"
            f" AND {column_sql} ILIKE %s)",
            (*params, self.word, self._pattern()),
        )


def applicant_name_q(word: str) -> Q:
    """Cases whose applicant's name holds the word (the names looked up
    first through their bigram index, then the applicants' cases)."""
    names = User.objects.filter(BigramMatch("real_name", word)).values("pk")
    return Q(InSubquery("applicant_id", names))


def case_search_q(word: str) -> Q:
    """Cases whose title holds the word, or whose applicant's name does. The
    names are looked up first (a subquery on the users' bigram index). The
    titles are matched by LIKE: the case admin's search (the one caller)
    reads them from a walk of the newest rows or from the department-keyed
    title index (portal.cases.admin_changelist), not from an index of the
    whole district's titles, which every filing had to write to."""
    return Q(title__icontains=word) | applicant_name_q(word)


def _department_grant_rows(user_pk, codenames) -> list[tuple[int, str]]:
    """(department id, codename): every department at or below one on which
    the user holds one of the codenames, directly or through a group. One
    query on five small tables, names from the models.

    The ORM's union of the two grant tables joined seven tables in each arm
    (auth_group and accounts_department besides): PostgreSQL spent 1.4 ms
    planning it against 0.06 ms running it, and the ORM ~1 ms of CPU
    building it, on every staff request (bench_grid_00 at 100k). Here the
    grants are united first and joined once: 0.27 ms planning."""
    connection = connections[router.db_for_read(DepartmentLink)]
    quote = connection.ops.quote_name
    by_group = DepartmentGroupObjectPermission._meta
    by_user = DepartmentUserObjectPermission._meta
    user_groups = User._meta.get_field("groups")
    permission = Permission._meta
    content_type = ContentType._meta
    link = DepartmentLink._meta

    def column(meta, name):
        return quote(meta.get_field(name).column)

    placeholders = ", ".join(["%s"] * len(codenames))
    sql = (
        f"SELECT l.{column(link, 'descendant')}, p.{column(permission, 'codename')} "
        f"FROM (SELECT g.{column(by_group, 'content_object')} AS department_id, "
        f"g.{column(by_group, 'permission')} AS permission_id "
        f"FROM {quote(by_group.db_table)} g "
        f"JOIN {quote(user_groups.m2m_db_table())} ug "
        f"ON ug.{quote(user_groups.m2m_reverse_name())} "
        f"= g.{column(by_group, 'group')} "
        f"WHERE ug.{quote(user_groups.m2m_column_name())} = %s "
        f"UNION ALL SELECT u.{column(by_user, 'content_object')}, "
        f"u.{column(by_user, 'permission')} "
        f"FROM {quote(by_user.db_table)} u "
        f"WHERE u.{column(by_user, 'user')} = %s) grants "
        f"JOIN {quote(permission.db_table)} p "
        f"ON p.{quote(permission.pk.column)} = grants.permission_id "
        f"JOIN {quote(content_type.db_table)} ct "
        f"ON ct.{quote(content_type.pk.column)} "
        f"= p.{column(permission, 'content_type')} "
        f"JOIN {quote(link.db_table)} l "
        f"ON l.{column(link, 'ancestor')} = grants.department_id "
        f"WHERE p.{column(permission, 'codename')} IN ({placeholders}) "
        f"AND ct.{column(content_type, 'app_label')} = %s"
    )
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, [user_pk, user_pk, *sorted(codenames), "accounts"])
        return cursor.fetchall()


def granted_department_ids(user, codenames=VIEW_DEPARTMENT_PERMS) -> list[int]:
    """Ids of the departments whose cases the user sees (or handles, or
    leads) through a department grant: the granted ones, directly or through
    a group, and every one below them (closure rows).

    One small query on the department tables per user object, for every
    department codename at once (view, handle, lead: the case page asks all
    three), kept on the object as sees_all_cases keeps its answer. The user
    object lives as long as the request, so a grant changed meanwhile shows
    from the next request on.

    The case queries get these ids as literals because PostgreSQL cannot see
    into ``department_id = ANY(ARRAY(subquery))``: it guessed 4 % of the
    table for any unit (399,304 rows at 10M cases), planned the busiest and
    the smallest unit alike, and needed enable_seqscan off not to read the
    whole table for a small one. With ``department_id IN (...)`` it reads
    the department column's per-value statistics."""
    memo = getattr(user, "_granted_department_ids", None)
    if memo is None or not set(codenames) <= memo.keys():
        asked = {*DEPARTMENT_PERMS, *codenames}
        memo = {codename: set() for codename in asked}
        for department_id, codename in _department_grant_rows(user.pk, asked):
            memo[codename].add(department_id)
        user._granted_department_ids = memo
    return sorted(set().union(*(memo[codename] for codename in codenames)))


def _department_grant(user, codenames) -> Q:
    """Cases whose department is, or is below, a department on which the user
    (directly or through a group) holds one of the codenames."""
    return Q(department_id__in=granted_department_ids(user, codenames))


def _case_grant(user, codenames) -> Q:
    """Cases with a per-case exception grant to the user or one of their
    groups (transfers, co-handling, named people): about 1 % of cases."""
    to_user, to_groups = _case_grant_arms(user, codenames)
    return to_user | to_groups


def _case_grant_arms(user, codenames) -> tuple[Q, Q]:
    """_case_grant's two parts: grants to the user, grants to their groups.

    Each subquery is a constant string per shape (_case_grant_sql), not a
    queryset: every staff page's visibility holds both, and each query that
    reads it compiled them again through the ORM (guardian's models, their
    joins, the codenames): ~1.5 ms of CPU per query, two or three queries
    per page."""
    codenames = tuple(sorted(codenames))
    params = (user.pk, *codenames)
    return tuple(
        Q(InSubquery("pk", RawSQL(_case_grant_sql(to_groups, len(codenames)), params)))
        for to_groups in (False, True)
    )


@functools.cache
def _case_grant_sql(to_groups: bool, codename_count: int) -> str:
    """The ids of the cases granted to a user (``%s``, first parameter), or to
    their groups, with one of ``codename_count`` codenames (the next
    parameters): a constant for each shape, names from the models."""
    quote = connections[router.db_for_read(Case)].ops.quote_name
    grant = (CaseGroupObjectPermission if to_groups else CaseUserObjectPermission)._meta
    user_groups = User._meta.get_field("groups")
    permission = Permission._meta

    def column(meta, name):
        return quote(meta.get_field(name).column)

    if to_groups:
        owner = (
            f"JOIN {quote(user_groups.m2m_db_table())} ug "
            f"ON ug.{quote(user_groups.m2m_reverse_name())} "
            f"= g.{column(grant, 'group')} "
        )
        owner_column = f"ug.{quote(user_groups.m2m_column_name())}"
    else:
        owner, owner_column = "", f"g.{column(grant, 'user')}"
    placeholders = ", ".join(["%s"] * codename_count)
    return (
        f"SELECT g.{column(grant, 'content_object')} "
        f"FROM {quote(grant.db_table)} g {owner}"
        f"JOIN {quote(permission.db_table)} p "
        f"ON p.{quote(permission.pk.column)} = g.{column(grant, 'permission')} "
        f"WHERE {owner_column} = %s AND p.{column(permission, 'codename')} "
        f"IN ({placeholders})"
    )


def sees_all_cases(user) -> bool:
    """The committee (read-only) and superusers see every case.

    Asked several times per request (selectors, list filters, the admin's
    policy checks); the answer is kept on the user object, which lives as
    long as the request. It comes from ``has_perm``, whose permissions
    UsernameOrMobileBackend reads in one query (the staff pages' admin app
    list shares it).

    Only staff: committee_member_add makes its members staff, and a
    resident put in the committee's group by hand sees their own matters,
    not the district's. A resident's page so asks no permission at all
    (one query fewer on every resident page)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    if not user.is_staff:
        return False
    known = getattr(user, "_sees_all_cases", None)
    if known is None:
        known = user.has_perm("cases.view_all_cases")
        user._sees_all_cases = known
    return known


def visible_cases(user) -> QuerySet[Case]:
    """Every case the user may see, as one queryset: ownership OR a grant on
    the case's department (or one above it) OR a per-case exception grant."""
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    if sees_all_cases(user):
        return Case.objects.all()
    own = Q(applicant=user) | Q(submitter=user)
    if not user.is_staff:
        return Case.objects.filter(own)
    return Case.objects.filter(
        own
        | _department_grant(user, VIEW_DEPARTMENT_PERMS)
        | _case_grant(user, VIEW_CASE_PERMS)
    )


def department_visible_cases(user) -> QuerySet[Case] | None:
    """The part of visible_cases(user) seen through a department grant (not
    ownership, not a per-case exception grant), for a user whose visible
    cases are such a union; None for everyone else. A subset: whatever it
    holds, visible_cases holds too (CappedCountPaginator counts it first)."""
    if not user.is_authenticated or not user.is_active or not user.is_staff:
        return None
    if sees_all_cases(user):
        return None
    return Case.objects.filter(_department_grant(user, VIEW_DEPARTMENT_PERMS))


def visible_case_arms(user) -> tuple[list[int], list[Q]] | None:
    """visible_cases(user) as arms whose union is exactly its rows, each one
    an index can read newest first: the ids of the departments under a
    grant (an arm each, ``department_id = id``, on the (department_id,
    submitted_at) index), then the other arms as conditions: the user's own
    as applicant and as submitter, the per-case grants to the user and to
    their groups. None where visible_cases is not such a union (residents,
    the committee, superusers, anonymous).

    A list ordered newest first reads each arm's first N rows and merges
    them, instead of collecting every visible row and sorting it: an OR of
    arms cannot be read in order from any one index."""
    if not user.is_authenticated or not user.is_active or not user.is_staff:
        return None
    if sees_all_cases(user):
        return None
    return (
        granted_department_ids(user, VIEW_DEPARTMENT_PERMS),
        [
            Q(applicant=user),
            Q(submitter=user),
            *_case_grant_arms(user, VIEW_CASE_PERMS),
        ],
    )


def staff_visible_cases(user) -> QuerySet[Case]:
    """Cases the user sees as staff, through a grant, not as the applicant:
    these users may read the internal timeline and the audit history."""
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    if sees_all_cases(user):
        return Case.objects.all()
    if not user.is_staff:
        return Case.objects.none()
    return Case.objects.filter(
        _department_grant(user, VIEW_DEPARTMENT_PERMS)
        | _case_grant(user, VIEW_CASE_PERMS)
    )


def handleable_cases(user) -> QuerySet[Case]:
    """Cases the user may act on as staff (not as the applicant)."""
    if not user.is_authenticated or not user.is_active or not user.is_staff:
        return Case.objects.none()
    if user.is_superuser:
        return Case.objects.all()
    return Case.objects.filter(
        _department_grant(user, HANDLE_DEPARTMENT_PERMS)
        | _case_grant(user, HANDLE_CASE_PERMS)
    )


def leadable_cases(user) -> QuerySet[Case]:
    """Cases whose department the user leads (or a department above it)."""
    if not user.is_authenticated or not user.is_active or not user.is_staff:
        return Case.objects.none()
    if user.is_superuser:
        return Case.objects.all()
    return Case.objects.filter(_department_grant(user, LEAD_DEPARTMENT_PERMS))


# What every list row of cases shows, first, in this order (rows are read
# as tuples): no descriptions, details, replies or service guides; the
# stage's thresholds give the row's colour (warnings.colour_of).
CASE_ROW_COLUMNS = (
    "id",
    "tracking_number",
    "title",
    "status",
    "stage",
    "stage_due_at",
    "stage_yellow_at",
    "stage_orange_at",
    "submitted_at",
)
# A row of the resident's list (portal.cases.site_rows).
LIST_COLUMNS = (*CASE_ROW_COLUMNS, "category__name", "department__name")


def case_list_for_user(user) -> QuerySet:
    """The visible cases as tuples of LIST_COLUMNS, joined once: no model
    instances, which cost the resident's list ~0.9 ms of CPU for 20 rows at
    100k (three models a row, and building the query's select_related and
    deferred columns)."""
    return visible_cases(user).values_list(*LIST_COLUMNS)


def own_case_rows(user, start: int, size: int) -> list[tuple]:
    """Rows ``start`` to ``start + size`` of case_list_for_user(user), newest
    first, each with the number of all of them (``COUNT(*) OVER ()``) last,
    for a user who sees only their own matters (not staff). The query has
    one shape for every such user: the ORM builds and compiles it once per
    connection (portal.prepared.compiled_rows, with a stand-in user of the
    placeholder's id), not on every page (~25 % of "my matters"' Python
    calls)."""

    def build(user_id):
        stand_in = User(pk=user_id, is_active=True, is_staff=False)
        return case_list_for_user(stand_in).annotate(total=Window(Count("*")))

    return compiled_rows(
        Case, "own_case_rows", build, user.pk, " LIMIT %s OFFSET %s", (size, start)
    )


def case_is_visible(user, case: Case) -> bool:
    """Whether visible_cases(user) holds the case, a case already read: the
    same answer (test_case_is_visible_answers_as_visible_cases), told from
    the row where an arm of the visibility can tell it (the committee, the
    applicant or submitter, a department under a grant: the ids
    visible_cases reads, once a request) and asked of visible_cases for the
    rest (a per-case exception grant).

    A case page read its case through visible_cases, whose query (the
    department ids, the per-case grants' subqueries, the applicant's arms)
    took ~1.5 ms of CPU to build for a clerk, more than the read itself."""
    if not user.is_authenticated or not user.is_active:
        return False
    if sees_all_cases(user) or user.pk in (case.applicant_id, case.submitter_id):
        return True
    if not user.is_staff:
        return False
    if case.department_id in granted_department_ids(user, VIEW_DEPARTMENT_PERMS):
        return True
    return visible_cases(user).filter(pk=case.pk).exists()


def case_get_for_user(*, user, pk) -> Case:
    """One visible case (case_is_visible), or 404 exactly as if it did not
    exist. No query for anyone who sees nothing."""
    case = None
    if user.is_authenticated and user.is_active:
        # Not the applicant or assignee: no page that starts here shows
        # them, and reading a user decrypts their identity number.
        # (Deferring the category's guide texts was tried: no CPU saved at
        # 100k, where they are ~50 characters.)
        try:
            case = object_by_pk(Case, pk, ("category", "department"))
        except (ValueError, TypeError, ValidationError):
            pass
    if case is None or not case_is_visible(user, case):
        # The one place the site refuses a case: recorded here, on the
        # refusal path only (the success path makes no extra query).
        audit.access_refused(user=user, object_type="cases.case", object_id=pk)
        raise Http404
    return case


def public_timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.filter(is_public=True).select_related("actor")


def full_timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor")


def _case_rows_sql(case: Case, model, fields, hidden_flag=None, shown=True):
    """The rows of one of a case's tables (model) whose ``case`` is the case,
    oldest first (created_at, id, as the models order them), with only the
    given fields, where hidden_flag (a boolean field) is ``shown`` if given:
    model instances with the fields' values converted as the ORM converts
    them (objects_from_sql, the query prepared)."""
    names = ("id", *fields)
    alias = router.db_for_read(model)
    sql = _case_rows_query(alias, model, names, hidden_flag, shown)
    return objects_from_sql(model, names, sql, [case.pk])


@functools.lru_cache(maxsize=64)
def _case_rows_query(alias, model, names, hidden_flag, shown) -> str:
    meta = model._meta
    quote = connections[alias].ops.quote_name

    def column(name):
        return quote(meta.get_field(name).column)

    where = f"{column('case')} = %s"
    if hidden_flag is not None:
        where += f" AND {'' if shown else 'NOT '}{column(hidden_flag)}"
    return (
        f"SELECT {', '.join(column(name) for name in names)} "
        f"FROM {quote(meta.db_table)} WHERE {where} "
        f"ORDER BY {column('created_at')}, {column('id')}"
    )


# Plain SQL for the case page's timeline and files (the page every resident
# opens): the ORM took ~0.4 ms of CPU to build each of these two small
# queries, more than reading them (at 100k, in process: timeline 0.65 ->
# 0.25 ms, files 0.57 -> 0.22 ms). The same rows as the querysets say
# (public_timeline, full_timeline; the case's files without the internal
# ones): tests compare them.
TIMELINE_FIELDS = (
    "case",
    "kind",
    "is_public",
    "message",
    "internal_note",
    "created_at",
)
FILE_FIELDS = (
    "case",
    "file",
    "original_name",
    "content_type",
    "size",
    "is_internal",
    "created_at",
)


def case_timeline(case: Case, *, internal: bool) -> list[CaseEvent]:
    """The case page's timeline: every entry for a reader of the internal
    timeline (policies.can_view_internal), else the public ones; without
    the actors (the page names none) and the entries' data."""
    if internal:
        return _case_rows_sql(case, CaseEvent, TIMELINE_FIELDS)
    return _case_rows_sql(case, CaseEvent, TIMELINE_FIELDS, "is_public", True)


def case_files(case: Case, *, internal: bool) -> list[Attachment]:
    """The case's files as its page lists them: the internal ones only for a
    reader of the internal timeline."""
    if internal:
        return _case_rows_sql(case, Attachment, FILE_FIELDS)
    return _case_rows_sql(case, Attachment, FILE_FIELDS, "is_internal", False)


def categories_for_catalogue() -> QuerySet[ServiceCategory]:
    return (
        ServiceCategory.objects.filter(is_active=True)
        .select_related("department")
        .prefetch_related("deadline_policies")
    )


__all__ = [
    "CASE_ROW_COLUMNS",
    "case_files",
    "case_search_q",
    "case_get_for_user",
    "case_list_for_user",
    "case_timeline",
    "categories_for_catalogue",
    "department_visible_cases",
    "full_timeline",
    "granted_department_ids",
    "handleable_cases",
    "leadable_cases",
    "public_timeline",
    "sees_all_cases",
    "staff_visible_cases",
    "visible_case_arms",
    "visible_cases",
]
