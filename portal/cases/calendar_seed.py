"""Seeding the holiday calendar from python-holidays, and confirming a year.

Where the data comes from
-------------------------
``holidays.China`` (python-holidays) builds a year from two sources:

* the holiday law (全国年节及纪念日放假办法), computed for any year, lunar
  festivals included, in ``China._populate_public_holidays``; with
  ``observed=True`` it also moves a statutory day that falls on a weekend to the
  next working day, which is how it models the "补假" of the yearly notices;
* the State Council's yearly notice (国务院办公厅关于某年部分节假日安排的通知),
  typed in by hand into ``ChinaStaticHolidays.special_public_holidays``: one
  entry per year, holding the substituted days off ("休息日（由 … 调休）") and,
  through them, the weekend make-up workdays (``weekend_workdays``).

So a year is **official** when it has an entry in ``special_public_holidays``:
its notice has been published and typed in, and every year from 2001 to 2026
has one. A year without an entry has only computed days and is **provisional**.
(A notice without any swapped day would also look provisional; none has been
issued since the 1999 revision.)

For a provisional year only what the law itself fixes is stored: the statutory
days (2024 revision, in force from 2025: New Year's Day 1 day, Spring Festival
eve and days 1 to 3, Qingming 1, Labour Day May 1–2, Dragon Boat 1,
Mid-Autumn 1, National Day Oct 1–3), read with ``observed=False``. The
"(observed)" days python-holidays would add are guesses of what the notice will
say and are not stored; neither are any make-up workdays. An admin confirms the
year from the notice when it is published (usually in November), after
correcting the days, or the seed upgrades the year when a newer python-holidays
carries the notice.

What the seed never touches
---------------------------
* a year an admin has confirmed (``confirmed_at`` set): not its ``HolidayYear``
  row and not its days;
* a day any other user has created, edited or deleted (it has a history row
  whose user is not the seeding actor), in any year.

Everything else is made equal to the computed days, writing history rows with
the acting user; a second run with the same package version changes nothing.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import holidays
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from portal.cases.deadlines import calendar_changed
from portal.cases.models import HolidayCalendar, HolidayYear

FIRST_SEEDED_YEAR = 2004

HOLIDAY = HolidayCalendar.Kind.HOLIDAY
WORKDAY = HolidayCalendar.Kind.WORKDAY
MAKE_UP_WORKDAY_NAME = "调休上班"

OFFICIAL_SOURCE = (
    "State Council notice for {year}, as carried by python-holidays {version}"
)
PROVISIONAL_SOURCE = (
    "Statutory days only (全国年节及纪念日放假办法), computed by python-holidays "
    "{version}; the State Council notice for {year} is not in it yet"
)

PROVISIONAL_YEARS_WARNING = _(
    "The holiday calendar for %(years)s is not confirmed: it holds at most the "
    "statutory holidays, without the State Council's make-up workdays and "
    "swapped days, so deadlines in those years may still move. Check the State "
    "Council notice, correct the days and confirm the year under Holiday years."
)

# Days where the State Council notice is pinned here, whatever a library says.
# Each entry: date -> (kind, name, the notice it comes from). Found by checking
# python-holidays against chinesecalendar for every day of 2004-2026; where the
# two disagree the notice decides.
NOTICE_OVERRIDES: dict[date, tuple[str, str, str]] = {
    # chinesecalendar 1.11 has this Saturday as a rest day (its open issue
    # liriansu-opus/chinese-calendar#125); python-holidays has it right.
    date(2005, 12, 31): (
        WORKDAY,
        MAKE_UP_WORKDAY_NAME,
        "国办发明电〔2005〕35号 国务院办公厅关于2006年部分节假日安排的通知: "
        "元旦 … 12月31日（星期六）上班",
    ),
}


@dataclass
class SeedResult:
    official_years: list[int] = field(default_factory=list)
    provisional_years: list[int] = field(default_factory=list)
    skipped_years: list[int] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    deleted: int = 0


def default_years(*, today: date | None = None) -> range:
    """2004 (the first year chinesecalendar checks) to two years ahead."""
    today = today or timezone.localdate()
    return range(FIRST_SEEDED_YEAR, today.year + 3)


def computed_days(
    *, years: Iterable[int]
) -> tuple[dict[date, tuple[str, str]], set[int]]:
    """The days python-holidays gives for ``years`` (date -> (kind, name)) and
    which of those years are official. See the module docstring."""
    years = sorted(set(years))
    if not years:
        return {}, set()
    wanted = set(years)
    with_notice = holidays.China(years=years, language="zh_CN")
    official = {year for year in years if year in with_notice.special_public_holidays}
    law_only = holidays.China(
        years=sorted(wanted - official), language="zh_CN", observed=False
    )

    days: dict[date, tuple[str, str]] = {}
    for source, source_years in (
        (with_notice, official),
        (law_only, wanted - official),
    ):
        for day, name in source.items():
            if day.year in source_years:
                days[day] = (HOLIDAY, name)
    # Make-up workdays come from the notices only; a notice may name one in the
    # previous December, so keep every one that falls in a seeded year.
    for day in with_notice.weekend_workdays:
        if day.year in wanted:
            days[day] = (WORKDAY, MAKE_UP_WORKDAY_NAME)
    for day, (kind, name, _notice) in NOTICE_OVERRIDES.items():
        if day.year in wanted:
            days[day] = (kind, name)
    return days, official


def _year_source(*, year: int, official: bool) -> str:
    template = OFFICIAL_SOURCE if official else PROVISIONAL_SOURCE
    return template.format(year=year, version=holidays.__version__)


@transaction.atomic
def seed_holiday_calendar(
    *, years: Iterable[int], actor: AbstractBaseUser
) -> SeedResult:
    """Make the calendar of ``years`` equal to python-holidays' days, leaving
    confirmed years and days edited by people alone. Idempotent."""
    years = sorted(set(years))
    result = SeedResult()
    if not years:
        return result
    days, official = computed_days(years=years)

    year_rows = {
        row.year: row
        for row in HolidayYear.objects.select_for_update().filter(year__in=years)
    }
    new_years = []
    for year in years:
        is_official = year in official
        source = _year_source(year=year, official=is_official)
        row = year_rows.get(year)
        if row is None:
            row = HolidayYear(year=year, provisional=not is_official, source=source)
            new_years.append(row)
            year_rows[year] = row
        elif row.confirmed_at is not None:
            result.skipped_years.append(year)
            continue
        elif row.provisional == is_official or row.source != source:
            row.provisional = not is_official
            row.source = source
            row._history_user = actor
            row.save(update_fields=["provisional", "source"])
        (result.official_years if is_official else result.provisional_years).append(
            year
        )
    if new_years:
        bulk_create_with_history(new_years, HolidayYear, default_user=actor)

    open_years = set(years) - set(result.skipped_years)
    first, last = date(years[0], 1, 1), date(years[-1], 12, 31)
    existing = {
        row.date: row
        for row in HolidayCalendar.objects.filter(date__range=(first, last))
        if row.date.year in open_years
    }
    touched_by_people = set(
        HolidayCalendar.history.filter(date__range=(first, last))
        .exclude(history_user=actor)
        .values_list("date", flat=True)
    )

    to_create, to_update, to_delete = [], [], []
    for day in sorted(set(days) | set(existing)):
        if day.year not in open_years or day in touched_by_people:
            continue
        wanted, row = days.get(day), existing.get(day)
        if row is None:
            kind, name = wanted
            to_create.append(
                HolidayCalendar(
                    date=day, kind=kind, name=name, year=year_rows[day.year]
                )
            )
        elif wanted is None:
            to_delete.append(row)
        elif (row.kind, row.name) != wanted:
            row.kind, row.name = wanted
            to_update.append(row)

    if to_create:
        bulk_create_with_history(to_create, HolidayCalendar, default_user=actor)
    if to_update:
        bulk_update_with_history(
            to_update, HolidayCalendar, ["kind", "name"], default_user=actor
        )
    for row in to_delete:
        row._history_user = actor
        row.delete()
    result.created, result.updated = len(to_create), len(to_update)
    result.deleted = len(to_delete)
    if to_create or to_update:
        # bulk writes send no post_save: tell the deadline code's copy of the
        # calendar itself (deletes above already did, through the signal)
        calendar_changed()
    return result


@transaction.atomic
def confirm_holiday_year(
    *, holiday_year: HolidayYear, actor: AbstractBaseUser
) -> HolidayYear:
    """Record that ``actor`` checked the year's days against the State Council
    notice: the year is official and the seed leaves it alone from now on."""
    holiday_year = HolidayYear.objects.select_for_update().get(pk=holiday_year.pk)
    holiday_year.provisional = False
    holiday_year.confirmed_by = actor
    holiday_year.confirmed_at = timezone.now()
    holiday_year._history_user = actor
    holiday_year.save()
    return holiday_year


def provisional_years(*, today: date | None = None) -> list[int]:
    """This year and next year, where provisional or not seeded at all."""
    today = today or timezone.localdate()
    near = [today.year, today.year + 1]
    settled = set(
        HolidayYear.objects.filter(year__in=near, provisional=False).values_list(
            "year", flat=True
        )
    )
    return [year for year in near if year not in settled]


def provisional_year_notice(today: date | None = None) -> str | None:
    """The warning for the admin while this year or next is provisional."""
    years = provisional_years(today=today)
    if not years:
        return None
    return str(PROVISIONAL_YEARS_WARNING % {"years": ", ".join(map(str, years))})


def provisional_years_warning() -> str | None:
    """Same as :func:`provisional_year_notice` for today."""
    return provisional_year_notice()
