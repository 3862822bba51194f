"""A leader's open, overdue and due-this-week counts on the admin index, on
real dates around National Day 2026 (holidays Oct 1-7, make-up workdays Sun
Sep 20 and Sat Oct 10), and a clerk's own open count."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from portal.accounts.services import get_system_user
from portal.cases import dashboard, workflow
from portal.cases.calendar_seed import seed_holiday_calendar
from portal.cases.deadlines import CHINA_TZ
from portal.cases.models import Outcome
from portal.cases.tests.factories import file_case, make_category


def at(month, day, hour=9):
    return datetime.datetime(2026, month, day, hour, tzinfo=CHINA_TZ)


@pytest.fixture
def calendar(db):
    seed_holiday_calendar(years=range(2026, 2027), actor=get_system_user())


@pytest.fixture
def cases(calendar, category, district, people):
    clerk, owner = people["clerk"], people["owner"]
    market = make_category(district["market"], code="market-complaint", name="消费投诉")
    made = {}
    with time_machine.travel(at(9, 21), tick=False):
        # Acceptance due Mon Sep 28: overdue by Oct 8.
        made["overdue"] = file_case(category, owner, title="逾期")
        made["market_overdue"] = file_case(market, owner, title="别的部门逾期")
        made["replied"] = workflow.accept_case(
            case=file_case(category, owner, title="已答复"), actor=clerk
        )
    with time_machine.travel(at(9, 25), tick=False):
        workflow.resolve_case(
            case=made["replied"], actor=clerk, outcome=Outcome.SOLVED, reply="已处理"
        )
    with time_machine.travel(at(9, 28), tick=False):
        # 7 calendar days end on Mon Oct 5, inside National Day: due Thu Oct 8.
        made["due_thursday"] = file_case(category, owner, title="国庆后到期")
        made["handling"] = file_case(category, owner, title="办理中")
        made["declined"] = file_case(category, owner, title="不予受理")
        workflow.decline_case(
            case=made["declined"], actor=clerk, reason="不属于受理范围"
        )
    with time_machine.travel(at(9, 29), tick=False):
        workflow.accept_case(case=made["handling"], actor=clerk)
        workflow.assign_case(case=made["handling"], actor=clerk, assignee=clerk)
    with time_machine.travel(at(10, 8), tick=False):
        # Due Thu Oct 15: next week.
        made["next_week"] = file_case(category, owner, title="下周到期")
    return made


def test_the_due_dates_follow_the_calendar(cases):
    local = {
        key: cases[key].stage_due_at.astimezone(CHINA_TZ).date()
        for key in ("overdue", "due_thursday", "next_week")
    }
    assert local["overdue"] == datetime.date(2026, 9, 28)
    assert local["due_thursday"] == datetime.date(2026, 10, 8)
    assert local["next_week"] == datetime.date(2026, 10, 15)


def test_leader_counts_on_the_thursday_after_national_day(cases, people):
    with time_machine.travel(at(10, 8, 10), tick=False):
        counts = dashboard.leader_counts(people["leader"])
    # open: overdue, replied, due_thursday, handling, next_week (not declined,
    # not the market bureau's)
    assert counts == dashboard.LeaderCounts(open=5, overdue=1, due_this_week=1)


def test_a_day_later_thursdays_case_is_overdue(cases, people):
    with time_machine.travel(at(10, 9, 10), tick=False):
        counts = dashboard.leader_counts(people["leader"])
    assert counts == dashboard.LeaderCounts(open=5, overdue=2, due_this_week=0)


def test_next_weeks_case_counts_once_its_week_begins(cases, people):
    with time_machine.travel(at(10, 12, 8), tick=False):  # Monday
        counts = dashboard.leader_counts(people["leader"])
    assert counts == dashboard.LeaderCounts(open=5, overdue=2, due_this_week=1)


def test_the_committee_and_clerks_get_no_leader_counts(cases, people):
    assert dashboard.leader_counts(people["clerk"]) is None
    assert dashboard.leader_counts(people["committee"]) is None


def test_clerks_own_open_count(cases, people):
    assert dashboard.my_open_count(people["clerk"]) == 1
    assert dashboard.my_open_count(people["clerk2"]) == 0
    workflow.resolve_case(
        case=cases["handling"],
        actor=people["clerk"],
        outcome=Outcome.SOLVED,
        reply="好",
    )
    assert dashboard.my_open_count(people["clerk"]) == 1  # awaiting the applicant
    workflow.confirm_case(case=cases["handling"], actor=people["owner"])
    assert dashboard.my_open_count(people["clerk"]) == 0


@pytest.mark.parametrize(
    ("now", "end"),
    [
        (at(10, 8, 10), at(10, 12, 0)),
        (at(10, 11, 23), at(10, 12, 0)),
        (at(10, 12, 0), at(10, 19, 0)),
        # 20:00 UTC on Sunday is already Monday in Beijing.
        (datetime.datetime(2026, 10, 11, 20, tzinfo=datetime.UTC), at(10, 19, 0)),
    ],
)
def test_end_of_week_is_next_monday_in_beijing(now, end):
    assert dashboard.end_of_week(now) == end


def index(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response.content.decode()


def row(page, row_id):
    start = page.index(f'id="{row_id}"')
    return page[start : page.index("</tr>", start)]


def test_leader_sees_the_counts_on_the_admin_index(client, cases, people):
    with time_machine.travel(at(10, 8, 10), tick=False):
        page = index(client, people["leader"])
    assert "<td>5</td>" in row(page, "dashboard-open")
    assert "<td>1</td>" in row(page, "dashboard-overdue")
    assert "<td>1</td>" in row(page, "dashboard-due-this-week")


def test_clerk_sees_only_his_own_count(client, cases, people):
    page = index(client, people["clerk"])
    assert "<td>1</td>" in row(page, "dashboard-mine")
    assert 'id="dashboard-open"' not in page


def test_committee_sees_no_counts(client, cases, people):
    page = index(client, people["committee"])
    assert 'id="case-dashboard"' not in page


def test_leader_counts_are_one_query(cases, people, django_assert_num_queries):
    leader = people["leader"]
    # is a leader; the departments the leader leads (granted_department_ids);
    # the aggregate
    with django_assert_num_queries(3):
        dashboard.leader_counts(leader)


def test_the_counts_link_to_lists_with_the_same_cases(client, cases, people):
    import re

    with time_machine.travel(at(10, 8, 10), tick=False):
        page = index(client, people["leader"])
        for row_id, expected in (("dashboard-open", 5), ("dashboard-overdue", 1)):
            href = re.search(r'href="([^"]+)"', row(page, row_id)).group(1)
            response = client.get(href.replace("&amp;", "&"))
            assert response.status_code == 200, href
            assert response.context["cl"].result_count == expected, href
    page = index(client, people["clerk"])
    href = re.search(r'href="([^"]+)"', row(page, "dashboard-mine")).group(1)
    assert client.get(href).context["cl"].result_count == 1
