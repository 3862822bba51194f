import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from grid.whistle import exports, services
from grid.whistle.models import NegativeListEntry, Whistle
from grid.whistle.tests.factories import blow, close, file_street_case, report
from portal.accounts.tests.factories import UserFactory

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(*args):
    return time_machine.travel(datetime.datetime(*args, tzinfo=SH), tick=False)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def whistle(district, whistle_people, street_case):
    with at(2026, 3, 2, 9, 0):
        return blow(
            street_case,
            actor=whistle_people["street_clerk"],
            secretary=whistle_people["secretary"],
            departments=[district["housing"], whistle_people["urban"]],
        )


def _get(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url)


# --- the whistle file page -----------------------------------------------------

DETAIL_ACCESS = [
    ("street_clerk", 200),
    ("secretary", 200),
    ("community_clerk", 200),  # the matter is its community's
    ("clerk", 200),  # housing: summoned, through the per-case grant
    ("urban_clerk", 200),  # summoned
    ("committee", 200),
    ("other_clerk", 404),  # market: not summoned
    ("other_street_clerk", 404),
    ("resident", 404),  # the applicant: a resident sees no whistle file
    ("owner", 404),
    ("other_resident", 404),
]


@pytest.mark.parametrize("who, status", DETAIL_ACCESS)
def test_whistle_file_access(client, whistle_people, whistle, who, status):
    response = _get(client, whistle_people[who], whistle.get_absolute_url())
    assert response.status_code == status


def test_whistle_file_needs_login(client, whistle):
    response = _get(client, None, whistle.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_unknown_whistle_is_404(client, whistle_people, whistle):
    response = _get(
        client, whistle_people["committee"], reverse("whistle:detail", args=[99999])
    )
    assert response.status_code == 404


@pytest.mark.parametrize("who, status", DETAIL_ACCESS)
def test_whistle_ledger_lists_only_what_the_user_may_see(
    client, whistle_people, whistle, who, status
):
    response = _get(client, whistle_people[who], reverse("whistle:list"))
    if whistle_people[who].is_staff:
        assert response.status_code == 200
        shown = whistle.case.tracking_number in response.content.decode()
        assert shown == (status == 200)
    else:
        assert response.status_code == 404


def test_whistle_file_shows_matter_departments_reports_and_approvals(
    client, district, whistle_people, whistle
):
    p = whistle_people
    housing = whistle.summonses.get(department=district["housing"])
    with at(2026, 3, 2, 10, 30):
        report(housing, actor=p["clerk"])
    with at(2026, 3, 2, 11, 30):
        response = _get(client, p["committee"], whistle.get_absolute_url())
    page = response.content.decode()
    case = whistle.case
    for text in (
        case.tracking_number,
        case.title,
        case.get_status_display(),
        str(district["housing"]),
        str(p["urban"]),
        "2026-03-02 11:00",  # report due
        "2026-03-02 10:30",  # reported
        "现场核查并依职责处置",
        str(p["secretary"]),
        str(p["street_clerk"]),
    ):
        assert text in page, text
    assert "summons-on_time" in page
    assert "summons-missing" in page


def test_summoned_clerk_reports_through_the_page(
    client, district, whistle_people, whistle
):
    p = whistle_people
    summons = whistle.summonses.get(department=p["urban"])
    client.force_login(p["urban_clerk"])
    page = client.get(whistle.get_absolute_url()).content.decode()
    assert reverse("whistle:report", args=[whistle.pk, summons.pk]) in page
    housing = whistle.summonses.get(department=district["housing"])
    assert reverse("whistle:report", args=[whistle.pk, housing.pk]) not in page
    with at(2026, 3, 2, 9, 45):
        response = client.post(
            reverse("whistle:report", args=[whistle.pk, summons.pk]),
            {
                f"s{summons.pk}-task": "拆除违建",
                f"s{summons.pk}-task_due_at": "2026-03-05T18:00",
            },
        )
    assert response.status_code == 302
    summons.refresh_from_db()
    assert summons.reported_by == p["urban_clerk"]
    assert summons.task_due_at == datetime.datetime(2026, 3, 5, 18, 0, tzinfo=SH)
    # Another department's row cannot be reported from outside it.
    response = client.post(
        reverse("whistle:report", args=[whistle.pk, housing.pk]),
        {f"s{housing.pk}-task": "x", f"s{housing.pk}-task_due_at": "2030-01-01T00:00"},
    )
    assert response.status_code == 403


def test_report_form_errors_are_shown(client, whistle_people, whistle):
    p = whistle_people
    summons = whistle.summonses.get(department=p["urban"])
    client.force_login(p["urban_clerk"])
    with at(2026, 3, 2, 9, 45):
        response = client.post(
            reverse("whistle:report", args=[whistle.pk, summons.pk]),
            {
                f"s{summons.pk}-task": "拆除违建",
                f"s{summons.pk}-task_due_at": "2026-03-01T18:00",
            },
        )
    assert response.status_code == 400
    assert escape(str(services.TASK_DUE_PASSED)) in response.content.decode()
    summons.refresh_from_db()
    assert summons.reported_at is None


def test_blow_page(client, district, whistle_people, street_case):
    p = whistle_people
    url = reverse("whistle:blow", args=[street_case.pk])
    for who, status in (
        ("community_clerk", 403),
        ("clerk", 404),
        ("other_street_clerk", 404),
        ("resident", 404),
    ):
        assert _get(client, p[who], url).status_code == status, who
    client.force_login(p["street_clerk"])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "street": district["street"].pk,
            "departments": [p["urban"].pk],
            "reason": "联合整治",
            "approved_by": "",
        },
    )
    assert response.status_code == 200
    assert escape(str(services.APPROVAL_REQUIRED)) in response.content.decode()
    response = client.post(
        url,
        {
            "street": district["street"].pk,
            "departments": [p["urban"].pk],
            "reason": "联合整治",
            "approved_by": p["secretary"].pk,
        },
    )
    whistle = Whistle.objects.get()
    assert response.status_code == 302
    assert response["Location"] == whistle.get_absolute_url()
    # The second time the page leads to the one whistle of the matter.
    assert client.get(url)["Location"] == whistle.get_absolute_url()


def test_strike_off_and_acknowledge_through_the_page(client, whistle_people, whistle):
    p = whistle_people
    url = reverse("whistle:strike_off", args=[whistle.pk])
    client.force_login(p["street_clerk"])
    client.post(url)
    whistle.refresh_from_db()
    assert whistle.struck_off_at is None  # still open: refused, with a message
    close(whistle.case, handler=p["street_clerk"], applicant=p["resident"])
    client.post(url)
    whistle.refresh_from_db()
    assert whistle.struck_off_by == p["street_clerk"]
    client.force_login(p["clerk"])
    assert (
        client.post(reverse("whistle:acknowledge", args=[whistle.pk])).status_code
        == 403
    )
    client.force_login(p["committee"])
    client.post(reverse("whistle:acknowledge", args=[whistle.pk]))
    whistle.refresh_from_db()
    assert whistle.committee_acknowledged_by == p["committee"]


# --- the negative list and its exports ---------------------------------------

NEGATIVE_URLS = [
    reverse("whistle:negative_list"),
    reverse("whistle:negative_list_export", args=["csv"]),
    reverse("whistle:negative_list_export", args=["xlsx"]),
]


@pytest.mark.parametrize("url", NEGATIVE_URLS)
@pytest.mark.parametrize(
    "who, status",
    [
        ("committee", 200),
        ("superuser", 200),
        ("street_clerk", 403),
        ("secretary", 403),
        ("clerk", 403),
        ("leader", 403),
        ("resident", 403),
        (None, 302),
    ],
)
def test_negative_list_access(
    client, whistle_people, superuser, whistle, url, who, status
):
    user = superuser if who == "superuser" else (whistle_people[who] if who else None)
    response = _get(client, user, url + "?year=2026")
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("login"))


@pytest.fixture
def hostile_entry(district, whistle_people, community_category):
    """A negative-list entry whose texts would be formulas in a spreadsheet."""
    p = whistle_people
    case = file_street_case(
        community_category,
        applicant=p["resident"],
        handler=p["street_clerk"],
        title='=HYPERLINK("http://evil.example","点击")',
    )
    with at(2026, 4, 1, 20, 0):
        whistle = blow(
            case,
            actor=p["street_clerk"],
            secretary=p["secretary"],
            departments=[p["urban"]],
        )
    summons = whistle.summonses.get()
    with at(2026, 4, 1, 23, 0):
        services.whistle_report(
            summons=summons,
            actor=p["urban_clerk"],
            task="@SUM(1+1)",
            task_due_at=datetime.datetime(2026, 4, 2, 9, 0, tzinfo=SH),
        )
    with at(2026, 4, 3, 9, 0):
        services.negative_list_scan()
    return whistle


def test_negative_list_page_shows_the_facts(client, whistle_people, hostile_entry):
    response = _get(
        client,
        whistle_people["committee"],
        reverse("whistle:negative_list") + "?year=2026",
    )
    page = response.content.decode()
    assert page.count('class="negative-entry"') == 2
    assert str(NegativeListEntry.Reason.NO_REPORT_IN_TIME.label) in page
    assert str(NegativeListEntry.Reason.TASK_OVERDUE.label) in page
    assert hostile_entry.case.tracking_number in page
    assert "2026-04-01 22:00" in page  # report due
    assert "2026-04-01 23:00" in page  # reported, late
    other_year = _get(
        client,
        whistle_people["committee"],
        reverse("whistle:negative_list") + "?year=2025",
    )
    assert 'class="negative-entry"' not in other_year.content.decode()


def test_csv_export_neutralises_formulas(client, whistle_people, hostile_entry):
    client.force_login(whistle_people["committee"])
    response = client.get(
        reverse("whistle:negative_list_export", args=["csv"]) + "?year=2026"
    )
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="negative-list-2026.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 3
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell[:1] in "=+-@"]
    assert '\'=HYPERLINK("http://evil.example","点击")' in cells
    assert "'@SUM(1+1)" in cells
    assert hostile_entry.case.tracking_number in cells


def test_xlsx_export_neutralises_formulas(client, whistle_people, hostile_entry):
    client.force_login(whistle_people["committee"])
    response = client.get(
        reverse("whistle:negative_list_export", args=["xlsx"]) + "?year=2026"
    )
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["2026"]
    values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row]
    types = {cell.data_type for row in sheet.iter_rows() for cell in row}
    assert types == {"s"}  # no formula cell at all
    assert '\'=HYPERLINK("http://evil.example","点击")' in values
    assert "'@SUM(1+1)" in values
    assert sheet.max_row == 3


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-5", "'-5"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("普通文字", "普通文字"),
        (None, ""),
    ],
)
def test_neutralise(value, expected):
    assert exports.neutralise(value) == expected


def test_export_unknown_format_is_404(client, whistle_people):
    client.force_login(whistle_people["committee"])
    response = client.get(reverse("whistle:negative_list_export", args=["pdf"]))
    assert response.status_code == 404


# --- query counts stay flat ----------------------------------------------------


def _make_whistles(count, *, district, people, category):
    for index in range(count):
        case = file_street_case(
            category,
            applicant=people["resident"],
            handler=people["street_clerk"],
            title=f"事项{index}",
        )
        with at(2026, 2, 1, 9, 0):
            whistle = blow(
                case,
                actor=people["street_clerk"],
                secretary=people["secretary"],
                departments=[district["housing"], people["urban"]],
            )
        with at(2026, 2, 1, 10, 0):
            report(
                whistle.summonses.get(department=district["housing"]),
                actor=people["clerk"],
                days=1,
            )
    with at(2026, 2, 5, 9, 0):
        services.negative_list_scan()


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "who, url",
    [
        ("street_clerk", reverse("whistle:list")),
        ("clerk", reverse("whistle:list")),
        ("committee", reverse("whistle:list")),
        ("committee", reverse("whistle:negative_list") + "?year=2026"),
        (
            "committee",
            reverse("whistle:negative_list_export", args=["csv"]) + "?year=2026",
        ),
        (
            "committee",
            reverse("whistle:negative_list_export", args=["xlsx"]) + "?year=2026",
        ),
    ],
)
def test_list_query_counts_do_not_grow_with_rows(
    client, district, whistle_people, community_category, who, url
):
    client.force_login(whistle_people[who])
    made = {
        "district": district,
        "people": whistle_people,
        "category": community_category,
    }
    _make_whistles(2, **made)
    few = _count(client, url)
    _make_whistles(18, **made)
    assert Whistle.objects.count() == 20
    assert NegativeListEntry.objects.count() == 40
    many = _count(client, url)
    assert few == many


def test_whistle_file_query_count_does_not_grow_with_departments(
    client, district, whistle_people, community_category
):
    p = whistle_people
    case = file_street_case(
        community_category, applicant=p["resident"], handler=p["street_clerk"]
    )
    whistle = blow(
        case,
        actor=p["street_clerk"],
        secretary=p["secretary"],
        departments=[p["urban"]],
    )
    client.force_login(p["committee"])
    few = _count(client, whistle.get_absolute_url())
    other_case = file_street_case(
        community_category,
        applicant=p["resident"],
        handler=p["street_clerk"],
        title="二",
    )
    big = blow(
        other_case,
        actor=p["street_clerk"],
        secretary=p["secretary"],
        departments=[p["urban"], district["housing"], district["market"]],
    )
    for summons in big.summonses.all():
        clerk = {
            "urban": p["urban_clerk"],
            "housing": p["clerk"],
            "market": p["other_clerk"],
        }
        report(summons, actor=clerk[summons.department.code])
    assert _count(client, big.get_absolute_url()) == few
