"""Celery tasks of the notifications app: each fetches by id and calls a
service. All run with late acknowledgement (settings): a worker that dies
mid-task leaves the message to be delivered again, and the services make a
second run add nothing."""

import datetime

from celery import shared_task

from portal.cases.models import Case, CaseEvent
from portal.notifications import services
from portal.notifications.recipients import RECIPIENT_FIELDS

# What delivery reads (services.build_notifications and its templates,
# recipients.event_recipients): the whole entry, the case's number, title,
# due time and people, and of each person what RECIPIENT_FIELDS names.
# Selecting and loading all 104 columns of the four rows (and all of the 32
# clerks' columns in recipients._members) took the task 4.6 ms of CPU per
# filing instead of 4.0 (100k, interleaved, 4 rounds of 60). A template that
# reads another field of the case costs a query, never a wrong text.
EVENT_FIELDS = (
    *(f.name for f in CaseEvent._meta.concrete_fields if not f.primary_key),
    "case__tracking_number",
    "case__title",
    "case__stage_due_at",
    "case__department",
    *(
        f"case__{person}__{field}"
        for person in ("applicant", "submitter", "assignee")
        for field in RECIPIENT_FIELDS
    ),
)


@shared_task(name="notifications.deliver_event")
def deliver_event_notifications(event_id: int) -> int:
    # get(), not filter().first(): first() orders by pk, and Django spends
    # longer comparing that ORDER BY with the 104 selected columns than
    # building the rest of the query (about 1 ms of a filing's CPU time).
    try:
        event = (
            CaseEvent.objects.select_related(
                "case", "case__applicant", "case__submitter", "case__assignee"
            )
            .only(*EVENT_FIELDS)
            .get(pk=event_id)
        )
    except CaseEvent.DoesNotExist:
        return 0
    return len(services.deliver_event(event=event))


@shared_task(name="notifications.send_reminder")
def send_case_reminder(case_id: int, level: str, stage_started_at: str) -> bool:
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        return False
    reminder = services.send_reminder(
        case=case,
        level=level,
        stage_started_at=datetime.datetime.fromisoformat(stage_started_at),
    )
    return reminder is not None
