"""Reminders and escalation from the thresholds stored on the case: yellow
reminds the handlers, orange the leader too, red escalates as the category
says; each once per case, stage and level, written on the timeline by the
system user."""

import datetime

import pytest
import time_machine
from django.conf import settings

from portal.accounts.models import Department
from portal.accounts.tests.factories import make_clerk, make_department
from portal.cases import workflow
from portal.cases.models import CaseEvent
from portal.cases.tasks import scan_case_deadlines
from portal.cases.tests.factories import file_case, make_category
from portal.cases.workflow.overdue import OVERDUE_ESCALATED, REMINDER_TEXT
from portal.notifications import selectors, services
from portal.notifications.models import Notification, Reminder
from portal.notifications.recipients import HANDLER, LEADER
from portal.notifications.tests import texts

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


def at(moment):
    return time_machine.travel(moment + MINUTE, tick=False)


def remind(case, level):
    return services.send_reminder(
        case=case, level=level, stage_started_at=case.stage_started_at
    )


def recipients(case, **filters):
    return sorted(
        Notification.objects.filter(case=case, **filters).values_list(
            "recipient__username", flat=True
        )
    )


@pytest.fixture
def case(category, people):
    return file_case(category, people["owner"])


def test_yellow_reminds_the_department_clerks_when_nobody_is_assigned(
    case, run_on_commit
):
    with at(case.stage_yellow_at):
        reminder = run_on_commit(remind, case, "yellow")
    assert reminder.level == "yellow" and reminder.stage == "acceptance"
    assert recipients(case, kind="note") == ["clerk_housing", "clerk_housing2"]
    title = Notification.objects.filter(kind="note").first().title
    assert title == texts.title(case, kind="note", audience=HANDLER, reminder="yellow")


def test_yellow_reminds_the_assignee_only(case, run_on_commit, people):
    workflow.assign_case(case=case, actor=people["clerk"], assignee=people["clerk2"])
    with at(case.stage_yellow_at):
        run_on_commit(remind, case, "yellow")
    assert recipients(case, kind="note") == ["clerk_housing2"]


def test_orange_reminds_the_leader_too(case, run_on_commit):
    with at(case.stage_orange_at):
        run_on_commit(remind, case, "orange")
    assert recipients(case, kind="note") == [
        "clerk_housing",
        "clerk_housing2",
        "leader_housing",
    ]


def test_the_reminder_is_on_the_timeline_by_the_system_user(case, run_on_commit):
    with at(case.stage_orange_at):
        reminder = run_on_commit(remind, case, "orange")
    event = reminder.event
    assert event.kind == CaseEvent.Kind.NOTE
    assert not event.is_public
    assert event.actor.username == settings.SYSTEM_USERNAME
    assert event.data == {"reminder": "orange", "stage": "acceptance"}
    assert event.internal_note == texts.reminder_note(REMINDER_TEXT["orange"], case)
    history = case.history.latest("history_date")
    assert history.history_user.username == settings.SYSTEM_USERNAME
    # Internal: the applicant is told nothing.
    assert recipients(case, recipient__username="owner") == []


def test_each_level_happens_once_however_often_it_runs(case, run_on_commit):
    with at(case.stage_due_at):
        first = run_on_commit(remind, case, "red")
        again = run_on_commit(remind, case, "red")
        run_on_commit(scan_case_deadlines)
    assert first.pk == again.pk
    assert Reminder.objects.filter(case=case).count() == 1
    assert case.events.filter(kind="escalated").count() == 1


def test_the_scan_finds_what_is_due_from_the_database(category, people, run_on_commit):
    quiet = file_case(category, people["owner"], title="未到期")
    due = file_case(category, people["owner"], title="过半")
    with at(due.stage_yellow_at):
        assert selectors.due_reminders(now=due.stage_yellow_at + MINUTE) == [
            (quiet.pk, "yellow", quiet.stage_started_at),
            (due.pk, "yellow", due.stage_started_at),
        ]
        run_on_commit(scan_case_deadlines)
        assert selectors.due_reminders(now=due.stage_yellow_at + MINUTE) == []
    assert Reminder.objects.filter(level="yellow").count() == 2
    with at(due.stage_orange_at):
        assert [
            row[1] for row in selectors.due_reminders(now=due.stage_orange_at + MINUTE)
        ] == [
            "orange",
            "orange",
        ]


def test_the_scan_works_in_batches(category, people, run_on_commit):
    cases = [file_case(category, people["owner"], title=f"事项{i}") for i in range(5)]
    with at(cases[-1].stage_yellow_at):
        queued = run_on_commit(scan_case_deadlines, batch_size=2)
    assert queued == 5
    assert Reminder.objects.count() == 5


def test_a_case_first_seen_overdue_gets_the_red_step_only(case, run_on_commit):
    with at(case.stage_due_at):
        run_on_commit(scan_case_deadlines)
    assert list(Reminder.objects.values_list("level", flat=True)) == ["red"]


def test_nothing_when_the_stage_moved_on(case, people, run_on_commit):
    started = case.stage_started_at
    workflow.accept_case(case=case, actor=people["clerk"])
    with at(case.stage_due_at):
        result = services.send_reminder(
            case=case, level="red", stage_started_at=started
        )
    assert result is None
    assert not Reminder.objects.exists()


def test_nothing_when_an_extension_moved_the_threshold(case, people, run_on_commit):
    workflow.accept_case(case=case, actor=people["clerk"])
    old_due = case.stage_due_at
    workflow.extend_deadline(
        case=case, actor=people["leader"], amount=30, reason="需鉴定"
    )
    with at(old_due):
        assert remind(case, "red") is None
        # 15 working days plus 30 calendar days: not even half-way yet.
        assert selectors.due_reminders(now=old_due + MINUTE) == []
    assert not Reminder.objects.exists()


def test_no_reminders_while_waiting_for_the_applicant(case, people, run_on_commit):
    workflow.accept_case(case=case, actor=people["clerk"])
    workflow.resolve_case(
        case=case, actor=people["clerk"], outcome="solved", reply="已修"
    )
    later = case.resolved_at + datetime.timedelta(days=100)
    with at(later):
        assert selectors.due_reminders(now=later) == []
        assert remind(case, "red") is None


# --- red: escalation as the category says ----------------------------------


def test_red_escalates_to_the_supervising_department(district, people, run_on_commit):
    street_leader = make_clerk(district["street"], "leader_street", leader=True)
    category = make_category(district["community"], code="community-matter")
    case = file_case(category, people["owner"])
    assert workflow.escalation_target(case) == district["street"]
    expected_note = texts.reminder_note(OVERDUE_ESCALATED, case)
    with at(case.stage_due_at):
        reminder = run_on_commit(remind, case, "red")
    case.refresh_from_db()
    assert case.department == district["street"]
    event = reminder.event
    assert event.kind == CaseEvent.Kind.ESCALATED
    assert event.actor.username == settings.SYSTEM_USERNAME
    assert event.data["overdue"] is True
    assert event.internal_note == expected_note
    assert recipients(case, kind="escalated") == [
        "clerk_street",
        street_leader.username,
        "owner",
    ]
    title = Notification.objects.get(recipient=street_leader).title
    assert title == texts.title(case, kind="escalated", audience=LEADER, reminder="red")
    # The stage clock keeps running: no second escalation from the street.
    with at(case.stage_due_at):
        assert remind(case, "red").pk == reminder.pk
    assert case.events.filter(kind="escalated").count() == 1


def test_red_escalates_to_the_command_centre(district, category, people, run_on_commit):
    centre = make_department(
        "command", kind=Department.Kind.COMMAND_CENTRE, parent=district["district"]
    )
    make_clerk(centre, "command_clerk")
    category.overdue_escalation = "command_centre"
    category.save()
    case = file_case(category, people["owner"])
    assert workflow.escalation_target(case) == centre
    with at(case.stage_due_at):
        run_on_commit(remind, case, "red")
    case.refresh_from_db()
    assert case.department == centre
    assert "command_clerk" in recipients(case, kind="escalated")


def test_red_reminds_only_when_the_category_says_so(category, people, run_on_commit):
    category.overdue_escalation = "none"
    category.save()
    case = file_case(category, people["owner"])
    assert workflow.escalation_target(case) is None
    with at(case.stage_due_at):
        reminder = run_on_commit(remind, case, "red")
    assert reminder.event.kind == CaseEvent.Kind.NOTE
    expected_note = texts.reminder_note(REMINDER_TEXT["red"], case)
    assert reminder.event.internal_note == expected_note
    case.refresh_from_db()
    assert case.department.code == "housing"
    assert recipients(case, kind="note") == [
        "clerk_housing",
        "clerk_housing2",
        "leader_housing",
    ]


def test_red_reminds_when_there_is_nowhere_to_escalate(people):
    top = make_department("top", kind=Department.Kind.DISTRICT)
    category = make_category(top, code="top-matter")
    case = file_case(category, people["owner"])
    assert workflow.escalation_target(case) is None  # no parent
    category.overdue_escalation = "command_centre"
    category.save()
    case.category.refresh_from_db()
    assert workflow.escalation_target(case) is None  # no command centre


def test_system_escalation_refuses_a_stage_that_moved_on(case, people, district):
    started = case.stage_started_at
    workflow.accept_case(case=case, actor=people["clerk"])
    with at(case.stage_due_at), pytest.raises(workflow.WorkflowError) as error:
        workflow.system_escalate_overdue(
            case=case, to_department=district["district"], stage_started_at=started
        )
    assert error.value.messages == [str(workflow.STAGE_MOVED_ON)]


def test_a_lost_notification_of_a_reminder_is_made_on_the_next_run(case):
    # A run that committed its reminder and died before its notifications.
    with at(case.stage_yellow_at):
        reminder = remind(case, "yellow")  # on-commit callbacks never run here
        assert not Notification.objects.exists()
        assert remind(case, "yellow").pk == reminder.pk
    assert recipients(case, kind="note") == ["clerk_housing", "clerk_housing2"]


def test_the_scan_resends_events_whose_task_was_lost(case, run_on_commit):
    # The submission's notifications were never sent (no commit callback ran).
    assert not Notification.objects.exists()
    with time_machine.travel(case.submitted_at + datetime.timedelta(minutes=5)):
        run_on_commit(scan_case_deadlines)
    assert recipients(case, kind="submitted") == ["clerk_housing", "clerk_housing2"]


def test_the_command_stands_in_for_beat_in_the_embedded_mode(case):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    with at(case.stage_yellow_at):
        call_command("scan_deadlines", stdout=out)
    assert out.getvalue().strip() == "1 due reminders queued"
    assert Reminder.objects.filter(case=case, level="yellow").count() == 1
