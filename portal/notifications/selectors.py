"""Reads of the notifications app: the inbox, unread counts, and which
reminders are due (computed from the thresholds stored on each case, never
from anything beat remembers)."""

import datetime

from django.db import connections, router
from django.db.models import Case as When_
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value, When

from portal.cases.models import OPEN_STATUSES, Case
from portal.cases.workflow import REMINDED_STAGES
from portal.notifications.models import Notification, Reminder


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
    with connection.cursor() as cursor:
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
