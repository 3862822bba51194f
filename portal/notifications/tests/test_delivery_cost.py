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
