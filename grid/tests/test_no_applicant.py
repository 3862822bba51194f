"""A grid worker's report has no applicant: the worker is its submitter and
follows it as a member of the grid, not as the resident it concerns."""

import pytest
from django.urls import reverse

from grid import selectors, services
from grid.tests.factories import report
from portal.cases import views as case_views
from portal.cases import workflow
from portal.cases.selectors import staff_visible_cases, visible_cases
from portal.notifications.models import Notification
from portal.notifications.recipients import APPLICANT
from portal.notifications.tests.conftest import run_on_commit, sms_outbox  # noqa: F401
from portal.notifications.tests.texts import rendered

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(people, grids, category):
    return report(people["worker"], grids["a"], category)


def my_events(user) -> list:
    """The first page of the phone's list of the user's grids' events."""
    grid_ids = selectors.member_grid_ids(user)
    return selectors.event_page(user, grid_ids=grid_ids, size=50)[0]


def test_the_report_has_no_applicant(event, people):
    case = event.case
    assert case.applicant is None
    assert case.submitter == people["worker"]
    # The worker sees it as staff of the grid's community (the grid rule), and
    # so does the grid head, who did not report it.
    for who in ("worker", "head"):
        user = people[who]
        assert staff_visible_cases(user).filter(pk=case.pk).exists(), who
        assert case.pk in [row.id for row in my_events(user)], who
    assert my_events(people["worker_c"]) == []


def test_the_case_page_is_refused_to_others(client, event, people):
    url = reverse("cases:detail", args=[event.case_id])
    assert client.get(url).status_code == 302  # to the login page
    for who in ("resident", "worker_c", "market", "other_street"):
        client.force_login(people[who])
        assert client.get(url).status_code == 404, who
        assert not visible_cases(people[who]).filter(pk=event.case_id).exists()
    client.force_login(people["worker"])
    assert client.get(url).status_code == 200


def test_the_reporter_is_told_of_the_reply_and_confirms_it(
    run_on_commit,  # noqa: F811
    people,
    grids,
    category,  # noqa: F811
):
    case = run_on_commit(report, people["worker"], grids["a"], category).case
    run_on_commit(
        services.event_close, case=case, actor=people["head"], reply="已清理。"
    )
    notification = Notification.objects.get(recipient=people["worker"], kind="resolved")
    assert notification.title == rendered(
        "notifications/title.txt", case=case, kind="resolved", audience=APPLICANT
    )
    assert notification.link == case.get_absolute_url()
    # The reporter verifies the fix (核查), as the demo district does.
    case.refresh_from_db()
    assert "confirm" in case_views.applicant_actions(case, people["worker"])
    assert case_views.applicant_actions(case, people["head"]) == []


def test_the_reporter_cannot_rate_his_own_grids_work(event, people):
    """No applicant, no satisfaction to measure: the worker's stars would
    grade his own grid in the satisfaction figures."""
    case = services.event_close(case=event.case, actor=people["head"], reply="已清理。")
    assert "rate" not in case_views.applicant_actions(case, people["worker"])
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.rate_case(case=case, actor=people["worker"], stars=5)
    assert refused.value.messages == [str(workflow.NOTHING_TO_RATE)]
    case.refresh_from_db()
    assert case.rating is None


def test_an_open311_report_has_no_applicant(tree, category):
    client, _key = services.open311_client_create(name="市民App")
    event = services.open311_request_file(
        client=client,
        category=category,
        description="路面塌陷",
        address="民主路5号",
    )
    assert event.case.applicant is None
