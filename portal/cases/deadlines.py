"""Due dates that follow the law and the holiday calendar.

One function computes every due date: :func:`add_period`. It reads the
``HolidayCalendar`` table (statutory holidays and make-up workdays) with one
query per call. A year without rows behaves as the plain week (Monday to Friday
working), so the function never raises for a year; the admin warns while a year
near today is provisional or missing (see ``calendar_seed.provisional_year_notice``).
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from portal.cases.models import HolidayCalendar, PeriodUnit

# The law counts days in Beijing time, whatever the server's settings say.
CHINA_TZ = ZoneInfo("Asia/Shanghai")

NEGATIVE_AMOUNT = _("A period cannot be negative.")
UNKNOWN_UNIT = _("Unknown period unit: %(unit)s.")
NAIVE_START = _("The start of a period must be a timezone-aware datetime or a date.")

LEGAL_BASIS = {
    PeriodUnit.CALENDAR_DAYS: _(
        "Periods in days: the day the period starts is not counted; a last day "
        "that falls on a rest day (a weekend that is not a make-up workday, or a "
        "statutory holiday) moves to the next working day. Civil Procedure Law "
        "art. 85; applied by the Administrative Litigation Law and the "
        "Regulations on Petition Work."
    ),
    PeriodUnit.WORKING_DAYS: _(
        "Periods in working days: counting starts the day after the start and "
        "counts only working days; weekends and statutory holidays are skipped, "
        "make-up workdays count (National Holidays Measures and the State "
        "Council's yearly notice)."
    ),
    PeriodUnit.HOURS: _(
        "Periods in hours run by the clock, through nights, weekends and holidays."
    ),
}

_ONE_DAY = timedelta(days=1)
# Extra days loaded beyond the nominal length; the longest run of rest days so
# far (Spring Festival 2020, extended) is 10 days.
_SLACK_DAYS = 31


class _WorkingCalendar:
    """The holiday rows of a date range, loaded in one query, extended (one more
    query) only if a count runs past the range."""

    def __init__(self, first: date, last: date) -> None:
        self._kinds: dict[date, str] = {}
        self._loaded_to = first - _ONE_DAY
        self._load(until=last)

    def _load(self, *, until: date) -> None:
        rows = HolidayCalendar.objects.filter(
            date__gt=self._loaded_to, date__lte=until
        ).values_list("date", "kind")
        self._kinds.update(rows)
        self._loaded_to = until

    def is_working_day(self, day: date) -> bool:
        if day > self._loaded_to:
            self._load(until=day + timedelta(days=366))
        kind = self._kinds.get(day)
        if kind == HolidayCalendar.Kind.HOLIDAY:
            return False
        if kind == HolidayCalendar.Kind.WORKDAY:
            return True
        return day.weekday() < 5


def _local_date(start: datetime | date) -> date:
    if isinstance(start, datetime):
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError(str(NAIVE_START))
        return start.astimezone(CHINA_TZ).date()
    return start


def end_of_day(day: date) -> datetime:
    """The last instant of ``day`` in Beijing time, as an aware datetime."""
    return datetime.combine(day, time.max, tzinfo=CHINA_TZ)


def add_period(start: datetime | date, amount: int, unit: str) -> datetime:
    """The due instant of a period of ``amount`` ``unit`` from ``start``.

    ``start`` is an aware datetime or a date (a date means midnight Beijing time
    for hours). Day units are counted on the Beijing date of ``start`` and end
    at the end of the due day in Beijing time; see :data:`LEGAL_BASIS` for the
    rule of each unit.
    """
    if unit not in PeriodUnit.values:
        raise ValueError(str(UNKNOWN_UNIT % {"unit": unit}))
    if amount < 0:
        raise ValueError(str(NEGATIVE_AMOUNT))

    if unit == PeriodUnit.HOURS:
        if not isinstance(start, datetime):
            start = datetime.combine(start, time.min, tzinfo=CHINA_TZ)
        _local_date(start)  # rejects a naive datetime
        return start + timedelta(hours=amount)

    first = _local_date(start)
    if unit == PeriodUnit.CALENDAR_DAYS:
        calendar = _WorkingCalendar(first, first + timedelta(days=amount + _SLACK_DAYS))
        due = first + timedelta(days=amount)
        while not calendar.is_working_day(due):
            due += _ONE_DAY
    else:
        calendar = _WorkingCalendar(
            first, first + timedelta(days=2 * amount + _SLACK_DAYS)
        )
        due, counted = first, 0
        while counted < amount:
            due += _ONE_DAY
            if calendar.is_working_day(due):
                counted += 1
    return end_of_day(due)


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day: Monday to Friday unless a statutory
    holiday, or a weekend day that is a make-up workday."""
    return _WorkingCalendar(day, day).is_working_day(day)


def rest_days(start: date, end: date) -> list[date]:
    """The rest days (weekends that are not make-up workdays, and statutory
    holidays) from ``start`` to ``end``, both included, in one query."""
    calendar = _WorkingCalendar(start, end)
    days = []
    day = start
    while day <= end:
        if not calendar.is_working_day(day):
            days.append(day)
        day += _ONE_DAY
    return days
