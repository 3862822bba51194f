"""State changes of the notifications app: delivering a timeline entry to
the people it concerns, sending the SMS and e-mail copies, the deadline
reminders, reading the inbox and choosing channels.

Everything here may run more than once for the same input (a task redelivered
after a worker died): the unique constraints on Notification(recipient,
event), Delivery(notification, channel) and Reminder(case, stage_started_at,
level) make the second run add nothing.

What is guaranteed for SMS and e-mail copies: at least once, with an
idempotency key. The Delivery row is the claim, committed before the copy is
sent; it says "sent" or "failed" once the backend has answered. A process
that dies in between leaves it "sending": deliver_event then leaves the
event out of DeliveredEvent, so the redelivered task or the beat sweep
(undelivered_events) runs it again, and once the claim is older than
SEND_LEASE the copy is sent again, with the same idempotency key
(delivery_key). Had the first attempt reached the gateway, the copy arrives
twice unless the gateway honours the key (the file backend does: one file
per key). A copy the backend refused is "failed", with the error, and is not
retried: the inbox message stands.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from portal.cases import workflow
from portal.cases.models import Case, CaseEvent
from portal.notifications.backends import SmsMessage, get_sms_backend
from portal.notifications.models import (
    DeliveredEvent,
    Delivery,
    Notification,
    NotificationPreference,
    Reminder,
)
from portal.notifications.recipients import (
    APPLICANT,
    Recipient,
    event_recipients,
)

logger = logging.getLogger(__name__)

# --- after commit: hand the event to a task -------------------------------


def notify_event(event_id: int) -> None:
    """Called by the workflow on commit of every timeline entry. Queues the
    delivery task (runs it at once in the embedded mode). Never raises: the
    case change is committed already; if the broker is down, the beat task
    finds the undelivered entry later (undelivered_events)."""
    from portal.notifications.tasks import deliver_event_notifications

    try:
        deliver_event_notifications.delay(event_id)
    except Exception:  # the broker or a backend; the sweep retries
        logger.exception("could not queue notifications for case event %s", event_id)


# --- delivering one event --------------------------------------------------


def _whistle(event: CaseEvent) -> dict:
    """The whistle part of an entry's data (grid.whistle.services), or {}."""
    whistle = (event.data or {}).get("whistle")
    return (
        whistle
        if event.kind == CaseEvent.Kind.NOTE and isinstance(whistle, dict)
        else {}
    )


def _whistle_action(whistle: dict) -> str:
    """Which whistle text a message gets: blown, reminder, negative_list,
    all_reported, or "" for whistle entries nobody is told of."""
    action = whistle.get("action", "")
    if action == "reported":
        return "all_reported" if whistle.get("all_reported") else ""
    return action


def _link(event: CaseEvent, audience: str) -> str:
    case = event.case
    if audience == APPLICANT:
        return case.get_absolute_url()
    whistle = _whistle(event)
    try:
        if whistle.get("id"):
            return reverse("whistle:detail", args=[whistle["id"]])
        return reverse("admin:cases_case_change", args=[case.pk])
    except NoReverseMatch:
        return case.get_absolute_url()


def _render(template: str, context: dict) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(template, context).strip()


def _due(case: Case, whistle: dict):
    """The time limit a staff message names: the whistle's report due time
    for a summons or its reminder, none for other whistle entries, else the
    case's running stage."""
    if whistle:
        if whistle.get("due") and _whistle_action(whistle) in ("blown", "reminder"):
            return timezone.localtime(datetime.datetime.fromisoformat(whistle["due"]))
        return None
    return timezone.localtime(case.stage_due_at) if case.stage_due_at else None


def _message_context(event: CaseEvent, audience: str) -> dict:
    case = event.case
    data = event.data or {}
    whistle = _whistle(event)
    return {
        "case": case,
        "event": event,
        "kind": event.kind,
        "audience": audience,
        "reminder": data.get("reminder", ""),
        "whistle_action": _whistle_action(whistle),
        "due": _due(case, whistle),
        # Internal text only to staff: the applicant sees the public message.
        "note": "" if audience == APPLICANT else event.internal_note,
    }


def build_notifications(
    event: CaseEvent, recipients: list[Recipient]
) -> list[Notification]:
    """One inbox message per recipient. Its title, body and link depend on
    the entry and the recipient's audience only (every message is written in
    the site's language), so they are rendered once per audience: a filing
    told to the 32 clerks of the bench's busiest unit rendered the two
    templates 32 times each, three quarters of the filing's CPU time."""
    texts: dict[str, tuple[str, str, str]] = {}
    built = []
    for recipient in recipients:
        audience = recipient.audience
        if audience not in texts:
            context = _message_context(event, audience)
            texts[audience] = (
                _render("notifications/title.txt", context)[:200],
                _render("notifications/body.txt", context),
                _link(event, audience),
            )
        title, body, link = texts[audience]
        built.append(
            # Ids, not instances: bulk_create then has no related object to
            # check on each of the (often 32) messages.
            Notification(
                recipient_id=recipient.user.pk,
                case_id=event.case_id,
                event_id=event.pk,
                kind=event.kind,
                title=title,
                body=body,
                link=link,
                created_at=event.created_at,
            )
        )
    return built


def _wants_copies(user) -> bool:
    """Whether a copy might go to this person: the SQL filter of
    deliver_event's copy query, read from the row already loaded."""
    return bool(user.email) or bool(user.mobile_verified)


INBOX_COLUMNS = (
    "recipient_id",
    "case_id",
    "event_id",
    "kind",
    "title",
    "body",
    "link",
    "created_at",
)


# The SQL types of INBOX_COLUMNS but created_at, for PostgreSQL's unnest.
INBOX_ARRAY_TYPES = ("bigint", "bigint", "bigint", "text", "text", "text", "text")


def _inbox_insert(built: list[Notification], created) -> tuple[str, list]:
    """The INSERT of the messages (a message already there is left alone).

    On PostgreSQL one array per column through unnest: the statement's text
    is the same for any number of messages, so psycopg parses it once per
    process. A VALUES row per message (a busy unit's filing has 32, 258
    parameters) was beyond psycopg's statement cache (50 parameters) and its
    placeholders were parsed again by a regular expression on every
    delivery: 0.52 ms of the task's CPU against 0.15-0.25 for the arrays.
    Elsewhere (SQLite) a VALUES row per message."""
    opts = Notification._meta
    columns = ", ".join(opts.get_field(name).column for name in INBOX_COLUMNS)
    values = [
        [n.recipient_id, n.case_id, n.event_id, n.kind, n.title, n.body, n.link]
        for n in built
    ]
    conflict = "ON CONFLICT DO NOTHING"
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{sql_type}[]" for sql_type in INBOX_ARRAY_TYPES)
        insert = (
            f"INSERT INTO {opts.db_table} ({columns}) SELECT messages.*, %s"
            f" FROM unnest({arrays}) AS messages {conflict}"
        )
        return insert, [created, *(list(column) for column in zip(*values))]
    row = f"({', '.join(['%s'] * len(INBOX_COLUMNS))})"
    insert = (
        f"INSERT INTO {opts.db_table} ({columns}) VALUES"
        f" {', '.join([row] * len(values))} {conflict}"
    )
    return insert, [param for message in values for param in (*message, created)]


def _write_inbox(event: CaseEvent, built: list[Notification], *, delivered: bool):
    """Insert the messages (_inbox_insert), and with delivered=True the
    event's "delivered" mark, committed together.

    One hand-written INSERT instead of bulk_create, which prepared each of
    the 8 values of each of the 32 messages of a busy unit's filing field by
    field. On PostgreSQL the mark goes into the same statement (a
    data-modifying WITH), so the usual delivery is one statement and one
    commit instead of BEGIN, the insert, a query for copies, a query for
    unfinished copies, the mark and COMMIT; elsewhere the two writes run in
    one transaction. With deliver_event's skipped copy query: the task
    7.6-9.2 -> 4.8-5.5 ms of CPU, 6 -> 3 queries (a filing at 100k, HEAD's
    and this code interleaved, 3 rounds of 40)."""
    created = connection.ops.adapt_datetimefield_value(event.created_at)
    insert, params = _inbox_insert(built, created) if built else ("", [])
    mark = (
        f"INSERT INTO {DeliveredEvent._meta.db_table} (event_id, delivered_at) "
        "VALUES (%s, %s) ON CONFLICT DO NOTHING"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        if delivered and built and connection.vendor == "postgresql":
            cursor.execute(f"WITH inbox AS ({insert}) {mark}", [*params, event.pk, now])
            return
        with transaction.atomic():
            if built:
                cursor.execute(insert, params)
            if delivered:
                cursor.execute(mark, [event.pk, now])


def deliver_event(*, event: CaseEvent) -> list[Notification]:
    """Write the inbox messages of one timeline entry (once per person, however
    often this runs) and send the SMS and e-mail copies not sent yet. Returns
    the messages as built by this run (their ids are not read back)."""
    recipients = event_recipients(event)
    built = build_notifications(event, recipients)
    if not any(_wants_copies(r.user) for r in recipients):
        # The usual case (a filing's clerks have neither an e-mail address nor
        # a verified mobile): nothing to send, so the messages and the
        # "delivered" mark are one statement, with no query for copies. A
        # copy claimed by an earlier run for someone no longer concerned is
        # not sent any more.
        _write_inbox(event, built, delivered=True)
        return built
    _write_inbox(event, built, delivered=False)
    # The event's messages (this run's and any earlier run's) whose
    # recipient may want a copy: SQL keeps only those with an e-mail address
    # or a verified mobile.
    with_copies = [
        n
        for n in Notification.objects.filter(event=event)
        .filter(~Q(recipient__email="") | Q(recipient__mobile_verified=True))
        # Not the case: no copy's text reads it.
        .select_related("recipient", "recipient__notification_preference")
        .order_by("pk")
        if channels_for(n.recipient)
    ]
    # Each copy's claim commits before it is sent (see the docstring).
    for notification in with_copies:
        send_copies(notification=notification)
    _mark_delivered(event)
    return built


def _mark_delivered(event: CaseEvent) -> None:
    """Take the event out of the sweep, unless a copy is still "sending"
    (another run's, or one whose sender died): that keeps it in the sweep
    until it is sent (see the module docstring). Idempotent."""
    unfinished = Delivery.objects.filter(
        notification__event=event, status=Delivery.Status.SENDING
    )
    if not unfinished.exists():
        DeliveredEvent.objects.bulk_create(
            [DeliveredEvent(event=event, delivered_at=timezone.now())],
            ignore_conflicts=True,
        )


def undelivered_events(
    *, now: datetime.datetime | None = None, window_hours: int = 24, scan: int = 20000
):
    """Timeline entries older than two minutes (time enough for their own
    task) and younger than a day whose notifications were never written.
    Only the newest `scan` entries are looked at, found by primary key, so
    the sweep costs the same at a million entries."""
    now = now or timezone.now()
    newest = CaseEvent.objects.aggregate(newest=Max("pk"))["newest"] or 0
    return (
        CaseEvent.objects.filter(
            pk__gt=newest - scan,
            created_at__lt=now - datetime.timedelta(minutes=2),
            created_at__gte=now - datetime.timedelta(hours=window_hours),
        )
        .filter(~Exists(DeliveredEvent.objects.filter(event_id=OuterRef("pk"))))
        .order_by("pk")
    )


# --- SMS and e-mail copies -------------------------------------------------


def preference_for(user) -> NotificationPreference:
    """The stored preference, or the default (both channels on) unsaved."""
    try:
        return user.notification_preference
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)


def channels_for(user) -> dict[str, str]:
    """The extra channels a user gets, with the address: SMS only to a
    verified mobile number, e-mail only to a stored address."""
    preference = preference_for(user)
    channels = {}
    if preference.sms and user.mobile and user.mobile_verified:
        channels[Delivery.Channel.SMS] = user.mobile
    if preference.email and user.email:
        channels[Delivery.Channel.EMAIL] = user.email
    return channels


# How long a claimed copy may stay "sending" before another run takes it
# over: far longer than any backend call, so a slow send is not repeated.
SEND_LEASE = datetime.timedelta(minutes=10)


def delivery_key(delivery: Delivery) -> str:
    """The idempotency key of one copy: the same for every attempt at it."""
    return f"yiwang-notification-{delivery.notification_id}-{delivery.channel}"


def _claim(notification, channel, address) -> Delivery | None:
    """Insert the delivery row; whoever inserts it sends the copy. A row left
    "sending" for longer than SEND_LEASE (its sender died) is taken over by
    one run: created_at, the claim's time, moves only where it still holds
    the value this run read."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return Delivery.objects.create(
                notification=notification,
                channel=channel,
                address=address,
                created_at=now,
            )
    except IntegrityError:
        pass
    stale = Delivery.objects.filter(
        notification=notification,
        channel=channel,
        status=Delivery.Status.SENDING,
        created_at__lt=now - SEND_LEASE,
    ).first()
    if stale is None:
        return None
    taken = Delivery.objects.filter(
        pk=stale.pk, status=Delivery.Status.SENDING, created_at=stale.created_at
    ).update(created_at=now)
    if not taken:
        return None  # another run took it over first
    stale.created_at = now
    return stale


def _send(delivery: Delivery, notification: Notification) -> None:
    context = {"notification": notification, "site_name": "Yiwang"}
    key = delivery_key(delivery)
    if delivery.channel == Delivery.Channel.SMS:
        body = _render("notifications/sms.txt", context)
        get_sms_backend().send_messages(
            [SmsMessage(to=delivery.address, body=body, idempotency_key=key)]
        )
    else:
        EmailMessage(
            subject=_render("notifications/email_subject.txt", context).replace(
                "\n", " "
            ),
            body=_render("notifications/email_body.txt", context),
            to=[delivery.address],
            # The same Message-ID on a repeat lets mail systems drop it.
            headers={"Message-ID": f"<{key}@{DNS_NAME}>", "X-Idempotency-Key": key},
        ).send()


def send_copies(*, notification: Notification) -> list[Delivery]:
    """Send the SMS and e-mail copies the recipient wants, each at least once
    and normally once (see the module docstring). A failure is recorded on the
    delivery; the inbox message stands."""
    done = []
    for channel, address in channels_for(notification.recipient).items():
        delivery = _claim(notification, channel, address)
        if delivery is None:
            continue
        try:
            _send(delivery, notification)
        except Exception as error:  # a gateway's failure must not stop the rest
            logger.exception("sending %s for notification %s", channel, notification.pk)
            delivery.status, delivery.error = Delivery.Status.FAILED, str(error)[:1000]
        else:
            delivery.status, delivery.sent_at = Delivery.Status.SENT, timezone.now()
        delivery.save(update_fields=["status", "error", "sent_at"])
        done.append(delivery)
    return done


# --- deadline reminders and overdue escalation -----------------------------


def send_reminder(
    *, case: Case, level: str, stage_started_at: datetime.datetime
) -> Reminder | None:
    """Remind (yellow, orange) or escalate (red) once for this case, stage and
    level. The Reminder row and the timeline entry commit together; a second
    run, concurrent or later, fails on the unique constraint and only makes
    sure the entry's notifications are out. None if the stage moved on."""
    try:
        with transaction.atomic():
            case = (
                Case.objects.select_for_update()
                .select_related("category")  # not department: a join on a column a
                # concurrent escalation changes makes PostgreSQL drop the row on recheck
                .get(pk=case.pk)
            )
            if case.stage_started_at != stage_started_at:
                return None
            try:
                with transaction.atomic():
                    reminder = Reminder.objects.create(
                        case=case,
                        stage=case.stage,
                        stage_started_at=stage_started_at,
                        level=level,
                        sent_at=timezone.now(),
                    )
            except IntegrityError:
                reminder = None
            if reminder is not None:
                target = workflow.escalation_target(case) if level == "red" else None
                if target is not None:
                    event = workflow.system_escalate_overdue(
                        case=case,
                        to_department=target,
                        stage_started_at=stage_started_at,
                        level=level,
                    )
                else:
                    event = workflow.system_remind(
                        case=case, level=level, stage_started_at=stage_started_at
                    )
                reminder.event = event
                reminder.save(update_fields=["event"])
                return reminder
    except workflow.WorkflowError:
        return None  # closed or moved on meanwhile: nothing is due any more
    # Done before, perhaps by a run that died after its commit: make sure the
    # notifications of its entry are out (idempotent).
    reminder = Reminder.objects.get(
        case=case, stage_started_at=stage_started_at, level=level
    )
    if (
        reminder.event_id
        and not DeliveredEvent.objects.filter(event_id=reminder.event_id).exists()
    ):
        deliver_event(event=reminder.event)
    return reminder


# --- the inbox -------------------------------------------------------------


def notification_mark_read(*, notification: Notification, user) -> Notification:
    if notification.recipient_id != user.pk:
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def preference_update(*, user, sms: bool, email: bool) -> NotificationPreference:
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"sms": sms, "email": email}
    )
    user.notification_preference = preference  # what this instance reads next
    return preference
