"""Several runs of the same reminder at the same moment make it once.

Needs PostgreSQL: concurrent transactions that really overlap (SQLite
serialises the whole database)."""

import threading

import pytest
import time_machine
from django.db import connection, connections

from portal.cases.models import Case, CaseEvent
from portal.cases.tests.factories import file_case
from portal.notifications import services
from portal.notifications.models import Notification, Reminder

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="overlapping transactions need PostgreSQL; set DATABASE_URL (CI does)",
    ),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("level", ["yellow", "red"])
def test_eight_simultaneous_runs_make_one_reminder(category, people, level):
    case = file_case(category, people["owner"])
    moment = case.stage_yellow_at if level == "yellow" else case.stage_due_at
    started = case.stage_started_at
    barrier = threading.Barrier(8)
    results, errors = [], []

    def run():
        try:
            copy = Case.objects.get(pk=case.pk)
            barrier.wait()
            results.append(
                services.send_reminder(case=copy, level=level, stage_started_at=started)
            )
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    with time_machine.travel(moment, tick=True):
        threads = [threading.Thread(target=run) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert errors == []
    assert len({r.pk for r in results}) == 1
    assert Reminder.objects.filter(case=case).count() == 1
    kind = CaseEvent.Kind.NOTE if level == "yellow" else CaseEvent.Kind.ESCALATED
    assert case.events.filter(kind=kind).count() == 1
    reminder = Reminder.objects.get()
    recipients = list(
        Notification.objects.filter(event=reminder.event).values_list(
            "recipient_id", flat=True
        )
    )
    assert recipients and len(recipients) == len(set(recipients))
