from datetime import date, timedelta
from io import StringIO

import chinese_calendar
import pytest
from django.core.management import call_command
from django.utils import timezone
from holidays.calendars.gregorian import FEB
from holidays.countries.china import ChinaStaticHolidays

from portal.accounts.services import get_system_user
from portal.accounts.tests.factories import UserFactory
from portal.cases.calendar_seed import (
    NOTICE_OVERRIDES,
    confirm_holiday_year,
    provisional_year_notice,
    seed_holiday_calendar,
)
from portal.cases.deadlines import is_working_day
from portal.cases.models import HolidayCalendar, HolidayYear

HOLIDAY = HolidayCalendar.Kind.HOLIDAY
WORKDAY = HolidayCalendar.Kind.WORKDAY

# Days where chinesecalendar 1.11 contradicts the State Council's notice; the
# seeded table must follow the notice.
CHINESE_CALENDAR_ERRATA = {
    # 国办发明电〔2005〕35号 (2006 arrangement): "12月31日（星期六）上班".
    # liriansu-opus/chinese-calendar#125, open.
    date(2005, 12, 31): True,
}

# A made-up notice for 2027, standing in for the one python-holidays will carry:
# Thu Feb 11 off, worked on Sat Feb 20.
NOTICE_2027 = ((FEB, 11, FEB, 20),)


def kinds(year: int) -> dict[date, str]:
    return dict(
        HolidayCalendar.objects.filter(date__year=year).values_list("date", "kind")
    )


@pytest.fixture
def system(db):
    return get_system_user()


@pytest.fixture(autouse=True)
def notice_2027_unpublished(monkeypatch):
    """2027 as python-holidays 0.109 has it, whatever a later version carries."""
    monkeypatch.delitem(
        ChinaStaticHolidays.special_public_holidays, 2027, raising=False
    )


def publish_notice_2027(monkeypatch):
    monkeypatch.setitem(ChinaStaticHolidays.special_public_holidays, 2027, NOTICE_2027)


def test_rows_of_an_official_year(system):
    result = seed_holiday_calendar(years=[2026], actor=system)

    assert result.official_years == [2026]
    year = HolidayYear.objects.get(year=2026)
    assert year.provisional is False
    assert "State Council" in year.source
    days = kinds(2026)
    for workday in [(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)]:
        assert days[date(2026, *workday)] == WORKDAY
    assert [day for day, kind in days.items() if kind == WORKDAY] == sorted(
        date(2026, *workday)
        for workday in [(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)]
    )
    # Weekday holidays of the Spring Festival, substituted days included.
    for day in [16, 17, 18, 19, 20, 23]:
        assert days[date(2026, 2, day)] == HOLIDAY
    assert HolidayCalendar.objects.get(date=date(2026, 2, 17)).name == "春节"
    assert HolidayCalendar.objects.get(date=date(2026, 10, 5)).name == "国庆节（补假）"


def test_provisional_year_holds_the_statutory_days_only(system):
    result = seed_holiday_calendar(years=[2026, 2027], actor=system)

    assert result.provisional_years == [2027]
    year = HolidayYear.objects.get(year=2027)
    assert year.provisional is True
    assert kinds(2027) == {
        date(2027, 1, 1): HOLIDAY,  # New Year's Day
        date(2027, 2, 5): HOLIDAY,  # Spring Festival eve
        date(2027, 2, 6): HOLIDAY,
        date(2027, 2, 7): HOLIDAY,
        date(2027, 2, 8): HOLIDAY,
        date(2027, 4, 5): HOLIDAY,  # Qingming
        date(2027, 5, 1): HOLIDAY,  # Labour Day
        date(2027, 5, 2): HOLIDAY,
        date(2027, 6, 9): HOLIDAY,  # Dragon Boat
        date(2027, 9, 15): HOLIDAY,  # Mid-Autumn
        date(2027, 10, 1): HOLIDAY,  # National Day
        date(2027, 10, 2): HOLIDAY,
        date(2027, 10, 3): HOLIDAY,
    }
    assert not HolidayCalendar.objects.filter(name__contains="推定").exists()


def test_seeding_twice_changes_nothing(system):
    seed_holiday_calendar(years=range(2024, 2029), actor=system)
    rows = list(HolidayCalendar.objects.values_list("date", "kind", "name"))
    years = list(HolidayYear.objects.values_list("year", "provisional", "source"))
    history = (
        HolidayCalendar.history.count(),
        HolidayYear.history.count(),
    )

    result = seed_holiday_calendar(years=range(2024, 2029), actor=system)

    assert (result.created, result.updated, result.deleted) == (0, 0, 0)
    assert list(HolidayCalendar.objects.values_list("date", "kind", "name")) == rows
    assert list(HolidayYear.objects.values_list("year", "provisional", "source")) == (
        years
    )
    assert (HolidayCalendar.history.count(), HolidayYear.history.count()) == history


def test_history_rows_carry_the_system_user(system):
    seed_holiday_calendar(years=[2026, 2027], actor=system)

    assert HolidayCalendar.history.count() == HolidayCalendar.objects.count()
    assert set(HolidayCalendar.history.values_list("history_user", flat=True)) == {
        system.pk
    }
    assert set(HolidayYear.history.values_list("history_user", flat=True)) == {
        system.pk
    }


def test_provisional_year_is_upgraded_when_the_notice_arrives(system, monkeypatch):
    seed_holiday_calendar(years=[2027], actor=system)
    assert HolidayYear.objects.get(year=2027).provisional is True
    publish_notice_2027(monkeypatch)

    result = seed_holiday_calendar(years=[2027], actor=system)

    assert result.official_years == [2027]
    year = HolidayYear.objects.get(year=2027)
    assert year.provisional is False
    assert year.history.first().history_user == system
    days = kinds(2027)
    assert days[date(2027, 2, 11)] == HOLIDAY
    assert days[date(2027, 2, 20)] == WORKDAY
    # The notice's make-up days for the festival on a weekend now count.
    assert days[date(2027, 2, 9)] == HOLIDAY


def test_a_confirmed_year_is_left_alone(system, monkeypatch):
    admin = UserFactory(username="calendar_admin", is_staff=True, is_superuser=True)
    seed_holiday_calendar(years=[2027], actor=system)
    # The admin corrects the year from the notice and confirms it.
    day = HolidayCalendar.objects.get(date=date(2027, 1, 1))
    day.name = "元旦（已核对）"
    day._history_user = admin
    day.save()
    confirm_holiday_year(holiday_year=HolidayYear.objects.get(year=2027), actor=admin)
    rows = list(HolidayCalendar.objects.values_list("date", "kind", "name"))
    publish_notice_2027(monkeypatch)

    result = seed_holiday_calendar(years=[2027], actor=system)

    assert result.skipped_years == [2027]
    assert list(HolidayCalendar.objects.values_list("date", "kind", "name")) == rows
    year = HolidayYear.objects.get(year=2027)
    assert (year.provisional, year.confirmed_by) == (False, admin)


def test_a_day_edited_by_a_person_is_left_alone(system):
    clerk = UserFactory(username="calendar_clerk", is_staff=True)
    seed_holiday_calendar(years=[2027], actor=system)
    day = HolidayCalendar.objects.get(date=date(2027, 10, 1))
    day._history_user = clerk
    day.delete()
    extra = HolidayCalendar(date=date(2027, 10, 4), kind=HOLIDAY, name="国庆节")
    extra._history_user = clerk
    extra.save()

    seed_holiday_calendar(years=[2027], actor=system)

    assert date(2027, 10, 1) not in kinds(2027)
    assert kinds(2027)[date(2027, 10, 4)] == HOLIDAY


def test_confirm_records_who_and_when(system):
    admin = UserFactory(username="calendar_admin", is_staff=True, is_superuser=True)
    seed_holiday_calendar(years=[2027], actor=system)

    year = confirm_holiday_year(
        holiday_year=HolidayYear.objects.get(year=2027), actor=admin
    )

    year.refresh_from_db()
    assert year.provisional is False
    assert year.confirmed_by == admin
    assert timezone.now() - year.confirmed_at < timedelta(minutes=1)
    assert year.history.first().history_user == admin


def test_notice_while_this_year_or_next_is_provisional(system, monkeypatch):
    assert provisional_year_notice(today=date(2026, 6, 1)) is not None  # not seeded
    seed_holiday_calendar(years=[2026, 2027], actor=system)

    notice = provisional_year_notice(today=date(2026, 6, 1))
    assert notice is not None
    assert "2027" in notice
    assert "2026" not in notice
    assert provisional_year_notice(today=date(2025, 6, 1)) is not None  # 2025 missing

    publish_notice_2027(monkeypatch)
    seed_holiday_calendar(years=[2027], actor=system)
    assert provisional_year_notice(today=date(2026, 6, 1)) is None


def test_command_seeds_the_default_range(system):
    out = StringIO()
    call_command("seed_holidays", stdout=out)

    this_year = timezone.localdate().year
    assert list(HolidayYear.objects.values_list("year", flat=True)) == list(
        range(2004, this_year + 3)
    )
    assert "Provisional" in out.getvalue()

    out = StringIO()
    call_command("seed_holidays", "--from", "2026", "--to", "2026", stdout=out)
    assert "0 days created, 0 updated, 0 deleted" in out.getvalue()


def test_seeded_days_match_chinese_calendar_for_every_day_it_covers(system):
    """Every day of 2004-2026, the years python-holidays carries the State
    Council's notice for and chinesecalendar covers."""
    result = seed_holiday_calendar(years=range(2004, 2027), actor=system)
    assert result.official_years == list(range(2004, 2027))
    assert set(CHINESE_CALENDAR_ERRATA) <= set(NOTICE_OVERRIDES)

    day, mismatches = date(2004, 1, 1), []
    while day <= date(2026, 12, 31):
        expected = CHINESE_CALENDAR_ERRATA.get(day, chinese_calendar.is_workday(day))
        if is_working_day(day) != expected:
            mismatches.append(day)
        day += timedelta(days=1)
    assert mismatches == []


def test_a_seeded_calendar_is_used_at_once_by_deadlines(system):
    """The seed writes in bulk (no post_save): it tells the deadline code's
    per-process copy itself, so deadlines never run on the old calendar."""
    spring_festival = date(2026, 2, 17)
    assert is_working_day(spring_festival) is True  # empty table: a Tuesday
    seed_holiday_calendar(years=[2026], actor=system)
    assert is_working_day(spring_festival) is False
    assert is_working_day(date(2026, 2, 14)) is True  # make-up Saturday
