"""Every workflow step tells the people it concerns, after commit, and
nobody else."""

import pytest

from portal.cases import workflow
from portal.cases.tests.factories import file_case
from portal.notifications.models import Notification
from portal.notifications.recipients import LEADER
from portal.notifications.tests import texts


def inboxes(case):
    """{username: [notification kinds]} of one case."""
    result = {}
    for n in Notification.objects.filter(case=case).select_related("recipient"):
        result.setdefault(n.recipient.username, []).append(n.kind)
    return result


def received(case, kind):
    return sorted(
        Notification.objects.filter(case=case, kind=kind).values_list(
            "recipient__username", flat=True
        )
    )


@pytest.fixture
def case(run_on_commit, category, people):
    return run_on_commit(file_case, category, people["owner"])


pytestmark = pytest.mark.django_db


def test_nothing_is_sent_before_commit(category, people):
    # Without a commit (the test transaction never commits) there is no message.
    file_case(category, people["owner"])
    assert Notification.objects.count() == 0


def test_new_case_goes_to_the_department_clerks_not_the_resident(case, people):
    assert received(case, "submitted") == ["clerk_housing", "clerk_housing2"]
    notification = Notification.objects.filter(kind="submitted").first()
    assert case.tracking_number in notification.title
    assert notification.link == f"/admin/cases/case/{case.pk}/change/"


def test_proxy_submission_tells_the_applicant(run_on_commit, category, people):
    proxy = people["other_resident"]
    case = run_on_commit(file_case, category, people["owner"], submitter=proxy)
    assert received(case, "submitted") == ["clerk_housing", "clerk_housing2", "owner"]
    mine = Notification.objects.get(recipient=people["owner"])
    assert mine.link == case.get_absolute_url()


def test_acceptance_material_request_and_reply_reach_the_resident(
    run_on_commit, category, people
):
    case = run_on_commit(file_case, category, people["owner"])
    run_on_commit(
        workflow.request_material, case=case, actor=people["clerk"], items=["房产证"]
    )
    assert received(case, "material_requested") == ["owner"]
    assert "房产证" in Notification.objects.get(kind="material_requested").body
    run_on_commit(workflow.resubmit_case, case=case, actor=people["owner"])
    assert received(case, "resubmitted") == ["clerk_housing", "clerk_housing2"]
    run_on_commit(workflow.accept_case, case=case, actor=people["clerk"])
    assert received(case, "accepted") == ["owner"]
    run_on_commit(
        workflow.resolve_case,
        case=case,
        actor=people["clerk"],
        outcome="solved",
        reply="已修复。",
    )
    assert received(case, "resolved") == ["owner"]


def test_assignment_is_internal_and_goes_to_the_assignee_only(
    case, run_on_commit, people
):
    run_on_commit(
        workflow.assign_case,
        case=case,
        actor=people["clerk"],
        assignee=people["clerk2"],
    )
    assert received(case, "assigned") == ["clerk_housing2"]
    # Later steps the applicant takes reach the assignee, not every clerk.
    run_on_commit(workflow.withdraw_case, case=case, actor=people["owner"])
    assert received(case, "withdrawn") == ["clerk_housing2"]


def test_internal_entries_never_reach_the_applicant(case, run_on_commit, people):
    run_on_commit(
        workflow.assign_case,
        case=case,
        actor=people["clerk"],
        assignee=people["clerk2"],
    )
    run_on_commit(workflow.accept_case, case=case, actor=people["clerk2"])
    internal_kinds = set(
        case.events.filter(is_public=False).values_list("kind", flat=True)
    )
    assert internal_kinds == {"assigned"}
    owner_kinds = set(inboxes(case)["owner"])
    assert owner_kinds == {"accepted"}


def test_transfer_goes_to_the_receiving_department(
    case, run_on_commit, people, district
):
    run_on_commit(
        workflow.transfer_case,
        case=case,
        actor=people["clerk"],
        department=district["market"],
        reason="属市场监管",
    )
    assert received(case, "transferred") == ["clerk_market", "owner"]
    # The resident reads the public message, never the internal reason.
    mine = Notification.objects.get(kind="transferred", recipient=people["owner"])
    assert "属市场监管" not in mine.body
    staff = Notification.objects.get(
        kind="transferred", recipient=people["other_clerk"]
    )
    assert "属市场监管" in staff.body


def test_co_handling_goes_to_the_helping_department(
    case, run_on_commit, people, district
):
    run_on_commit(workflow.accept_case, case=case, actor=people["clerk"])
    run_on_commit(
        workflow.co_handle_case,
        case=case,
        actor=people["clerk"],
        department=district["market"],
        note="请核查商户",
    )
    assert received(case, "co_handling") == ["clerk_market", "owner"]


def test_escalation_goes_to_the_leader_of_the_receiving_department(
    run_on_commit, people, district
):
    from portal.accounts.tests.factories import make_clerk
    from portal.cases.tests.factories import make_category

    street_leader = make_clerk(district["street"], "leader_street", leader=True)
    category = make_category(district["community"], code="community-matter")
    case = run_on_commit(file_case, category, people["owner"])
    run_on_commit(
        workflow.escalate_case,
        case=case,
        actor=people["community_clerk"],
        reason="跨部门",
    )
    notes = Notification.objects.filter(kind="escalated")
    assert {(n.recipient.username, n.title) for n in notes} >= {
        (
            street_leader.username,
            texts.title(case, kind="escalated", audience=LEADER),
        ),
    }
    assert received(case, "escalated") == ["clerk_street", "leader_street", "owner"]


def test_the_actor_is_never_told_of_their_own_step(case, run_on_commit, people):
    run_on_commit(workflow.accept_case, case=case, actor=people["clerk"])
    assert not Notification.objects.filter(recipient=people["clerk"], kind="accepted")
    assert not Notification.objects.filter(recipient=people["owner"], kind="submitted")


def test_delivering_an_event_twice_adds_nothing(case):
    from portal.notifications.services import deliver_event

    event = case.events.get(kind="submitted")
    before = Notification.objects.count()
    deliver_event(event=event)
    deliver_event(event=event)
    assert Notification.objects.count() == before == 2
