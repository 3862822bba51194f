import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction

from grid.whistle import services, tasks
from grid.whistle.models import (
    NegativeListEntry,
    ReportState,
    Whistle,
    WhistleSummons,
)
from grid.whistle.tests.factories import blow, close, file_street_case, report
from portal.cases import policies as case_policies
from portal.cases.models import CaseEvent, HolidayCalendar
from portal.cases.selectors import visible_cases

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(*args):
    return time_machine.travel(datetime.datetime(*args, tzinfo=SH), tick=False)


def error_text(error) -> list[str]:
    return [str(message) for message in error.value.messages]


# --- blowing the whistle ----------------------------------------------------


def test_street_clerk_blows_with_the_secretarys_approval(
    district, whistle_people, street_case
):
    p = whistle_people
    with at(2026, 5, 12, 9, 30):
        whistle = blow(
            street_case,
            actor=p["street_clerk"],
            secretary=p["secretary"],
            departments=[district["housing"], p["urban"]],
        )
    assert whistle.street == district["street"]
    assert whistle.blown_by == p["street_clerk"]
    assert whistle.approved_by == p["secretary"]
    assert whistle.approved_at == datetime.datetime(2026, 5, 12, 9, 30, tzinfo=SH)
    assert whistle.committee_notified_at == whistle.blown_at
    summonses = list(whistle.summonses.order_by("department__code"))
    assert [s.department for s in summonses] == [district["housing"], p["urban"]]
    assert {s.due_at for s in summonses} == {
        datetime.datetime(2026, 5, 12, 11, 30, tzinfo=SH)
    }
    # The summoned departments may now see the matter; others still may not.
    assert case_policies.can_view(p["clerk"], street_case)
    assert case_policies.can_view(p["urban_clerk"], street_case)
    assert not case_policies.can_view(p["other_clerk"], street_case)
    # ... but only see, not handle it.
    assert not case_policies.can_handle(p["clerk"], street_case)
    note = street_case.events.get(kind=CaseEvent.Kind.NOTE)
    assert not note.is_public
    assert note.data["whistle"] == {
        "id": whistle.pk,
        "action": "blown",
        "departments": [district["housing"].pk, p["urban"].pk],
        "due": "2026-05-12T03:30:00+00:00",
    }
    assert note.internal_note.endswith("\n" + whistle.reason)
    assert whistle.history.first().history_user == p["street_clerk"]


def test_secretary_may_blow_and_approve_at_once(district, whistle_people, street_case):
    p = whistle_people
    whistle = blow(
        street_case,
        actor=p["secretary"],
        secretary=p["secretary"],
        departments=[district["housing"]],
    )
    assert whistle.approved_by == whistle.blown_by == p["secretary"]


def test_functional_department_clerk_cannot_blow(district, whistle_people, street_case):
    p = whistle_people
    # Even one who can see the matter through a co-handling grant.
    with pytest.raises(services.WhistleError) as error:
        blow(
            street_case,
            actor=p["clerk"],
            secretary=p["secretary"],
            departments=[p["urban"]],
        )
    assert error_text(error) == [str(services.NOT_A_STREET)]
    with pytest.raises(services.WhistleError) as error:
        blow(
            street_case,
            actor=p["clerk"],
            secretary=p["secretary"],
            departments=[p["urban"]],
            street=district["street"],
        )
    assert error_text(error) == [str(services.NOT_ALLOWED)]
    assert not Whistle.objects.exists()


def test_community_clerk_and_other_street_cannot_blow(
    district, whistle_people, street_case
):
    p = whistle_people
    with pytest.raises(services.WhistleError) as error:
        blow(
            street_case,
            actor=p["community_clerk"],
            secretary=p["secretary"],
            departments=[p["urban"]],
        )
    assert error_text(error) == [str(services.NOT_A_STREET)]
    with pytest.raises(services.WhistleError) as error:
        blow(
            street_case,
            actor=p["other_street_clerk"],
            secretary=p["other_street_leader"],
            departments=[p["urban"]],
        )
    assert error_text(error) == [str(services.NOT_ALLOWED)]
    assert not Whistle.objects.exists()


@pytest.mark.parametrize(
    "approver", [None, "street_clerk", "leader", "other_street_leader"]
)
def test_the_approval_is_required_and_must_be_the_streets_leader(
    district, whistle_people, street_case, approver
):
    p = whistle_people
    with pytest.raises(services.WhistleError) as error:
        blow(
            street_case,
            actor=p["street_clerk"],
            secretary=p[approver] if approver else None,
            departments=[p["urban"]],
        )
    assert error_text(error) == [str(services.APPROVAL_REQUIRED)]
    assert not Whistle.objects.exists()


def test_approval_cannot_be_dated_in_the_future(district, whistle_people, street_case):
    p = whistle_people
    with at(2026, 5, 12, 9, 30), pytest.raises(services.WhistleError) as error:
        services.whistle_blow(
            case=street_case,
            actor=p["street_clerk"],
            departments=[p["urban"]],
            reason="联合处置",
            approved_by=p["secretary"],
            approved_at=datetime.datetime(2026, 5, 12, 10, 0, tzinfo=SH),
        )
    assert error_text(error) == [str(services.APPROVAL_IN_FUTURE)]


def test_reason_and_departments_are_required(district, whistle_people, street_case):
    p = whistle_people
    with pytest.raises(services.WhistleError) as error:
        services.whistle_blow(
            case=street_case,
            actor=p["street_clerk"],
            departments=[],
            reason=" ",
            approved_by=p["secretary"],
        )
    assert error.value.message_dict == {
        "reason": [str(services.REASON_REQUIRED)],
        "departments": [str(services.DEPARTMENTS_REQUIRED)],
    }


def test_the_street_itself_and_the_committee_cannot_be_summoned(
    district, whistle_people, street_case
):
    p = whistle_people
    for department in (district["street"], district["community"]):
        with pytest.raises(services.WhistleError) as error:
            blow(
                street_case,
                actor=p["street_clerk"],
                secretary=p["secretary"],
                departments=[department],
            )
        assert error.value.code == "bad_department"


def test_one_matter_one_whistle(district, whistle_people, street_case):
    p = whistle_people
    first = blow(
        street_case,
        actor=p["street_clerk"],
        secretary=p["secretary"],
        departments=[district["housing"]],
    )
    with pytest.raises(services.WhistleError) as error:
        blow(
            street_case,
            actor=p["secretary"],
            secretary=p["secretary"],
            departments=[p["urban"]],
        )
    assert error_text(error) == [str(services.ALREADY_BLOWN)]
    # The database holds the rule too, even for a closed (struck-off) whistle.
    with pytest.raises(IntegrityError), transaction.atomic():
        Whistle.objects.create(
            case=street_case,
            street=first.street,
            reason="again",
            blown_by=first.blown_by,
            blown_at=first.blown_at,
            approved_by=first.approved_by,
            approved_at=first.approved_at,
            committee_notified_at=first.blown_at,
        )
    assert Whistle.objects.count() == 1


def test_no_whistle_on_a_closed_matter(district, whistle_people, street_case):
    p = whistle_people
    close(street_case, handler=p["street_clerk"], applicant=p["resident"])
    with pytest.raises(services.WhistleError) as error:
        blow(
            street_case,
            actor=p["street_clerk"],
            secretary=p["secretary"],
            departments=[p["urban"]],
        )
    assert error_text(error) == [str(services.CASE_CLOSED)]


# --- reporting across a night and a holiday ---------------------------------


@pytest.fixture
def national_day():
    for day in range(1, 8):
        HolidayCalendar.objects.create(
            date=datetime.date(2026, 10, day), kind="holiday", name="国庆节"
        )


@pytest.fixture
def night_whistle(district, whistle_people, street_case, national_day):
    """Blown at 23:00 on the eve of National Day."""
    p = whistle_people
    with at(2026, 9, 30, 23, 0):
        return blow(
            street_case,
            actor=p["street_clerk"],
            secretary=p["secretary"],
            departments=[district["housing"], p["urban"]],
        )


def _summons(whistle, department):
    return whistle.summonses.get(department=department)


def test_report_due_two_clock_hours_later_through_the_night_and_holiday(
    district, night_whistle
):
    summons = _summons(night_whistle, district["housing"])
    # Wall clock: the night and the holiday do not stop the two hours.
    assert summons.due_at == datetime.datetime(2026, 10, 1, 1, 0, tzinfo=SH)
    with at(2026, 10, 1, 0, 59):
        assert summons.report_state() == ReportState.PENDING
    with at(2026, 10, 1, 1, 1):
        assert summons.report_state() == ReportState.MISSING


def test_report_on_time_in_the_night(district, whistle_people, night_whistle):
    p = whistle_people
    summons = _summons(night_whistle, district["housing"])
    with at(2026, 10, 1, 0, 40):
        report(summons, actor=p["clerk2"])
    summons.refresh_from_db()
    assert summons.reported_at == datetime.datetime(2026, 10, 1, 0, 40, tzinfo=SH)
    assert summons.reported_by == p["clerk2"]
    assert summons.task == "现场核查并依职责处置"
    assert summons.task_due_at == datetime.datetime(2026, 10, 4, 0, 40, tzinfo=SH)
    assert summons.report_state() == ReportState.ON_TIME
    with at(2026, 10, 1, 2, 0):
        assert services.negative_list_scan() == 1  # only urban, which is missing
    assert not NegativeListEntry.objects.filter(summons=summons).exists()


def test_late_report_is_recorded_as_late_and_listed(
    district, whistle_people, night_whistle
):
    p = whistle_people
    summons = _summons(night_whistle, p["urban"])
    with at(2026, 10, 1, 1, 30):
        report(summons, actor=p["urban_clerk"])
    summons.refresh_from_db()
    assert summons.report_state() == ReportState.LATE
    with at(2026, 10, 1, 1, 35):
        services.negative_list_scan()
    entry = NegativeListEntry.objects.get(summons=summons)
    assert entry.reason == NegativeListEntry.Reason.NO_REPORT_IN_TIME
    assert entry.due_at == datetime.datetime(2026, 10, 1, 1, 0, tzinfo=SH)
    assert entry.year == 2026
    assert entry.department == p["urban"]


def test_only_staff_of_the_summoned_department_report(
    district, whistle_people, night_whistle
):
    p = whistle_people
    summons = _summons(night_whistle, district["housing"])
    for outsider in (p["other_clerk"], p["street_clerk"], p["committee"], p["owner"]):
        with at(2026, 10, 1, 0, 10), pytest.raises(services.WhistleError) as error:
            report(summons, actor=outsider)
        assert error_text(error) == [str(services.NOT_ALLOWED)]
    with at(2026, 10, 1, 0, 10):
        report(summons, actor=p["clerk"])
    with at(2026, 10, 1, 0, 20), pytest.raises(services.WhistleError) as error:
        report(summons, actor=p["clerk2"])
    assert error.value.code == "already_reported"


def test_report_needs_a_task_with_a_future_due_date(
    district, whistle_people, night_whistle
):
    p = whistle_people
    summons = _summons(night_whistle, district["housing"])
    with at(2026, 10, 1, 0, 10), pytest.raises(services.WhistleError) as error:
        services.whistle_report(
            summons=summons,
            actor=p["clerk"],
            task="",
            task_due_at=datetime.datetime(2026, 10, 1, 0, 0, tzinfo=SH),
        )
    assert error.value.message_dict == {
        "task": [str(services.TASK_REQUIRED)],
        "task_due_at": [str(services.TASK_DUE_PASSED)],
    }
    summons.refresh_from_db()
    assert summons.reported_at is None


# --- the negative list --------------------------------------------------------


def test_negative_list_entries_are_made_once_however_often_the_scan_runs(
    district, whistle_people, night_whistle
):
    p = whistle_people
    housing = _summons(night_whistle, district["housing"])
    with at(2026, 10, 1, 0, 30):
        report(housing, actor=p["clerk"], days=1)  # task due 2026-10-02 00:30
    with at(2026, 10, 1, 1, 5):
        assert services.negative_list_scan() == 1  # urban: no report
        assert services.negative_list_scan() == 0
        assert tasks.scan_negative_list.delay().get() == 0
    with at(2026, 10, 3, 9, 0):
        assert services.negative_list_scan() == 1  # housing: task overdue
        for _ in range(3):
            assert tasks.scan_negative_list.delay().get() == 0
    entries = {
        (entry.department.code, entry.reason, entry.due_at)
        for entry in NegativeListEntry.objects.select_related("department")
    }
    assert entries == {
        ("urban", "no_report_in_time", datetime.datetime(2026, 10, 1, 1, 0, tzinfo=SH)),
        ("housing", "task_overdue", datetime.datetime(2026, 10, 2, 0, 30, tzinfo=SH)),
    }
    # The database refuses a second entry for the same summons and reason.
    entry = NegativeListEntry.objects.get(reason="task_overdue")
    with pytest.raises(IntegrityError), transaction.atomic():
        NegativeListEntry.objects.create(
            summons=entry.summons,
            department=entry.department,
            reason=entry.reason,
            due_at=entry.due_at,
            year=entry.year,
            recorded_at=entry.recorded_at,
        )


def test_task_done_in_time_keeps_a_department_off_the_list(
    district, whistle_people, night_whistle
):
    p = whistle_people
    housing = _summons(night_whistle, district["housing"])
    with at(2026, 10, 1, 0, 30):
        report(housing, actor=p["clerk"], days=1)
    with at(2026, 10, 1, 18, 0):
        services.whistle_task_done(summons=housing, actor=p["clerk2"])
    with at(2026, 10, 5, 0, 0):
        services.negative_list_scan()
    assert not NegativeListEntry.objects.filter(summons=housing).exists()
    with pytest.raises(services.WhistleError) as error:
        services.whistle_task_done(summons=housing, actor=p["clerk"])
    assert error.value.code == "task_done"


def test_task_done_late_is_listed(district, whistle_people, night_whistle):
    p = whistle_people
    housing = _summons(night_whistle, district["housing"])
    with at(2026, 10, 1, 0, 30):
        report(housing, actor=p["clerk"], days=1)
    with at(2026, 10, 2, 8, 0):
        services.whistle_task_done(summons=housing, actor=p["clerk"])
        services.negative_list_scan()
    assert NegativeListEntry.objects.filter(
        summons=housing, reason="task_overdue"
    ).exists()


def test_whistle_struck_off_before_the_deadline_lists_nobody(
    district, whistle_people, street_case
):
    p = whistle_people
    with at(2026, 6, 1, 9, 0):
        whistle = blow(
            street_case,
            actor=p["street_clerk"],
            secretary=p["secretary"],
            departments=[p["urban"]],
        )
    with at(2026, 6, 1, 10, 0):
        close(street_case, handler=p["street_clerk"], applicant=p["resident"])
        services.whistle_strike_off(whistle=whistle, actor=p["street_clerk"])
    with at(2026, 6, 1, 12, 0):
        assert services.negative_list_scan() == 0


# --- striking off -------------------------------------------------------------


def test_strike_off_refused_while_the_matter_is_open(
    district, whistle_people, street_case
):
    p = whistle_people
    whistle = blow(
        street_case,
        actor=p["street_clerk"],
        secretary=p["secretary"],
        departments=[p["urban"]],
    )
    with pytest.raises(services.WhistleError) as error:
        services.whistle_strike_off(whistle=whistle, actor=p["street_clerk"])
    assert error.value.code == "still_open"
    # A reply awaiting the applicant is not the end of the matter.
    case = street_case
    from portal.cases import workflow

    case = workflow.resolve_case(
        case=case, actor=p["street_clerk"], outcome="solved", reply="已处置。"
    )
    with pytest.raises(services.WhistleError) as error:
        services.whistle_strike_off(whistle=whistle, actor=p["street_clerk"])
    assert error.value.code == "still_open"
    assert tasks.strike_off_closed_whistles.delay().get() == 0
    whistle.refresh_from_db()
    assert whistle.struck_off_at is None


def test_strike_off_when_closed_by_hand(district, whistle_people, street_case):
    p = whistle_people
    whistle = blow(
        street_case,
        actor=p["street_clerk"],
        secretary=p["secretary"],
        departments=[p["urban"]],
    )
    close(street_case, handler=p["street_clerk"], applicant=p["resident"])
    with pytest.raises(services.WhistleError) as error:
        services.whistle_strike_off(whistle=whistle, actor=p["urban_clerk"])
    assert error.value.code == "not_allowed"
    with at(2026, 7, 1, 10, 0):
        services.whistle_strike_off(whistle=whistle, actor=p["street_clerk"])
    whistle.refresh_from_db()
    assert whistle.struck_off_at == datetime.datetime(2026, 7, 1, 10, 0, tzinfo=SH)
    assert whistle.struck_off_by == p["street_clerk"]
    with pytest.raises(services.WhistleError) as error:
        services.whistle_strike_off(whistle=whistle, actor=p["street_clerk"])
    assert error.value.code == "already_struck_off"
    # A struck-off whistle takes no more reports.
    with pytest.raises(services.WhistleError) as error:
        report(whistle.summonses.get(), actor=p["urban_clerk"])
    assert error.value.code == "struck_off"


def test_periodic_task_strikes_off_closed_matters_once(
    district, whistle_people, street_case, community_category
):
    p = whistle_people
    other = file_street_case(
        community_category,
        applicant=p["resident"],
        handler=p["street_clerk"],
        title="另一件事",
    )
    closed = blow(
        street_case,
        actor=p["street_clerk"],
        secretary=p["secretary"],
        departments=[p["urban"]],
    )
    still_open = blow(
        other,
        actor=p["street_clerk"],
        secretary=p["secretary"],
        departments=[p["urban"]],
    )
    close(street_case, handler=p["street_clerk"], applicant=p["resident"])
    assert tasks.strike_off_closed_whistles.delay().get() == 1
    assert tasks.strike_off_closed_whistles.delay().get() == 0
    closed.refresh_from_db()
    still_open.refresh_from_db()
    assert closed.struck_off_at is not None
    assert closed.struck_off_by.username == "system"
    assert still_open.struck_off_at is None
    assert (
        street_case.events.filter(kind=CaseEvent.Kind.NOTE, is_public=False).count()
        == 2
    )


def test_withdrawn_matter_is_struck_off_too(district, whistle_people, street_case):
    from portal.cases import workflow

    p = whistle_people
    whistle = blow(
        street_case,
        actor=p["street_clerk"],
        secretary=p["secretary"],
        departments=[p["urban"]],
    )
    workflow.withdraw_case(case=street_case, actor=p["resident"], reason="已自行解决")
    assert services.strike_off_closed_whistles() == 1
    whistle.refresh_from_db()
    assert whistle.is_struck_off


# --- the committee's filing ---------------------------------------------------


def test_committee_acknowledges_the_filing_once(district, whistle_people, street_case):
    p = whistle_people
    whistle = blow(
        street_case,
        actor=p["street_clerk"],
        secretary=p["secretary"],
        departments=[p["urban"]],
    )
    with pytest.raises(services.WhistleError):
        services.whistle_acknowledge_filing(whistle=whistle, actor=p["street_clerk"])
    with at(2026, 5, 12, 10, 0):
        services.whistle_acknowledge_filing(whistle=whistle, actor=p["committee"])
    assert whistle.committee_acknowledged_by == p["committee"]
    assert whistle.committee_acknowledged_at == datetime.datetime(
        2026, 5, 12, 10, 0, tzinfo=SH
    )
    with pytest.raises(services.WhistleError) as error:
        services.whistle_acknowledge_filing(whistle=whistle, actor=p["committee"])
    assert error.value.code == "already_acknowledged"


def test_summons_rows_have_history(district, whistle_people, street_case):
    p = whistle_people
    whistle = blow(
        street_case,
        actor=p["street_clerk"],
        secretary=p["secretary"],
        departments=[p["urban"]],
    )
    summons = report(whistle.summonses.get(), actor=p["urban_clerk"])
    assert [h.history_user for h in summons.history.order_by("history_date")] == [
        p["street_clerk"],
        p["urban_clerk"],
    ]
    assert visible_cases(p["urban_clerk"]).filter(pk=street_case.pk).exists()
    assert WhistleSummons.objects.count() == 1
