"""Due dates that follow the law and the holiday calendar.

One function computes every due date: :func:`add_period`. It reads the
``HolidayCalendar`` table (statutory holidays and make-up workdays). A year
without rows behaves as the plain week (Monday to Friday working), so the
function never raises for a year; the admin warns while a year near today is
provisional or missing (see ``calendar_seed.provisional_year_notice``).

Every filing and every stage change computes a due date, and the calendar
changes a few times a year, so each process keeps the whole table (a few
hundred rows) in memory and reads it again when it may have changed:

- at once in the process that saved or deleted a row (``calendar_changed``,
  on HolidayCalendar's post_save and post_delete, again after the commit);
- at once in every process when a shared cache is configured (CACHE_URL,
  e.g. Redis): ``calendar_changed`` moves a stamp there that each read
  compares;
- otherwise after CALENDAR_TTL seconds at most: a change made in another
  process with the default per-process cache. Bulk writes send no signals:
  ``calendar_seed.seed_holiday_calendar`` calls ``calendar_changed`` itself.
"""

import time as clock
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
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


CALENDAR_TTL = 60.0
_STAMP_KEY = "cases.holiday_calendar.stamp"


class _CalendarCache:
    """This process's copy of the calendar: day -> kind."""

    kinds: dict[date, str] | None = None
    stamp: str | None = None
    loaded_at: float = 0.0


_cache = _CalendarCache()


def forget_calendar() -> None:
    """Drop this process's copy; the next due date reads the table again."""
    _cache.kinds = None


def calendar_changed(**_signal_kwargs) -> None:
    """A calendar row changed: this process reads the table again at once,
    and again after the commit; processes sharing the cache see the new
    stamp."""
    forget_calendar()
    cache.set(_STAMP_KEY, uuid.uuid4().hex, None)
    transaction.on_commit(forget_calendar)


def _calendar_kinds() -> dict[date, str]:
    stamp = cache.get(_STAMP_KEY)
    if (
        _cache.kinds is None
        or stamp != _cache.stamp
        or clock.monotonic() - _cache.loaded_at > CALENDAR_TTL
    ):
        _cache.kinds = dict(HolidayCalendar.objects.values_list("date", "kind"))
        _cache.stamp, _cache.loaded_at = stamp, clock.monotonic()
    return _cache.kinds


post_save.connect(
    calendar_changed, sender=HolidayCalendar, dispatch_uid="cases.calendar_saved"
)
post_delete.connect(
    calendar_changed, sender=HolidayCalendar, dispatch_uid="cases.calendar_deleted"
)


class _WorkingCalendar:
    """Working days by the holiday calendar (the process's copy: see the
    module docstring)."""

    def __init__(self) -> None:
        self._kinds = _calendar_kinds()

    def is_working_day(self, day: date) -> bool:
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
        calendar = _WorkingCalendar()
        due = first + timedelta(days=amount)
        while not calendar.is_working_day(due):
            due += _ONE_DAY
    else:
        calendar = _WorkingCalendar()
        due, counted = first, 0
        while counted < amount:
            due += _ONE_DAY
            if calendar.is_working_day(due):
                counted += 1
    return end_of_day(due)


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day: Monday to Friday unless a statutory
    holiday, or a weekend day that is a make-up workday."""
    return _WorkingCalendar().is_working_day(day)


def rest_days(start: date, end: date) -> list[date]:
    """The rest days (weekends that are not make-up workdays, and statutory
    holidays) from ``start`` to ``end``, both included."""
    calendar = _WorkingCalendar()
    days = []
    day = start
    while day <= end:
        if not calendar.is_working_day(day):
            days.append(day)
        day += _ONE_DAY
    return days
