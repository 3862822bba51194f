import pytest
from django.urls import reverse

from grid.whistle import demo
from grid.whistle.models import NegativeListEntry, ReportState, Whistle
from grid.whistle.tests.factories import blow, close
from portal.accounts import demo as accounts_demo
from portal.cases import demo as cases_demo

pytestmark = pytest.mark.django_db


def test_demo_has_whistles_in_every_state():
    context = {}
    accounts_demo.load(context)
    cases_demo.load_catalogue(context["departments"])
    demo.load(context)
    demo.load(context)  # idempotent
    assert context["whistles_made"] == 5
    assert Whistle.objects.count() == 5
    states = {}
    for whistle in Whistle.objects.prefetch_related("summonses"):
        states[whistle.case.title] = (
            whistle.is_struck_off,
            sorted(s.report_state() for s in whistle.summonses.all()),
        )
    titles = [title for title, *_rest in demo.SCENARIOS]
    assert states[titles[0]] == (False, [ReportState.PENDING] * 2)
    assert states[titles[1]] == (False, [ReportState.ON_TIME] * 2)
    assert states[titles[2]] == (False, [ReportState.LATE, ReportState.ON_TIME])
    assert states[titles[3]] == (False, [ReportState.MISSING, ReportState.ON_TIME])
    assert states[titles[4]] == (True, [ReportState.ON_TIME] * 2)
    reasons = set(NegativeListEntry.objects.values_list("reason", flat=True))
    assert NegativeListEntry.Reason.NO_REPORT_IN_TIME in reasons


@pytest.fixture
def whistle(district, whistle_people, street_case):
    return blow(
        street_case,
        actor=whistle_people["street_clerk"],
        secretary=whistle_people["secretary"],
        departments=[whistle_people["urban"]],
    )


@pytest.mark.parametrize(
    "who, shown",
    [
        ("street_clerk", True),
        ("urban_clerk", True),
        ("committee", True),
        ("other_clerk", False),
    ],
)
def test_admin_changelist_is_scoped(client, whistle_people, whistle, who, shown):
    client.force_login(whistle_people[who])
    response = client.get(reverse("admin:whistle_whistle_changelist"))
    assert response.status_code == 200
    assert (whistle.case.tracking_number in response.content.decode()) == shown
    detail = client.get(reverse("admin:whistle_whistle_change", args=[whistle.pk]))
    assert detail.status_code == (200 if shown else 302)


def test_admin_is_read_only_and_never_deletes(client, whistle_people, whistle):
    client.force_login(whistle_people["street_clerk"])
    change = reverse("admin:whistle_whistle_change", args=[whistle.pk])
    response = client.post(change, {"reason": "changed"})
    assert response.status_code == 403
    delete = reverse("admin:whistle_whistle_delete", args=[whistle.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:whistle_whistle_add")).status_code == 403
    whistle.refresh_from_db()
    assert whistle.reason != "changed"


def test_admin_strike_off_action_goes_through_the_service(
    client, whistle_people, whistle
):
    p = whistle_people
    client.force_login(p["street_clerk"])
    url = reverse("admin:whistle_whistle_changelist")
    data = {"action": "strike_off", "_selected_action": [whistle.pk]}
    client.post(url, data)
    whistle.refresh_from_db()
    assert whistle.struck_off_at is None  # refused while open
    close(whistle.case, handler=p["street_clerk"], applicant=p["resident"])
    client.post(url, data)
    whistle.refresh_from_db()
    assert whistle.struck_off_by == p["street_clerk"]


def test_negative_list_admin_is_the_committees(client, whistle_people, whistle):
    url = reverse("admin:whistle_negativelistentry_changelist")
    client.force_login(whistle_people["street_clerk"])
    assert client.get(url).status_code == 403
    client.force_login(whistle_people["committee"])
    assert client.get(url).status_code == 200


def test_admin_changelists_query_counts_do_not_grow(
    client, district, whistle_people, community_category
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from grid.whistle.tests.test_views import _make_whistles

    made = {
        "district": district,
        "people": whistle_people,
        "category": community_category,
    }
    urls = [
        ("street_clerk", reverse("admin:whistle_whistle_changelist")),
        ("committee", reverse("admin:whistle_whistle_changelist")),
        ("committee", reverse("admin:whistle_negativelistentry_changelist")),
    ]

    def counts():
        result = []
        for who, url in urls:
            client.force_login(whistle_people[who])
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    _make_whistles(2, **made)
    few = counts()
    _make_whistles(18, **made)
    assert counts() == few
