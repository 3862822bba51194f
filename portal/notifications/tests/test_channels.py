"""SMS and e-mail copies: the person's choice, a verified mobile for SMS,
each copy once, and the pluggable SMS backends."""

import pytest
from django.core import mail

from portal.cases.tests.factories import file_case
from portal.notifications import backends, services
from portal.notifications.models import Delivery, Notification
from portal.notifications.recipients import APPLICANT
from portal.notifications.tests import texts

pytestmark = pytest.mark.django_db


def make_resident(people, *, verified, email="owner@example.cn"):
    owner = people["owner"]
    owner.mobile_verified = verified
    owner.email = email
    owner.save()
    return owner


def proxy_filing(run_on_commit, category, people):
    """A case filed for the owner by someone else, so the owner is told."""
    return run_on_commit(
        file_case, category, people["owner"], submitter=people["other_resident"]
    )


def test_verified_mobile_gets_sms_and_email_by_default(
    run_on_commit, category, people, sms_outbox
):
    owner = make_resident(people, verified=True)
    proxy_filing(run_on_commit, category, people)
    note = Notification.objects.get(recipient=owner)
    assert note.title == texts.title(note.case, kind="submitted", audience=APPLICANT)
    assert [m.to for m in sms_outbox] == [owner.mobile]
    assert sms_outbox[0].body == texts.rendered(
        "notifications/sms.txt", notification=note
    )
    assert [m.to for m in mail.outbox] == [["owner@example.cn"]]
    assert mail.outbox[0].subject == texts.rendered(
        "notifications/email_subject.txt", notification=note
    )
    deliveries = Delivery.objects.filter(notification__recipient=owner)
    assert sorted(deliveries.values_list("channel", "status")) == [
        ("email", "sent"),
        ("sms", "sent"),
    ]


def test_unverified_mobile_gets_in_site_messages_only(
    run_on_commit, category, people, sms_outbox
):
    owner = make_resident(people, verified=False, email="")
    proxy_filing(run_on_commit, category, people)
    assert Notification.objects.filter(recipient=owner).count() == 1
    assert sms_outbox == []
    assert mail.outbox == []
    assert services.channels_for(owner) == {}


def test_the_resident_chooses_the_channels(run_on_commit, category, people, sms_outbox):
    owner = make_resident(people, verified=True)
    services.preference_update(user=owner, sms=False, email=True)
    proxy_filing(run_on_commit, category, people)
    assert sms_outbox == []
    assert [m.to for m in mail.outbox] == [[owner.email]]
    services.preference_update(user=owner, sms=False, email=False)
    assert services.channels_for(owner) == {}
    # In-site is always on.
    assert Notification.objects.filter(recipient=owner).count() == 1


def test_staff_choose_too(run_on_commit, category, people, sms_outbox):
    clerk = people["clerk"]
    clerk.mobile, clerk.mobile_verified, clerk.email = "13900000001", True, "c@gov.cn"
    clerk.save()
    services.preference_update(user=clerk, sms=True, email=False)
    run_on_commit(file_case, category, people["owner"])
    assert [m.to for m in sms_outbox] == ["13900000001"]
    assert mail.outbox == []


def test_each_copy_is_sent_once_however_often_delivery_runs(
    run_on_commit, category, people, sms_outbox
):
    make_resident(people, verified=True)
    case = proxy_filing(run_on_commit, category, people)
    event = case.events.get()
    services.deliver_event(event=event)
    services.deliver_event(event=event)
    assert len(sms_outbox) == 1
    assert len(mail.outbox) == 1


def test_a_failing_gateway_is_recorded_and_the_inbox_message_stands(
    run_on_commit, category, people, settings
):
    settings.SMS_BACKEND = "portal.notifications.tests.test_channels.BrokenSms"
    owner = make_resident(people, verified=True, email="")
    proxy_filing(run_on_commit, category, people)
    delivery = Delivery.objects.get(notification__recipient=owner)
    assert (delivery.channel, delivery.status) == ("sms", "failed")
    assert "gateway down" in delivery.error
    assert Notification.objects.filter(recipient=owner).count() == 1


class BrokenSms(backends.BaseSmsBackend):
    def send_messages(self, messages):
        raise ConnectionError("gateway down")


def test_file_sms_backend_writes_one_file_per_message(tmp_path, settings):
    settings.SMS_BACKEND = "portal.notifications.backends.FileSmsBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    sent = backends.get_sms_backend().send_messages(
        [
            backends.SmsMessage(to="13800000001", body="您的事项已受理。"),
            backends.SmsMessage(to="13800000002", body="请补正材料。"),
        ]
    )
    assert sent == 2
    files = sorted((tmp_path / "sms").iterdir())
    assert len(files) == 2
    texts = sorted(f.read_text(encoding="utf-8") for f in files)
    assert texts[0].startswith("To: 13800000001\n")
    assert texts[0].endswith("\n\n您的事项已受理。\n")


def test_file_sms_backend_fail_silently(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    backend = backends.FileSmsBackend(file_path=blocker, fail_silently=True)
    assert backend.send_messages([backends.SmsMessage(to="1", body="x")]) == 0
    with pytest.raises(OSError):
        backends.FileSmsBackend(file_path=blocker).send_messages(
            [backends.SmsMessage(to="1", body="x")]
        )


def test_a_provider_is_one_class_and_one_setting(settings):
    settings.SMS_BACKEND = "portal.notifications.backends.LocmemSmsBackend"
    assert isinstance(backends.get_sms_backend(), backends.LocmemSmsBackend)
    assert backends.send_sms("13800000003", "测试") == 1
    assert backends.outbox[-1] == backends.SmsMessage("13800000003", "测试")
    with pytest.raises(NotImplementedError):
        backends.BaseSmsBackend().send_messages([])
