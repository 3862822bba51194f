"""Reads of the notifications app: the inbox, unread counts, and which
reminders are due (computed from the thresholds stored on each case, never
from anything beat remembers)."""

import datetime
import functools

from django.db import connections, router
from django.db.models import Case as When_
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value, When

from portal.accounts.models import StaffMembership, User
from portal.cases.models import OPEN_STATUSES, Case, CaseEvent
from portal.cases.workflow import REMINDED_STAGES
from portal.notifications.models import Notification, Reminder
from portal.prepared import prepared_cursor


def inbox(user) -> QuerySet[Notification]:
    """A user's own messages, newest first; nobody else's, ever."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).select_related("case")


def unread_count(user) -> int:
    """The inbox badge of every page: one COUNT on the index
    (recipient, read_at). Written as SQL because it runs on every page and
    Django took longer to build the query than the database to answer it;
    the same as ``inbox(user).filter(read_at__isnull=True).count()`` (a test
    compares them)."""
    if not user.is_authenticated:
        return 0
    meta = Notification._meta
    recipient = meta.get_field("recipient").column
    read_at = meta.get_field("read_at").column
    connection = connections[router.db_for_read(Notification)]
    quote = connection.ops.quote_name
    with prepared_cursor(connection) as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {quote(meta.db_table)} "
            f"WHERE {quote(recipient)} = %s AND {quote(read_at)} IS NULL",
            [user.pk],
        )
        return cursor.fetchone()[0]


def notification_get_for_user(*, user, pk) -> Notification:
    """Another person's message answers as one that does not exist."""
    return inbox(user).get(pk=pk)


def _reminded(levels) -> Exists:
    return Exists(
        Reminder.objects.filter(
            case=OuterRef("pk"),
            stage_started_at=OuterRef("stage_started_at"),
            level__in=levels,
        )
    )


def due_reminders(
    *, now: datetime.datetime, after_pk: int = 0, limit: int = 500
) -> list[tuple[int, str, datetime.datetime]]:
    """One batch of (case id, level, stage start) that are due at `now`, in
    id order after `after_pk`. A case is due at the highest level its running
    stage has reached (yellow, orange, red) when no reminder of that level or
    a higher one exists for this stage; a case first seen red gets the red
    step only, not three messages at once."""
    level = When_(
        When(stage_due_at__lt=now, then=Value("red")),
        When(stage_orange_at__lte=now, then=Value("orange")),
        default=Value("yellow"),
        output_field=CharField(),
    )
    rows = (
        Case.objects.filter(
            pk__gt=after_pk,
            status__in=OPEN_STATUSES,
            stage__in=REMINDED_STAGES,
            stage_due_at__isnull=False,
            stage_yellow_at__lte=now,
        )
        .annotate(
            due_level=level,
            has_red=_reminded(["red"]),
            has_orange=_reminded(["orange", "red"]),
            has_any=_reminded(["yellow", "orange", "red"]),
        )
        .filter(
            Q(due_level="red", has_red=False)
            | Q(due_level="orange", has_orange=False)
            | Q(due_level="yellow", has_any=False)
        )
        .order_by("pk")
        .values_list("pk", "due_level", "stage_started_at")[:limit]
    )
    return list(rows)


# --- the entry a delivery task reads ------------------------------------------

# What delivery reads of each person (recipients.RECIPIENT_FIELDS) and of the
# case (its number, title, due time, department and people).
DELIVERY_CASE_FIELDS = (
    "id",
    "tracking_number",
    "title",
    "stage_due_at",
    "department",
    "applicant",
    "submitter",
    "assignee",
)
DELIVERY_PEOPLE = ("applicant", "submitter", "assignee")


def _selected(model, names, alias) -> list:
    """The concrete fields of ``model`` among ``names`` (all of them where
    ``names`` is None), in the model's order (Model.from_db's), each with its
    column and the converters the ORM applies to its value."""
    connection = connections[alias]
    fields = [
        field
        for field in model._meta.concrete_fields
        if names is None or field.name in names
    ]
    selected = []
    for field in fields:
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + field.get_db_converters(
            connection
        )
        selected.append((field, column, converters))
    return selected


def _instance(model, selected, values, alias):
    """The model instance of one row's ``values`` for the ``selected``
    fields (_selected), converted as the ORM converts them; the fields not
    selected are deferred (Model.from_db)."""
    connection = connections[alias]
    values = list(values)
    for index, (_field, column, converters) in enumerate(selected):
        for converter in converters:
            values[index] = converter(values[index], column, connection)
    names = [field.attname for field, _column, _converters in selected]
    return model.from_db(alias, names, values)


@functools.cache
def _delivery_query(alias: str):
    """The SQL of event_for_delivery and how to read its rows, built once per
    process: the entry, its case and the case's three people, LEFT JOINed."""
    from portal.notifications.recipients import RECIPIENT_FIELDS

    quote = connections[alias].ops.quote_name
    parts = [
        ("e", CaseEvent, _selected(CaseEvent, None, alias)),
        ("c", Case, _selected(Case, DELIVERY_CASE_FIELDS, alias)),
        *(
            (person, User, _selected(User, RECIPIENT_FIELDS, alias))
            for person in DELIVERY_PEOPLE
        ),
    ]
    columns = ", ".join(
        f"{table}.{quote(field.column)}"
        for table, _model, selected in parts
        for field, _column, _converters in selected
    )
    event_meta, case_meta = CaseEvent._meta, Case._meta
    joins = [
        f"JOIN {quote(case_meta.db_table)} c ON c.{quote(case_meta.pk.column)} = "
        f"e.{quote(event_meta.get_field('case').column)}"
    ]
    for person in DELIVERY_PEOPLE:  # each person's table is named after them
        joins.append(
            f"LEFT JOIN {quote(User._meta.db_table)} {person} "
            f"ON {person}.{quote(User._meta.pk.column)} = "
            f"c.{quote(case_meta.get_field(person).column)}"
        )
    sql = (
        f"SELECT {columns} FROM {quote(event_meta.db_table)} e {' '.join(joins)} "
        f"WHERE e.{quote(event_meta.pk.column)} = %s"
    )
    return sql, parts


def event_for_delivery(event_id: int):
    """The timeline entry a delivery task renders, with its case and the
    case's applicant, submitter and assignee, or None where it is gone.

    The same instances as ``CaseEvent.objects.select_related("case",
    "case__applicant", "case__submitter", "case__assignee").only(...)``
    (a test compares them): the fields not read are deferred, so a template
    that reads another one costs a query, never a wrong text. Written as
    SQL because Django took ~0.6 ms of CPU to build that four-join query
    for every filing's task, more than the database spent on it."""
    alias = router.db_for_read(Case)
    sql, parts = _delivery_query(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [event_id])
        row = cursor.fetchone()
    if row is None:
        return None
    instances, start = [], 0
    for _table, model, selected in parts:
        values = row[start : start + len(selected)]
        start += len(selected)
        # values[0] is the id: None for a person the case does not have.
        instances.append(
            None if values[0] is None else _instance(model, selected, values, alias)
        )
    event, case, *people = instances
    for person, user in zip(DELIVERY_PEOPLE, people, strict=True):
        setattr(case, person, user)
    event.case = case
    return event


@functools.cache
def _members_query(alias: str):
    from portal.notifications.recipients import RECIPIENT_FIELDS

    quote = connections[alias].ops.quote_name
    selected = _selected(User, RECIPIENT_FIELDS, alias)
    user, membership = User._meta, StaffMembership._meta

    def column(meta, name):
        return quote(meta.get_field(name).column)

    sql = (
        f"SELECT {', '.join(f'u.{quote(f.column)}' for f, _c, _v in selected)} "
        f"FROM {quote(user.db_table)} u JOIN {quote(membership.db_table)} m "
        f"ON m.{column(membership, 'user')} = u.{quote(user.pk.column)} "
        f"WHERE m.{column(membership, 'department')} = %s "
        f"AND m.{column(membership, 'role')} = %s AND u.{column(user, 'is_active')} "
        f"ORDER BY u.{quote(user.pk.column)}"
    )
    return sql, selected


def staff_members(department_id, role) -> list:
    """The active staff of the department in the role (a StaffMembership
    role), by id, with only what delivery reads of them (RECIPIENT_FIELDS;
    the rest deferred). The same users as ``User.objects.filter(
    memberships__department_id=..., memberships__role=..., is_active=True)
    .only(*RECIPIENT_FIELDS).order_by("pk")`` (a test compares them), read by
    SQL written once per process: a busy unit's filing told its 32 clerks,
    and building that query cost more CPU than running it."""
    alias = router.db_for_read(User)
    sql, selected = _members_query(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [department_id, role])
        rows = cursor.fetchall()
    return [_instance(User, selected, row, alias) for row in rows]
