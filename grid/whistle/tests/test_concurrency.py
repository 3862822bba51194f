"""Beat running the whistle scans twice at once (two beats, a retried task):
one reminder per whistle, one "all reported" message. Needs PostgreSQL (real
concurrent transactions); SQLite serialises writers."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone

from grid.whistle import services
from grid.whistle.tests.factories import blow, report
from portal.cases.models import CaseEvent

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent transactions need PostgreSQL; set DATABASE_URL (CI does)",
    ),
]


def at_once(calls):
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    return results


def whistle_entries(case, action):
    return [
        e
        for e in CaseEvent.objects.filter(case=case, kind="note")
        if (e.data.get("whistle") or {}).get("action") == action
    ]


@pytest.mark.django_db(transaction=True)
def test_parallel_reminder_scans_remind_once(district, whistle_people, street_case):
    whistle = blow(
        street_case,
        actor=whistle_people["street_clerk"],
        secretary=whistle_people["secretary"],
        departments=[district["housing"], whistle_people["urban"]],
    )
    soon = timezone.now() + datetime.timedelta(minutes=100)
    with time_machine.travel(soon, tick=False):
        results = at_once([services.whistle_reminder_scan] * 4)
    assert sorted(results) == [0, 0, 0, 1]
    assert len(whistle_entries(whistle.case, "reminder")) == 1


@pytest.mark.django_db(transaction=True)
def test_the_last_two_reports_at_once_complete_the_whistle_once(
    district, whistle_people, street_case
):
    whistle = blow(
        street_case,
        actor=whistle_people["street_clerk"],
        secretary=whistle_people["secretary"],
        departments=[district["housing"], whistle_people["urban"]],
    )
    housing, urban = whistle.summonses.order_by("department__code")
    at_once(
        [
            lambda: report(housing, actor=whistle_people["clerk"]),
            lambda: report(urban, actor=whistle_people["urban_clerk"]),
        ]
    )
    reported = whistle_entries(whistle.case, "reported")
    assert len(reported) == 2
    assert sorted(e.data["whistle"]["all_reported"] for e in reported) == [
        False,
        True,
    ]
