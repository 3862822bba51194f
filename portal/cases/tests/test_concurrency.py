"""Two clerks act on the same case at the same moment: exactly one wins.

Needs PostgreSQL (row locks with select_for_update); SQLite has no row locks.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from portal.cases import workflow
from portal.cases.models import Case, CaseStatus
from portal.cases.tests.factories import file_case

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locking needs PostgreSQL; set DATABASE_URL (CI does)",
    ),
]


def run_together(*calls):
    """Run each call in its own thread and database connection, released at
    the same moment; return (results, errors)."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def worker(call):
        try:
            barrier.wait()
            results.append(call())
        except ValidationError as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results, errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(5))
def test_two_clerks_accept_and_decline_at_once(category, people, round_):
    case = file_case(category, people["owner"])
    copy_a, copy_b = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    results, errors = run_together(
        lambda: workflow.accept_case(case=copy_a, actor=people["clerk"]),
        lambda: workflow.decline_case(case=copy_b, actor=people["clerk2"], reason="材料不符"),
    )
    assert len(results) == 1 and len(errors) == 1
    assert errors[0].messages == [str(workflow.ALREADY_HANDLED)]
    case.refresh_from_db()
    assert case.status in (CaseStatus.ACCEPTED, CaseStatus.DECLINED)
    assert case.events.count() == 2
    assert case.history.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_get_distinct_tracking_numbers(category, people):
    results, errors = run_together(
        *[lambda: file_case(category, people["owner"]) for _ in range(6)]
    )
    assert not errors
    numbers = [case.tracking_number for case in results]
    assert len(set(numbers)) == 6


@pytest.mark.django_db(transaction=True)
def test_first_filings_of_a_year_create_one_sequence_and_unique_numbers(
    category, people
):
    """Eight filings at once in a year whose sequence does not exist yet:
    one creates it, the others wait for it, every number is distinct, and
    the CaseSequence row is never locked or written on PostgreSQL."""
    import datetime

    import time_machine

    from portal.cases.models import CaseSequence
    from portal.cases.workflow.core import tracking_sequence_name

    name = tracking_sequence_name(2031)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SEQUENCE IF EXISTS {name}")
    CaseSequence.objects.create(year=2031, last=41)  # e.g. left by an import
    moment = datetime.datetime(2031, 5, 6, 10, 0, tzinfo=datetime.UTC)
    try:
        with time_machine.travel(moment):
            results, errors = run_together(
                *[lambda: file_case(category, people["owner"]) for _ in range(8)]
            )
        assert not errors
        numbers = sorted(case.tracking_number for case in results)
        assert numbers == [f"2031-{n:07d}" for n in range(42, 50)]
        assert CaseSequence.objects.get(year=2031).last == 41
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SEQUENCE IF EXISTS {name}")


@pytest.mark.django_db(transaction=True)
def test_sequence_continues_after_the_highest_number_of_the_year(category, people):
    """A sequence made after cases exist (e.g. dropped by an operator, or data
    loaded without a CaseSequence row) starts above the year's highest
    number, never handing out one that is taken."""
    from portal.cases.workflow.core import tracking_sequence_name

    first = file_case(category, people["owner"])
    year = int(first.tracking_number.split("-")[0])
    name = tracking_sequence_name(year)
    Case.objects.filter(pk=first.pk).update(tracking_number=f"{year}-0000500")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SEQUENCE IF EXISTS {name}")
    second = file_case(category, people["owner"])
    assert second.tracking_number == f"{year}-0000501"
