"""Celery tasks of the notifications app: each fetches by id and calls a
service. All run with late acknowledgement (settings): a worker that dies
mid-task leaves the message to be delivered again, and the services make a
second run add nothing."""

import datetime

from celery import shared_task

from portal.cases.models import Case
from portal.notifications import selectors, services


@shared_task(name="notifications.deliver_event")
def deliver_event_notifications(event_id: int) -> int:
    event = selectors.event_for_delivery(event_id)
    if event is None:
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
