"""The beat task of the Case core: find the stages that reached a warning
level and hand each case to its own task.

What is due is read from the database each time (the thresholds stored on
the case and the Reminder rows), never from anything beat remembers, so a
beat that restarts, runs twice or runs on two machines sends nothing twice:
each reminder is made once by the unique constraint behind
portal.notifications.services.send_reminder.
"""

from celery import shared_task
from django.utils import timezone

from portal.notifications import selectors, services
from portal.notifications.tasks import (
    deliver_event_notifications,
    send_case_reminder,
)

BATCH_SIZE = 500


@shared_task(name="cases.scan_deadlines")
def scan_case_deadlines(batch_size: int = BATCH_SIZE) -> int:
    """Queue one task per due (case, level), batch by batch in id order, and
    re-queue the timeline entries whose notifications were lost."""
    now, after, queued = timezone.now(), 0, 0
    while batch := selectors.due_reminders(now=now, after_pk=after, limit=batch_size):
        for case_id, level, stage_started_at in batch:
            send_case_reminder.delay(case_id, level, stage_started_at.isoformat())
        queued += len(batch)
        after = batch[-1][0]
    for event_id in services.undelivered_events(now=now).values_list("pk", flat=True):
        deliver_event_notifications.delay(event_id)
    return queued
