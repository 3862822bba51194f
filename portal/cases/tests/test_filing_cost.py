"""What filing a matter costs: the same queries however many clerks hear of
it, and, on PostgreSQL, the case, its first timeline entry and both history
rows written by one statement that writes what the ORM's four saves write."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.accounts.tests.factories import make_clerk
from portal.cases import workflow
from portal.cases.models import Case, CaseEvent
from portal.cases.workflow import core, intake
from portal.notifications.models import DeliveredEvent, Notification

pytestmark = pytest.mark.django_db


def _file(client, category, title, on_commit):
    """File through the site and run what waits for the commit (the
    notification task, eager here as in the embedded mode), counting the
    queries of both."""
    with CaptureQueriesContext(connection) as queries:
        with on_commit(execute=True):
            response = client.post(
                reverse("catalogue:file", args=[category.code]),
                {"title": title, "description": "天花板漏水一周。"},
            )
    assert response.status_code == 302, response.content[:500]
    return Case.objects.get(title=title), len(queries)


def test_a_filing_makes_the_same_queries_for_2_or_12_recipients(
    client, people, category, district, django_capture_on_commit_callbacks
):
    client.force_login(people["owner"])
    # The first filing of the session also reads the holiday calendar and
    # starts the year's tracking numbers: not what is measured.
    _file(client, category, "二楼楼道漏水", django_capture_on_commit_callbacks)
    first, few = _file(
        client, category, "三楼楼道漏水", django_capture_on_commit_callbacks
    )
    for index in range(10):
        make_clerk(district["housing"], f"clerk_housing_more{index}")
    second, many = _file(
        client, category, "四楼楼道漏水", django_capture_on_commit_callbacks
    )
    # The unit's clerks (the applicant filed it: nobody hears of their own
    # step): two, then twelve.
    assert Notification.objects.filter(case=first).count() == 2
    assert Notification.objects.filter(case=second).count() == 12
    assert DeliveredEvent.objects.filter(event__case=second).exists()
    assert many == few
    # Request: user, category and its time limits, tracking number, the
    # insert; task: the entry, its recipients, the inbox write (savepoints
    # of the test's transaction and SQLite's separate writes on top).
    assert few <= (11 if connection.vendor == "postgresql" else 18)


def _orm_insert(case, *, actor, kind, now):
    return core._save(case, actor=actor, kind=kind, from_status="", now=now)


def _rows(case):
    """Every column of the case, its entry and both history rows, but the
    ids, the tracking number and the history row's own time."""
    event = case.events.get()
    history = case.history.get()
    event_history = event.history.get()
    skip = {"id", "tracking_number", "case"}
    return {
        "case": {k: v for k, v in model_to_dict(case).items() if k not in skip},
        "case_columns": {
            f.attname: getattr(case, f.attname)
            for f in Case._meta.concrete_fields
            if f.name not in skip
        },
        "event": {
            f.attname: getattr(event, f.attname)
            for f in CaseEvent._meta.concrete_fields
            if f.name not in skip
        },
        "history": {
            f.attname: getattr(history, f.attname)
            for f in history._meta.concrete_fields
            if f.name not in skip | {"history_id", "history_date"}
        },
        "event_history": {
            f.attname: getattr(event_history, f.attname)
            for f in event_history._meta.concrete_fields
            if f.name not in skip | {"history_id", "history_date"}
        },
        "history_points_at": (history.id == case.pk, event_history.id == event.pk),
        "event_history_case": event_history.case_id == case.pk,
    }


def _submit(category, resident):
    return workflow.submit_case(
        category=category,
        submitter=resident,
        title="三楼楼道漏水",
        description="天花板漏水一周。",
        details={},
    )


def test_filing_writes_the_rows_the_orm_writes(people, category, monkeypatch):
    frozen = timezone.make_aware(datetime.datetime(2026, 9, 29, 10, 0))
    with time_machine.travel(frozen, tick=False):
        fast = _submit(category, people["owner"])
        monkeypatch.setattr(intake, "_insert_new", _orm_insert)
        orm = _submit(category, people["owner"])
    fast.refresh_from_db()
    orm.refresh_from_db()
    assert _rows(fast) == _rows(orm)
    assert _rows(fast)["history_points_at"] == (True, True)
    history = fast.history.get()
    assert history.history_user == people["owner"]
    assert history.history_type == "+"
    assert str(history.history_change_reason) == str(CaseEvent.Kind.SUBMITTED.label)
    # The stage clock (the holiday calendar's due time) as the ORM path set it.
    assert fast.stage_due_at == orm.stage_due_at is not None
    assert (fast.version, fast.status) == (1, "submitted")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the one-statement insert is PostgreSQL's"
)
def test_on_postgresql_the_four_rows_are_one_statement(people, category):
    with CaptureQueriesContext(connection) as queries:
        workflow.submit_case(
            category=category, submitter=people["owner"], title="漏水", details={}
        )
    inserts = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    assert len(inserts) == 1
    assert inserts[0].startswith("WITH c AS (INSERT INTO cases_case")
