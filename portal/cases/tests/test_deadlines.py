"""Due dates on real calendar dates: the State Council's arrangements for 2026
(Spring Festival Feb 15-23 with make-up Saturdays Feb 14 and Feb 28; National
Day Oct 1-7 with make-up days Sun Sep 20 and Sat Oct 10; New Year Jan 1-3 with
make-up Sun Jan 4) and the provisional 2027 (statutory days only)."""

from datetime import UTC, date, datetime, time

import pytest
from django.core.cache import cache
from holidays.countries.china import ChinaStaticHolidays

from portal.accounts.services import get_system_user
from portal.cases import deadlines
from portal.cases.calendar_seed import seed_holiday_calendar
from portal.cases.deadlines import (
    CHINA_TZ,
    NAIVE_START,
    NEGATIVE_AMOUNT,
    UNKNOWN_UNIT,
    add_period,
    is_working_day,
    rest_days,
)
from portal.cases.models import HolidayCalendar, PeriodUnit

CAL = PeriodUnit.CALENDAR_DAYS
WORK = PeriodUnit.WORKING_DAYS
HOURS = PeriodUnit.HOURS


def end_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=CHINA_TZ)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA_TZ)


@pytest.fixture
def calendar(db, monkeypatch):
    # 2027 as python-holidays 0.109 has it (no notice yet), whatever a later
    # version carries.
    monkeypatch.delitem(
        ChinaStaticHolidays.special_public_holidays, 2027, raising=False
    )
    seed_holiday_calendar(years=range(2025, 2028), actor=get_system_user())


def test_seeded_2026_arrangement(calendar):
    assert rest_days(date(2026, 2, 14), date(2026, 2, 28)) == [
        date(2026, 2, day) for day in range(15, 24)
    ]
    assert is_working_day(date(2026, 2, 14))  # Saturday, make-up workday
    assert is_working_day(date(2026, 2, 28))  # Saturday, make-up workday
    assert rest_days(date(2026, 9, 28), date(2026, 10, 10)) == [
        date(2026, 10, day) for day in range(1, 8)
    ]
    assert is_working_day(date(2026, 9, 20))  # Sunday, make-up workday
    assert is_working_day(date(2026, 10, 10))  # Saturday, make-up workday
    assert rest_days(date(2025, 12, 31), date(2026, 1, 4)) == [
        date(2026, 1, 1),
        date(2026, 1, 2),
        date(2026, 1, 3),
    ]
    assert is_working_day(date(2026, 1, 4))  # Sunday, make-up workday


def test_calendar_days_last_day_in_spring_festival_moves_past_it(calendar):
    # Tue Feb 10 + 7 = Tue Feb 17, Spring Festival: the holiday runs to Feb 23.
    assert add_period(at(date(2026, 2, 10), 9), 7, CAL) == end_of(date(2026, 2, 24))


def test_calendar_days_last_day_on_make_up_saturday_stays(calendar):
    assert add_period(at(date(2026, 2, 7), 9), 7, CAL) == end_of(date(2026, 2, 14))
    assert add_period(at(date(2026, 10, 3), 9), 7, CAL) == end_of(date(2026, 10, 10))


def test_calendar_days_last_day_on_ordinary_sunday_moves_to_monday(calendar):
    assert add_period(at(date(2026, 3, 11), 9), 4, CAL) == end_of(date(2026, 3, 16))


def test_calendar_days_start_day_is_not_counted(calendar):
    assert add_period(at(date(2026, 3, 9), 23, 59), 1, CAL) == end_of(date(2026, 3, 10))


def test_calendar_days_across_new_year_2026(calendar):
    # Mon Dec 29 + 3 = Jan 1; Jan 2 and Sat Jan 3 are off, Sun Jan 4 is worked.
    assert add_period(at(date(2025, 12, 29), 9), 3, CAL) == end_of(date(2026, 1, 4))


def test_working_days_across_national_day(calendar):
    # From Mon Sep 28: Sep 29, 30, (Oct 1-7 off), Oct 8, 9, Sat Oct 10, 12-16,
    # 19-23: the 15th working day is Fri Oct 23.
    due = add_period(at(date(2026, 9, 28), 10), 15, WORK)
    assert due == end_of(date(2026, 10, 23))


def test_working_days_into_provisional_2027_skip_new_years_day(calendar):
    # From Sun Dec 20: Dec 21-25, 28-31, (Jan 1 off), Jan 4-8, Jan 11.
    due = add_period(at(date(2026, 12, 20), 10), 15, WORK)
    assert due == end_of(date(2027, 1, 11))


def test_petition_sixty_days_ending_in_national_day(calendar):
    # Mon Aug 3 + 60 = Fri Oct 2, National Day: moves to Thu Oct 8.
    assert add_period(at(date(2026, 8, 3), 15), 60, CAL) == end_of(date(2026, 10, 8))


def test_petition_sixty_days_into_provisional_spring_festival(calendar):
    # Dec 8 + 60 = Sat Feb 6 2027, Spring Festival day 1; by the law alone the
    # festival is Feb 5-8 (eve and days 1-3), so the period ends on Tue Feb 9.
    assert add_period(at(date(2026, 12, 8), 15), 60, CAL) == end_of(date(2027, 2, 9))


def test_hours_are_wall_clock_through_night_and_holiday(calendar):
    start = at(date(2026, 9, 30), 22, 30)
    assert add_period(start, 2, HOURS) == at(date(2026, 10, 1), 0, 30)
    assert add_period(start, 48, HOURS) == at(date(2026, 10, 2), 22, 30)


def test_hours_from_a_date_start_at_midnight(calendar):
    assert add_period(date(2026, 10, 1), 2, HOURS) == at(date(2026, 10, 1), 2)


def test_day_units_end_at_end_of_day_in_shanghai(calendar):
    due = add_period(datetime(2026, 3, 9, 1, 0, tzinfo=UTC), 1, WORK)
    assert due.tzinfo is not None
    local = due.astimezone(CHINA_TZ)
    assert (local.date(), local.time()) == (date(2026, 3, 10), time(23, 59, 59, 999999))
    assert due == datetime(2026, 3, 10, 15, 59, 59, 999999, tzinfo=UTC)


def test_utc_start_late_in_the_evening_counts_from_the_shanghai_date(calendar):
    # 20:00 UTC on Mar 10 is 04:00 on Mar 11 in Shanghai.
    start = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)
    assert add_period(start, 1, CAL) == end_of(date(2026, 3, 12))
    # 20:00 UTC on Sep 29 is Sep 30 in Shanghai: Oct 8, 9 and Sat Oct 10.
    start = datetime(2026, 9, 29, 20, 0, tzinfo=UTC)
    assert add_period(start, 3, WORK) == end_of(date(2026, 10, 10))


def test_zero_days(calendar):
    assert add_period(date(2026, 3, 10), 0, WORK) == end_of(date(2026, 3, 10))
    # A zero-day period starting on a holiday still ends on a working day.
    assert add_period(date(2026, 10, 1), 0, CAL) == end_of(date(2026, 10, 8))


@pytest.mark.django_db
def test_a_year_without_rows_behaves_as_the_plain_week():
    # 2040-01-01 is a Sunday; nothing is seeded at all.
    assert add_period(date(2040, 1, 1), 1, WORK) == end_of(date(2040, 1, 2))
    assert add_period(date(2039, 12, 30), 7, CAL) == end_of(date(2040, 1, 6))
    assert is_working_day(date(2040, 1, 1)) is False
    assert rest_days(date(2040, 1, 1), date(2040, 1, 8)) == [
        date(2040, 1, 1),
        date(2040, 1, 7),
        date(2040, 1, 8),
    ]


def test_the_calendar_is_read_once_per_process(calendar, django_assert_num_queries):
    with django_assert_num_queries(1):
        add_period(at(date(2026, 1, 5), 9), 250, WORK)
    with django_assert_num_queries(0):
        add_period(at(date(2026, 1, 5), 9), 365, CAL)
        add_period(at(date(2026, 1, 5), 9), 1000, HOURS)
        assert is_working_day(date(2026, 10, 10)) is True


def test_a_changed_day_is_read_again_at_once(calendar):
    """Saving or deleting a row drops the process's copy (and moves the stamp
    that processes sharing the cache compare)."""
    national_day = date(2026, 10, 1)
    assert is_working_day(national_day) is False
    day = HolidayCalendar.objects.get(date=national_day)
    day.kind = HolidayCalendar.Kind.WORKDAY
    day.save()
    assert is_working_day(national_day) is True
    day.delete()
    assert is_working_day(national_day) is True  # a Thursday with no row
    HolidayCalendar.objects.create(
        date=national_day, kind=HolidayCalendar.Kind.HOLIDAY, name="国庆节"
    )
    assert is_working_day(national_day) is False


def test_another_process_change_is_seen_through_the_shared_stamp(
    calendar, django_assert_num_queries
):
    assert is_working_day(date(2026, 10, 1)) is False
    cache.set(deadlines._STAMP_KEY, "changed elsewhere", None)
    with django_assert_num_queries(1):
        assert is_working_day(date(2026, 10, 1)) is False


def test_the_copy_is_read_again_after_its_time(calendar, monkeypatch):
    assert is_working_day(date(2026, 10, 1)) is False
    # A bulk write (as seed_holidays makes) sends no signal.
    HolidayCalendar.objects.filter(date=date(2026, 10, 1)).update(
        kind=HolidayCalendar.Kind.WORKDAY
    )
    assert is_working_day(date(2026, 10, 1)) is False
    later = deadlines.clock.monotonic() + deadlines.CALENDAR_TTL + 1
    monkeypatch.setattr(deadlines.clock, "monotonic", lambda: later)
    assert is_working_day(date(2026, 10, 1)) is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "unit", "message"),
    [
        (-1, CAL, str(NEGATIVE_AMOUNT)),
        (3, "days", str(UNKNOWN_UNIT % {"unit": "days"})),
    ],
)
def test_rejects_negative_amounts_and_unknown_units(amount, unit, message):
    with pytest.raises(ValueError) as excinfo:
        add_period(date(2026, 3, 10), amount, unit)
    assert str(excinfo.value) == message


@pytest.mark.django_db
def test_rejects_a_naive_datetime():
    with pytest.raises(ValueError) as excinfo:
        add_period(datetime(2026, 3, 10, 9, 0), 1, CAL)
    assert str(excinfo.value) == str(NAIVE_START)
    with pytest.raises(ValueError):
        add_period(datetime(2026, 3, 10, 9, 0), 1, HOURS)


def test_rest_days_reads_the_calendar_once(calendar, django_assert_num_queries):
    with django_assert_num_queries(1):
        days = rest_days(date(2026, 1, 1), date(2026, 12, 31))
    assert len(days) == 117  # the 2026 arrangement: 248 working days
    assert date(2026, 10, 7) in days
    assert date(2026, 2, 14) not in days
    assert date(2026, 10, 10) not in days
