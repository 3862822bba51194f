"""SMS and e-mail copies are sent at least once, with an idempotency key the
backend gets: a process that dies between claiming a copy and recording it
sent leaves it to be sent again by the redelivered task or the beat sweep."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from portal.cases.tasks import scan_case_deadlines
from portal.cases.tests.factories import file_case
from portal.notifications import backends, services
from portal.notifications.models import DeliveredEvent, Delivery

pytestmark = pytest.mark.django_db

LOCMEM = "portal.notifications.backends.LocmemSmsBackend"


class Crash(BaseException):
    """The worker process dies here (not an error a backend reports)."""


class DiesBeforeSending(backends.BaseSmsBackend):
    def send_messages(self, messages):
        raise Crash


class DiesAfterSending(backends.BaseSmsBackend):
    def send_messages(self, messages):
        backends.outbox.extend(messages)
        raise Crash


def owner_with_mobile(people, email=""):
    owner = people["owner"]
    owner.mobile_verified, owner.email = True, email
    owner.save()
    return owner


def filed_for(people, category):
    """A proxy filing, not committed: its notifications are delivered by hand."""
    case = file_case(category, people["owner"], submitter=people["other_resident"])
    return case.events.get()


def later(minutes):
    return time_machine.travel(
        timezone.now() + datetime.timedelta(minutes=minutes), tick=False
    )


def test_the_backend_gets_the_copys_idempotency_key(
    run_on_commit, category, people, sms_outbox
):
    owner_with_mobile(people, email="owner@example.cn")
    run_on_commit(
        file_case, category, people["owner"], submitter=people["other_resident"]
    )
    sms = Delivery.objects.get(channel="sms")
    email = Delivery.objects.get(channel="email")
    assert [m.idempotency_key for m in sms_outbox] == [services.delivery_key(sms)]
    assert services.delivery_key(sms) == (
        f"yiwang-notification-{sms.notification_id}-sms"
    )
    message = mail.outbox[0].message()
    assert message["X-Idempotency-Key"] == services.delivery_key(email)
    assert message["Message-ID"].startswith(f"<{services.delivery_key(email)}@")


def test_a_copy_cut_short_before_sending_is_sent_later_once(
    settings, category, people, sms_outbox
):
    owner_with_mobile(people)
    event = filed_for(people, category)
    settings.SMS_BACKEND = f"{__name__}.DiesBeforeSending"
    with pytest.raises(Crash):
        services.deliver_event(event=event)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SENDING
    assert not DeliveredEvent.objects.exists()

    settings.SMS_BACKEND = LOCMEM
    # Redelivered at once: the claim is fresh (perhaps still being sent).
    services.deliver_event(event=event)
    assert sms_outbox == []
    assert not DeliveredEvent.objects.exists()
    with later(3):
        assert list(services.undelivered_events()) == [event]

    # The beat sweep, after the lease: the copy goes out, once.
    with later(11):
        scan_case_deadlines()
        scan_case_deadlines()
    assert [m.to for m in sms_outbox] == [people["owner"].mobile]
    assert sms_outbox[0].idempotency_key == services.delivery_key(delivery)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert DeliveredEvent.objects.filter(event=event).exists()


def test_a_copy_cut_short_after_sending_goes_again_with_the_same_key(
    settings, category, people, sms_outbox
):
    owner_with_mobile(people)
    event = filed_for(people, category)
    settings.SMS_BACKEND = f"{__name__}.DiesAfterSending"
    with pytest.raises(Crash):
        services.deliver_event(event=event)
    settings.SMS_BACKEND = LOCMEM
    with later(11):
        services.deliver_event(event=event)
    # At least once: the gateway got it twice, with one key to drop the repeat.
    assert len(sms_outbox) == 2
    assert len({m.idempotency_key for m in sms_outbox}) == 1
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_the_file_backend_writes_one_file_per_key(tmp_path):
    backend = backends.FileSmsBackend(file_path=tmp_path)
    message = backends.SmsMessage(
        to="13800000001",
        body="您的事项已受理。",
        idempotency_key="yiwang-notification-7-sms",
    )
    assert backend.send_messages([message]) == 1
    assert backend.send_messages([message]) == 1
    (written,) = tmp_path.iterdir()
    assert written.name == "yiwang-notification-7-sms.sms"
    text = written.read_text(encoding="utf-8")
    assert "\nIdempotency-Key: yiwang-notification-7-sms\n" in text
    assert text.endswith("\n\n您的事项已受理。\n")


def test_a_refused_copy_is_final(settings, category, people, sms_outbox):
    """What the gateway refused is recorded as failed, not retried; the event
    counts as delivered (the inbox message stands)."""
    owner_with_mobile(people)
    event = filed_for(people, category)
    settings.SMS_BACKEND = "portal.notifications.tests.test_channels.BrokenSms"
    services.deliver_event(event=event)
    assert Delivery.objects.get().status == Delivery.Status.FAILED
    assert DeliveredEvent.objects.filter(event=event).exists()
