"""Whistle-and-report tells the people it concerns, through the notification
services (inbox, SMS and e-mail), after commit: the summoned departments when
the whistle is blown and before their two hours run out, a department's
leaders when it lands on the negative list, the street when every department
has reported. Celery runs eagerly here; the real-worker tests are in
portal/notifications/tests/test_worker.py."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from grid.whistle import services, tasks
from grid.whistle.models import NegativeListEntry
from grid.whistle.tests.factories import blow, report
from portal.notifications.models import Delivery, Notification
from portal.notifications.recipients import HANDLER, LEADER
from portal.notifications.tests.texts import rendered

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(*args):
    return time_machine.travel(datetime.datetime(*args, tzinfo=SH), tick=False)


def inbox(case, action):
    """Who got the whistle message `action` on this case, by username."""
    return sorted(
        n.recipient.username
        for n in Notification.objects.filter(case=case, kind="note").select_related(
            "recipient", "event"
        )
        if services_action(n.event.data) == action
    )


def services_action(data):
    whistle = (data or {}).get("whistle") or {}
    if whistle.get("action") == "reported":
        return "all_reported" if whistle.get("all_reported") else "reported"
    return whistle.get("action")


def title(case, action, audience=HANDLER):
    return rendered(
        "notifications/title.txt",
        case=case,
        kind="note",
        audience=audience,
        whistle_action=action,
    )


@pytest.fixture
def blown(run_on_commit, district, whistle_people, street_case):
    p = whistle_people
    with at(2026, 5, 12, 22, 10):
        return run_on_commit(
            blow,
            street_case,
            actor=p["street_clerk"],
            secretary=p["secretary"],
            departments=[district["housing"], p["urban"]],
        )


def test_blowing_summons_the_departments_clerks_and_leaders(
    blown,
    whistle_people,
    sms_outbox,
):
    case = blown.case
    assert inbox(case, "blown") == [
        "clerk_housing",
        "clerk_housing2",
        "clerk_urban",
        "leader_housing",
    ]
    clerk_note = Notification.objects.get(recipient=whistle_people["clerk"])
    assert clerk_note.title == title(case, "blown")
    assert case.tracking_number in clerk_note.title
    assert clerk_note.link == reverse("whistle:detail", args=[blown.pk])
    assert blown.reason in clerk_note.body
    # The body names the report deadline, two clock hours after the whistle.
    assert "2026-05-13 00:10" in clerk_note.body
    leader_note = Notification.objects.get(recipient=whistle_people["leader"])
    assert leader_note.title == title(case, "blown", LEADER)
    # Neither the blower, the secretary, other departments nor the resident.
    assert not Notification.objects.filter(
        recipient__in=[
            whistle_people[who]
            for who in ("street_clerk", "secretary", "other_clerk", "resident")
        ]
    ).exists()


def test_the_summons_goes_out_by_sms_too(
    run_on_commit,
    district,
    whistle_people,
    street_case,
    sms_outbox,
):
    leader = whistle_people["leader"]
    leader.mobile, leader.mobile_verified = "13900000009", True
    leader.save()
    run_on_commit(
        blow,
        street_case,
        actor=whistle_people["street_clerk"],
        secretary=whistle_people["secretary"],
        departments=[district["housing"]],
    )
    assert [m.to for m in sms_outbox] == ["13900000009"]
    notification = Notification.objects.get(recipient=leader)
    assert sms_outbox[0].body == rendered(
        "notifications/sms.txt", notification=notification
    )
    assert Delivery.objects.get(notification=notification).status == "sent"


def test_nothing_is_sent_if_the_whistle_is_not_committed(
    district, whistle_people, street_case
):
    blow(
        street_case,
        actor=whistle_people["street_clerk"],
        secretary=whistle_people["secretary"],
        departments=[district["housing"]],
    )
    assert not Notification.objects.exists()


def test_the_departments_not_yet_reported_are_reminded_once(
    run_on_commit,
    blown,
    whistle_people,
):
    case = blown.case
    housing = blown.summonses.get(department__code="housing")
    with at(2026, 5, 12, 23, 0):
        run_on_commit(report, housing, actor=whistle_people["clerk"])
        # Too early: more than 30 minutes are left.
        assert run_on_commit(tasks.remind_whistles.delay).get() == 0
    with at(2026, 5, 12, 23, 45):
        assert run_on_commit(tasks.remind_whistles.delay).get() == 1
        assert run_on_commit(services.whistle_reminder_scan) == 0
    assert inbox(case, "reminder") == ["clerk_urban"]
    note = Notification.objects.get(
        recipient=whistle_people["urban_clerk"], title=title(case, "reminder")
    )
    assert "2026-05-13 00:10" in note.body
    blown.refresh_from_db()
    assert blown.reminded_at is not None
    assert blown.history.first().history_user.username == "system"


def test_no_reminder_when_everyone_reported(run_on_commit, blown, whistle_people):
    with at(2026, 5, 12, 23, 0):
        for summons, who in zip(
            blown.summonses.order_by("department__code"),
            ("clerk", "urban_clerk"),
            strict=True,
        ):
            run_on_commit(report, summons, actor=whistle_people[who])
    with at(2026, 5, 12, 23, 50):
        assert run_on_commit(services.whistle_reminder_scan) == 0
    assert inbox(blown.case, "reminder") == []


def test_the_leader_hears_when_his_department_lands_on_the_negative_list(
    run_on_commit,
    blown,
    whistle_people,
):
    case = blown.case
    with at(2026, 5, 12, 23, 0):
        run_on_commit(
            report,
            blown.summonses.get(department__code="housing"),
            actor=whistle_people["clerk"],
        )
    with at(2026, 5, 13, 0, 15):
        assert run_on_commit(tasks.scan_negative_list.delay).get() == 1
        assert run_on_commit(services.negative_list_scan) == 0
    entry = NegativeListEntry.objects.get()
    assert entry.department == whistle_people["urban"]
    # The urban bureau has no leader, so its clerk is told; housing nobody.
    assert inbox(case, "negative_list") == ["clerk_urban"]
    note = Notification.objects.get(
        recipient=whistle_people["urban_clerk"],
        title=title(case, "negative_list", LEADER),
    )
    assert note.link == reverse("whistle:detail", args=[blown.pk])
    timeline = case.events.filter(data__whistle__action="negative_list").get()
    assert timeline.actor.username == "system" and not timeline.is_public


def test_a_department_with_a_leader_tells_only_the_leader(
    run_on_commit,
    blown,
    whistle_people,
):
    with at(2026, 5, 12, 23, 0):
        run_on_commit(
            report,
            blown.summonses.get(department__code="urban"),
            actor=whistle_people["urban_clerk"],
        )
    with at(2026, 5, 13, 1, 0):
        run_on_commit(services.negative_list_scan)
    assert inbox(blown.case, "negative_list") == ["leader_housing"]


def test_the_street_hears_when_every_department_has_reported(
    run_on_commit,
    blown,
    whistle_people,
):
    case = blown.case
    housing, urban = blown.summonses.order_by("department__code")
    with at(2026, 5, 12, 23, 0):
        run_on_commit(report, housing, actor=whistle_people["clerk"])
        assert inbox(case, "all_reported") == []
        run_on_commit(report, urban, actor=whistle_people["urban_clerk"])
    assert inbox(case, "all_reported") == ["clerk_street", "secretary_street"]
    note = Notification.objects.get(
        recipient=whistle_people["secretary"], title=title(case, "all_reported", LEADER)
    )
    assert note.link == reverse("whistle:detail", args=[blown.pk])
    # A report that does not complete the whistle tells nobody.
    assert inbox(case, "reported") == []
