"""The four-colour warning as a query expression, on real 2026 dates."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Count, Q

from portal.cases import workflow
from portal.cases.models import Case
from portal.cases.tests.factories import file_case, make_category
from portal.cases.warnings import (
    Colour,
    colour_of,
    colour_q,
    warning_colour,
    with_warning_colour,
)

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def case_on_sept_28(district, people):
    """A petition-style case: 10 calendar days to decide on acceptance, filed on
    Monday 28 September 2026 at 10:00; day 10 (8 October) is a working day."""
    category = make_category(district["housing"], code="ten-days", acceptance=(10, "calendar_days"))
    with time_machine.travel(datetime.datetime(2026, 9, 28, 10, 0, tzinfo=SH), tick=False):
        return file_case(category, people["owner"])


def colour_at(case, moment):
    return (
        with_warning_colour(Case.objects.filter(pk=case.pk), now=moment)
        .values_list("warning_colour", flat=True)
        .get()
    )


@pytest.mark.parametrize(
    "moment, expected",
    [
        (datetime.datetime(2026, 9, 29, 9, 0, tzinfo=SH), Colour.BLUE),
        (datetime.datetime(2026, 10, 4, 9, 0, tzinfo=SH), Colour.YELLOW),
        (datetime.datetime(2026, 10, 7, 9, 0, tzinfo=SH), Colour.ORANGE),
        (datetime.datetime(2026, 10, 8, 23, 0, tzinfo=SH), Colour.ORANGE),
        (datetime.datetime(2026, 10, 9, 0, 1, tzinfo=SH), Colour.RED),
    ],
)
def test_colour_moves_with_time(case_on_sept_28, moment, expected):
    assert case_on_sept_28.stage_due_at.astimezone(SH).date() == datetime.date(2026, 10, 8)
    assert colour_at(case_on_sept_28, moment) == expected
    assert Case.objects.filter(colour_q(expected, moment)).count() == 1


def test_no_colour_once_closed(case_on_sept_28, people):
    workflow.decline_case(case=case_on_sept_28, actor=people["clerk"], reason="不予受理")
    assert colour_at(case_on_sept_28, datetime.datetime(2026, 12, 1, tzinfo=SH)) == Colour.NONE


def test_colour_in_filter_and_aggregate(case_on_sept_28, category, people):
    with time_machine.travel(datetime.datetime(2026, 10, 8, 9, 0, tzinfo=SH), tick=False):
        file_case(category, people["owner"])  # fresh: blue
    moment = datetime.datetime(2026, 10, 8, 12, 0, tzinfo=SH)
    counts = Case.objects.aggregate(
        **{colour.value: Count("pk", filter=colour_q(colour, moment)) for colour in Colour}
    )
    assert counts == {"none": 0, "blue": 1, "yellow": 0, "orange": 1, "red": 0}
    by_expression = dict(
        Case.objects.annotate(c=warning_colour(moment)).values_list("c").annotate(n=Count("pk"))
    )
    assert by_expression == {"blue": 1, "orange": 1}
    assert Case.objects.filter(~Q(colour_q(Colour.RED, moment))).count() == 2


def test_colour_of_a_row_is_the_sql_colour(case_on_sept_28, people):
    """colour_of (computed from a row's thresholds) answers as the SQL
    expression does, at every colour, at the boundaries, and with no clock."""
    case = Case.objects.get(pk=case_on_sept_28.pk)
    moments = [
        case.stage_started_at,
        case.stage_yellow_at - datetime.timedelta(microseconds=1),
        case.stage_yellow_at,
        case.stage_orange_at,
        case.stage_orange_at + datetime.timedelta(hours=1),
        case.stage_due_at,
        case.stage_due_at + datetime.timedelta(microseconds=1),
    ]
    for moment in moments:
        assert colour_of(case, moment) == colour_at(case, moment), moment
    assert {colour_of(case, moment) for moment in moments} == {
        "blue",
        "yellow",
        "orange",
        "red",
    }
    # Thresholds missing (no such row is written; SQL compares NULL as false).
    for missing in ("stage_yellow_at", "stage_orange_at"):
        Case.objects.filter(pk=case.pk).update(**{missing: None})
        row = Case.objects.get(pk=case.pk)
        for moment in moments:
            assert colour_of(row, moment) == colour_at(row, moment), (missing, moment)
    workflow.decline_case(case=case_on_sept_28, actor=people["clerk"], reason="不予受理")
    closed = Case.objects.get(pk=case.pk)
    assert colour_of(closed, moments[-1]) == colour_at(closed, moments[-1]) == "none"
