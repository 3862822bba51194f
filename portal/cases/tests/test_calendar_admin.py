from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from holidays.countries.china import ChinaStaticHolidays

import portal.cases.admin_calendar  # noqa: F401  (registers the ModelAdmins)
from portal.accounts.services import get_system_user
from portal.accounts.tests.factories import UserFactory
from portal.cases.admin_calendar import YEARS_CONFIRMED
from portal.cases.calendar_seed import provisional_year_notice, seed_holiday_calendar
from portal.cases.models import HolidayCalendar, HolidayYear

YEARS_URL = reverse("admin:cases_holidayyear_changelist")
DAYS_URL = reverse("admin:cases_holidaycalendar_changelist")


@pytest.fixture(autouse=True)
def mid_2026(monkeypatch):
    """June 2026, with python-holidays 0.109's data: 2026 official, 2027 not."""
    monkeypatch.delitem(
        ChinaStaticHolidays.special_public_holidays, 2027, raising=False
    )
    with time_machine.travel(date(2026, 6, 1), tick=False):
        yield


@pytest.fixture
def superuser(db):
    return UserFactory(username="calendar_admin", is_staff=True, is_superuser=True)


@pytest.fixture
def seeded(db):
    seed_holiday_calendar(years=[2026, 2027], actor=get_system_user())


def test_year_list_warns_while_next_year_is_provisional(client, superuser, seeded):
    client.force_login(superuser)

    response = client.get(YEARS_URL)

    assert response.status_code == 200
    notice = provisional_year_notice()
    assert "2027" in notice
    assert escape(notice) in response.content.decode()
    assert [m.level_tag for m in response.context["messages"]] == ["warning"]
    assert response.context["cl"].result_count == 2


def test_day_list_warns_and_filters_by_year_and_kind(client, superuser, seeded):
    client.force_login(superuser)

    response = client.get(DAYS_URL, {"year__year__exact": "2026", "kind": "workday"})

    assert response.status_code == 200
    assert escape(provisional_year_notice()) in response.content.decode()
    shown = [row.date for row in response.context["cl"].result_list]
    assert shown == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]


def test_confirm_action_records_who_and_when(client, superuser, seeded):
    client.force_login(superuser)

    response = client.post(
        YEARS_URL,
        {"action": "confirm_from_notice", "_selected_action": ["2027"]},
        follow=True,
    )

    assert response.status_code == 200
    year = HolidayYear.objects.get(year=2027)
    assert year.provisional is False
    assert year.confirmed_by == superuser
    assert year.confirmed_at is not None
    assert year.history.first().history_user == superuser
    content = response.content.decode()
    assert escape(str(YEARS_CONFIRMED % {"years": "2027"})) in content
    # Nothing provisional is left for this year and next: the warning is gone.
    assert provisional_year_notice() is None
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


def test_admin_corrects_a_day_with_history(client, superuser, seeded):
    client.force_login(superuser)
    day = HolidayCalendar.objects.get(date=date(2027, 10, 1))
    url = reverse("admin:cases_holidaycalendar_change", args=[day.pk])

    response = client.post(
        url, {"date": "2027-10-04", "kind": "holiday", "name": "国庆节（调休）"}
    )

    assert response.status_code == 302
    day.refresh_from_db()
    assert (day.date, day.name, day.year_id) == (
        date(2027, 10, 4),
        "国庆节（调休）",
        2027,
    )
    assert day.history.first().history_user == superuser


def test_year_list_query_count_does_not_grow_with_years(client, superuser):
    client.force_login(superuser)
    system = get_system_user()

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(YEARS_URL).status_code == 200
        return len(queries)

    seed_holiday_calendar(years=range(2024, 2027), actor=system)
    few = count_queries()
    seed_holiday_calendar(years=range(2004, 2034), actor=system)
    many = count_queries()
    assert many == few


def test_year_history_page_shows_the_seed_and_the_confirmation(
    client, superuser, seeded
):
    client.force_login(superuser)
    client.post(
        YEARS_URL, {"action": "confirm_from_notice", "_selected_action": ["2027"]}
    )

    response = client.get(reverse("admin:cases_holidayyear_history", args=[2027]))

    assert response.status_code == 200
    users = {record.history_user for record in response.context["page_obj"]}
    assert users == {get_system_user(), superuser}
