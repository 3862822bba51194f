"""What delivering a timeline entry costs: the same queries however many
people it concerns, and, with no SMS or e-mail copy to send, one transaction
for the inbox messages and the "delivered" mark (a filing's notifications
run in the request when Celery runs eagerly)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.accounts.tests.factories import make_clerk
from portal.cases.tests.factories import file_case
from portal.notifications import services
from portal.notifications.models import DeliveredEvent, Notification
from portal.notifications.tasks import deliver_event_notifications

pytestmark = pytest.mark.django_db


def _deliver(event):
    with CaptureQueriesContext(connection) as queries:
        services.deliver_event(event=event)
    return [q["sql"] for q in queries.captured_queries]


def test_delivery_without_copies_is_one_transaction_of_constant_size(
    district, people, category
):
    first = file_case(category, people["owner"]).events.get()
    few = _deliver(first)
    assert set(
        Notification.objects.filter(event=first).values_list("recipient", flat=True)
    ) == {people["clerk"].pk, people["clerk2"].pk}
    assert DeliveredEvent.objects.filter(event=first).exists()

    for index in range(4):
        make_clerk(district["housing"], f"clerk_housing_more{index}")
    second = file_case(category, people["owner"]).events.get()
    many = _deliver(second)
    assert Notification.objects.filter(event=second).count() == 6
    assert DeliveredEvent.objects.filter(event=second).exists()
    assert len(many) == len(few)
    # Inside the test's transaction the one atomic block is one savepoint.
    assert sum("SAVEPOINT" in sql and "RELEASE" not in sql for sql in many) <= 1


def test_delivering_twice_adds_nothing(people, category):
    event = file_case(category, people["owner"]).events.get()
    services.deliver_event(event=event)
    services.deliver_event(event=event)
    assert Notification.objects.filter(event=event).count() == 2
    assert DeliveredEvent.objects.filter(event=event).count() == 1


def test_texts_are_rendered_once_per_audience(monkeypatch, people, category):
    """The clerks of a unit get the same title and body: rendered once."""
    rendered = []
    render = services._render

    def counted(name, context):
        rendered.append(name)
        return render(name, context)

    monkeypatch.setattr(services, "_render", counted)
    event = file_case(category, people["owner"]).events.get()
    services.deliver_event(event=event)
    messages = Notification.objects.filter(event=event)
    assert messages.count() == 2
    assert len({(n.title, n.body, n.link) for n in messages}) == 1
    assert sorted(rendered) == ["notifications/body.txt", "notifications/title.txt"]


def test_the_task_reads_the_entry_and_its_people_then_writes_once(
    district, people, category
):
    """No copy to send (the clerks have no e-mail address or verified mobile):
    the task reads the entry (with the case and its people) and the
    recipients, then writes the messages and the "delivered" mark in one
    statement on PostgreSQL (two in one transaction elsewhere), whether 2 or
    12 clerks hear of it; the texts read nothing more."""
    counts = []
    for extra in (0, 10):
        for index in range(extra):
            make_clerk(district["housing"], f"clerk_housing_extra{index}")
        event = file_case(category, people["owner"]).events.get()
        with CaptureQueriesContext(connection) as queries:
            deliver_event_notifications(event.pk)
        sqls = [q["sql"] for q in queries.captured_queries]
        writes = [s for s in sqls if s.startswith(("INSERT", "WITH"))]
        if connection.vendor == "postgresql":
            assert len(sqls) == 3
            assert len(writes) == 1
        else:
            assert len(writes) == 2
        assert not any(
            "notifications_notification" in s for s in sqls if s.startswith("SELECT")
        )
        assert DeliveredEvent.objects.filter(event=event).exists()
        messages = Notification.objects.filter(event=event)
        assert messages.count() == 2 + extra
        assert {n.title for n in messages} == {
            f"新办件 {event.case.tracking_number} 待受理"
        }
        counts.append(len(sqls))
    assert counts[0] == counts[1]


def test_a_clerk_with_an_address_still_gets_the_copy(
    district, people, category, sms_outbox
):
    """The one-statement path is only for deliveries with nothing to send."""
    clerk = people["clerk"]
    clerk.mobile, clerk.mobile_verified = "13800000001", True
    clerk.save()
    event = file_case(category, people["owner"]).events.get()
    deliver_event_notifications(event.pk)
    assert [m.to for m in sms_outbox] == ["13800000001"]
    assert Notification.objects.filter(event=event).count() == 2
    assert DeliveredEvent.objects.filter(event=event).exists()
