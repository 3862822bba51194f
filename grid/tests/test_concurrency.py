"""A phone retrying on a bad network sends the same report several times at
once: one event, whichever request wins. Needs PostgreSQL (real concurrent
transactions); SQLite serialises writers."""

import threading

import pytest
from django.db import connection, connections

from grid import services
from grid.models import GridEvent
from portal.cases.models import Case

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent transactions need PostgreSQL; set DATABASE_URL (CI does)",
    ),
]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_retries_create_one_event(people, grids, category):
    barrier = threading.Barrier(4)
    results, errors = [], []

    def send():
        try:
            barrier.wait()
            results.append(
                services.event_report(
                    reporter=people["worker"],
                    grid=grids["a"],
                    category=category,
                    description="消防栓漏水",
                    latitude="34.2",
                    longitude="117.2",
                    idempotency_key="retry-storm",
                )
            )
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert len({event.pk for event, _created in results}) == 1
    assert sorted(created for _event, created in results) == [False, False, False, True]
    assert GridEvent.objects.count() == 1 and Case.objects.count() == 1
