"""The workflow in the clerk's admin: the buttons on the case page, the small
forms behind them, and the bulk actions of the list. Every step goes through
portal.cases.workflow; who may press what comes from the policy."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from portal.cases import admin_views, workflow
from portal.cases.admin_forms import DUPLICATE_NOT_FOUND
from portal.cases.models import CaseEvent, CaseStatus, Outcome
from portal.cases.tests.factories import file_case

S = CaseStatus


@pytest.fixture
def case(category, people):
    return file_case(category, people["owner"])


@pytest.fixture
def accepted(case, people):
    return workflow.accept_case(case=case, actor=people["clerk"])


def action_url(case, name):
    return reverse("admin:cases_case_workflow", args=[case.pk, name])


def change_url(case):
    return reverse("admin:cases_case_change", args=[case.pk])


def login(client, user):
    client.force_login(user)
    return client


def buttons(client, case):
    page = client.get(change_url(case))
    assert page.status_code == 200
    return [item["name"] for item in page.context["case_actions"]]


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- which buttons are shown -----------------------------------------------


def test_clerk_sees_the_steps_of_a_submitted_case(client, case, people):
    names = buttons(login(client, people["clerk"]), case)
    assert names == [
        "accept",
        "request-material",
        "decline",
        "assign",
        "transfer",
        "escalate",
    ]
    page = client.get(change_url(case)).content.decode()
    assert action_url(case, "accept") in page


def test_clerk_sees_the_steps_of_a_case_being_handled(client, accepted, people):
    names = buttons(login(client, people["clerk"]), accepted)
    assert names == ["assign", "transfer", "co-handle", "escalate", "resolve"]


def test_only_a_leader_sees_the_extension(client, accepted, people):
    assert "extend" in buttons(login(client, people["leader"]), accepted)
    assert "extend" not in buttons(login(client, people["clerk"]), accepted)


def test_closed_case_offers_only_reopen(client, accepted, people):
    workflow.resolve_case(
        case=accepted, actor=people["clerk"], outcome=Outcome.SOLVED, reply="已修复"
    )
    workflow.confirm_case(case=accepted, actor=people["owner"])
    assert buttons(login(client, people["clerk"]), accepted) == ["reopen"]


def test_material_is_requested_only_once(client, case, people):
    workflow.request_material(case=case, actor=people["clerk"], items=["房产证"])
    workflow.resubmit_case(case=case, actor=people["owner"], answer="已补")
    assert "request-material" not in buttons(login(client, people["clerk"]), case)


def test_committee_sees_no_buttons_and_no_save(client, case, people):
    login(client, people["committee"])
    assert buttons(client, case) == []
    page = client.get(change_url(case)).content.decode()
    assert 'name="_save"' not in page
    assert "/workflow/" not in page


def test_case_page_cannot_be_saved_by_a_clerk(client, case, people):
    login(client, people["clerk"])
    page = client.get(change_url(case)).content.decode()
    assert 'name="_save"' not in page
    response = client.post(change_url(case), {"title": "改掉"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.title == "楼道漏水"


# --- each step, allowed -------------------------------------------------------


def post(client, case, name, **data):
    data.setdefault("version", case.version)
    return client.post(action_url(case, name), data)


def assert_done(response, case, message, **params):
    """Back on the case page with the step's success message."""
    assert response.status_code == 302, (
        response.context and response.context["form"].errors
    )
    assert response["Location"] == change_url(case)
    assert messages_of(response) == [str(message % params) if params else str(message)]
    case.refresh_from_db()


def test_accept(client, case, people):
    login(client, people["clerk"])
    form_page = client.get(action_url(case, "accept"))
    assert form_page.status_code == 200
    assert form_page.context["form"]["version"].value() == case.version
    response = post(client, case, "accept", note="已受理，请等待")
    assert_done(response, case, admin_views.ACCEPTED)
    assert case.status == S.ACCEPTED
    assert case.events.last().message == "已受理，请等待"


def test_decline_with_reason(client, case, people):
    response = post(
        login(client, people["clerk"]), case, "decline", reason="不属于受理范围"
    )
    assert_done(response, case, admin_views.DECLINED)
    assert case.status == S.DECLINED
    assert case.events.last().message == "不属于受理范围"


def test_request_material_one_item_a_line(client, case, people):
    response = post(
        login(client, people["clerk"]),
        case,
        "request-material",
        items="房产证\n\n 身份证复印件 ",
        note="",
    )
    assert_done(response, case, admin_views.MATERIAL_REQUESTED)
    assert case.status == S.NEEDS_MATERIAL
    assert case.material_requests.get().items == ["房产证", "身份证复印件"]


def test_assign_defaults_to_me_and_lists_the_department(client, case, people):
    login(client, people["clerk"])
    form = client.get(action_url(case, "assign")).context["form"]
    assert form["assignee"].value() == people["clerk"].pk
    choices = set(form.fields["assignee"].queryset)
    assert {people["clerk"], people["clerk2"], people["leader"]} <= choices
    assert people["other_clerk"] not in choices
    response = post(client, case, "assign", assignee=people["clerk2"].pk)
    assert_done(response, case, admin_views.ASSIGNED, assignee=people["clerk2"])
    assert case.assignee == people["clerk2"]


def test_transfer_with_reason(client, case, people, district):
    response = post(
        login(client, people["clerk"]),
        case,
        "transfer",
        department=district["market"].pk,
        reason="属于市场监管职责",
    )
    # The clerk keeps read access for the record, so back to the case page.
    assert_done(response, case, admin_views.TRANSFERRED, department=district["market"])
    assert case.department == district["market"]
    assert case.events.last().internal_note == "属于市场监管职责"


def test_transfer_offers_neither_the_current_department_nor_the_committee(
    client, case, people, district
):
    form = (
        login(client, people["clerk"]).get(action_url(case, "transfer")).context["form"]
    )
    choices = set(form.fields["department"].queryset)
    assert district["housing"] not in choices
    assert district["market"] in choices


def test_co_handle(client, accepted, people, district):
    response = post(
        login(client, people["clerk"]),
        accepted,
        "co-handle",
        department=district["market"].pk,
        note="请协助核查",
    )
    assert_done(
        response, accepted, admin_views.CO_HANDLING, department=district["market"]
    )
    assert accepted.co_handlers.get().department == district["market"]


def test_escalate_to_the_supervising_department(client, case, people, district):
    login(client, people["community_clerk"])
    community_case = file_case(
        case.category,
        people["owner"],
        department=district["community"],
        title="路灯不亮",
    )
    form = client.get(action_url(community_case, "escalate")).context["form"]
    assert list(form.fields["to_department"].queryset) == [
        district["street"],
        district["district"],
    ]
    assert form["to_department"].value() == district["street"].pk
    response = post(
        client,
        community_case,
        "escalate",
        to_department=district["street"].pk,
        reason="需街道协调",
    )
    assert_done(
        response, community_case, admin_views.ESCALATED, department=district["street"]
    )
    assert community_case.department == district["street"]


def test_leader_extends_within_the_legal_maximum(client, accepted, people):
    login(client, people["leader"])
    before = accepted.stage_due_at
    response = post(client, accepted, "extend", amount=10, reason="需现场勘验")
    assert_done(response, accepted, admin_views.EXTENDED)
    assert accepted.stage_due_at > before
    assert accepted.extensions.get().reason == "需现场勘验"


def test_extension_beyond_the_maximum_is_shown_next_to_the_amount(
    client, accepted, people
):
    login(client, people["leader"])
    response = post(client, accepted, "extend", amount=31, reason="需现场勘验")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "amount" in errors
    assert "30" in errors["amount"][0]
    accepted.refresh_from_db()
    assert not accepted.extensions.exists()


def test_resolve_solved(client, accepted, people):
    response = post(
        login(client, people["clerk"]),
        accepted,
        "resolve",
        outcome=Outcome.SOLVED,
        reply="已维修完毕",
    )
    assert_done(response, accepted, admin_views.RESOLVED)
    assert accepted.status == S.RESOLVED
    assert accepted.reply == "已维修完毕"


def test_resolve_as_duplicate_by_tracking_number(client, accepted, people, category):
    earlier = file_case(category, people["owner"], title="楼道漏水（首次）")
    response = post(
        login(client, people["clerk"]),
        accepted,
        "resolve",
        outcome=Outcome.DUPLICATE,
        reply="与前一件相同",
        duplicate_of=earlier.tracking_number,
    )
    assert_done(response, accepted, admin_views.RESOLVED)
    assert accepted.duplicate_of == earlier


def test_resolve_duplicate_of_an_invisible_case_is_refused(
    client, accepted, people, district
):
    from portal.cases.tests.factories import make_category

    market_case = file_case(
        make_category(district["market"], code="market"), people["other_resident"]
    )
    response = post(
        login(client, people["clerk"]),
        accepted,
        "resolve",
        outcome=Outcome.DUPLICATE,
        reply="重复",
        duplicate_of=market_case.tracking_number,
    )
    assert response.status_code == 200
    assert response.context["form"].errors["duplicate_of"] == [str(DUPLICATE_NOT_FOUND)]


def test_resolve_explained_needs_a_basis_next_to_the_field(client, accepted, people):
    response = post(
        login(client, people["clerk"]),
        accepted,
        "resolve",
        outcome=Outcome.EXPLAINED,
        reply="依法解释",
    )
    assert response.status_code == 200
    assert response.context["form"].errors["basis"] == [str(workflow.BASIS_REQUIRED)]
    accepted.refresh_from_db()
    assert accepted.status == S.ACCEPTED


def test_only_a_leader_may_call_a_request_unreasonable(client, accepted, people):
    login(client, people["clerk"])
    form = client.get(action_url(accepted, "resolve")).context["form"]
    assert Outcome.UNREASONABLE not in dict(form.fields["outcome"].choices)
    response = post(
        client, accepted, "resolve", outcome=Outcome.UNREASONABLE, reply="无理诉求"
    )
    assert response.status_code == 200
    assert "outcome" in response.context["form"].errors
    login(client, people["leader"])
    response = post(
        client, accepted, "resolve", outcome=Outcome.UNREASONABLE, reply="无理诉求"
    )
    assert_done(response, accepted, admin_views.RESOLVED)
    assert accepted.outcome_confirmed_by == people["leader"]


def test_reopen_a_closed_case(client, accepted, people):
    workflow.resolve_case(
        case=accepted, actor=people["clerk"], outcome=Outcome.SOLVED, reply="已修复"
    )
    workflow.confirm_case(case=accepted, actor=people["owner"])
    response = post(
        login(client, people["clerk"]), accepted, "reopen", reason="群众反映仍漏水"
    )
    assert_done(response, accepted, admin_views.REOPENED)
    assert accepted.status == S.ACCEPTED
    assert accepted.reopen_count == 1


# --- refused ----------------------------------------------------------------


def test_missing_reason_is_shown_next_to_the_field(client, case, people):
    response = post(login(client, people["clerk"]), case, "decline", reason="   ")
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [str(workflow.REASON_REQUIRED)]
    case.refresh_from_db()
    assert case.status == S.SUBMITTED


def test_material_twice_is_refused_next_to_the_items(client, case, people):
    workflow.request_material(case=case, actor=people["clerk"], items=["房产证"])
    workflow.resubmit_case(case=case, actor=people["owner"], answer="已补")
    case.refresh_from_db()
    response = post(
        login(client, people["clerk"]), case, "request-material", items="身份证"
    )
    assert response.status_code == 200
    assert response.context["form"].errors["items"] == [
        str(workflow.MATERIAL_ALREADY_REQUESTED)
    ]


@pytest.mark.parametrize("name", list(admin_views.ACTIONS))
def test_clerk_of_another_department_gets_404(client, case, people, name):
    login(client, people["other_clerk"])
    assert client.get(action_url(case, name)).status_code == 404
    assert post(client, case, name, reason="x").status_code == 404
    assert case.events.count() == 1


@pytest.mark.parametrize("name", list(admin_views.ACTIONS))
def test_committee_is_refused(client, case, people, name):
    login(client, people["committee"])
    assert client.get(action_url(case, name)).status_code == 403
    assert post(client, case, name, reason="x", note="x").status_code == 403
    case.refresh_from_db()
    assert case.status == S.SUBMITTED
    assert case.events.count() == 1


def test_a_clerk_only_extends_as_a_leader(client, accepted, people):
    response = post(
        login(client, people["clerk"]), accepted, "extend", amount=5, reason="x"
    )
    assert response.status_code == 403
    assert not accepted.extensions.exists()


def test_department_that_transferred_a_case_away_may_read_but_not_act(
    client, case, people, district
):
    workflow.transfer_case(
        case=case, actor=people["clerk"], department=district["market"], reason="职责"
    )
    login(client, people["clerk"])
    assert buttons(client, case) == []
    assert post(client, case, "accept").status_code == 403
    case.refresh_from_db()
    assert case.status == S.SUBMITTED
    assert case.department == district["market"]


def test_anonymous_is_sent_to_log_in(client, case):
    response = client.get(action_url(case, "accept"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_unknown_step_and_unknown_case_are_404(client, case, people):
    login(client, people["clerk"])
    assert client.get(action_url(case, "delete")).status_code == 404
    missing = reverse("admin:cases_case_workflow", args=[case.pk + 1000, "accept"])
    assert client.get(missing).status_code == 404
    assert client.get("/admin/cases/case/abc/workflow/accept/").status_code == 404


def test_stale_form_gets_already_handled_and_nothing_changes(client, case, people):
    login(client, people["clerk"])
    seen = client.get(action_url(case, "decline")).context["form"]["version"].value()
    # Meanwhile a colleague accepts the case.
    workflow.accept_case(case=case, actor=people["clerk2"])
    response = client.post(
        action_url(case, "decline"), {"version": seen, "reason": "材料不全"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        str(workflow.ALREADY_HANDLED)
    ]
    assert str(workflow.ALREADY_HANDLED) in response.content.decode()
    case.refresh_from_db()
    assert case.status == S.ACCEPTED
    assert list(case.events.values_list("kind", flat=True)) == [
        CaseEvent.Kind.SUBMITTED,
        CaseEvent.Kind.ACCEPTED,
    ]


def test_stale_form_of_the_same_step_is_refused_too(client, case, people):
    login(client, people["clerk"])
    seen = case.version
    workflow.assign_case(case=case, actor=people["clerk2"], assignee=people["clerk2"])
    response = client.post(
        action_url(case, "assign"), {"version": seen, "assignee": people["clerk"].pk}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        str(workflow.ALREADY_HANDLED)
    ]
    case.refresh_from_db()
    assert case.assignee == people["clerk2"]


def test_step_that_does_not_fit_the_status_sends_back_to_the_case(client, case, people):
    login(client, people["clerk"])
    response = client.get(action_url(case, "resolve"))
    assert response.status_code == 302
    assert response["Location"] == change_url(case)
    assert messages_of(response) == [
        str(admin_views.NOT_NOW % {"status": case.get_status_display()})
    ]


def test_posting_a_step_that_does_not_fit_gets_the_workflow_message(
    client, case, people
):
    response = post(login(client, people["clerk"]), case, "reopen", reason="再办")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        str(workflow.INVALID_TRANSITION % {"status": case.get_status_display()})
    ]


# --- bulk actions on the list -------------------------------------------------


def changelist_action(client, action, cases):
    return client.post(
        reverse("admin:cases_case_changelist"),
        {"action": action, "_selected_action": [c.pk for c in cases]},
    )


def test_bulk_accept_and_assign_to_me(client, category, people):
    cases = [file_case(category, people["owner"], title=f"事项{i}") for i in range(3)]
    login(client, people["clerk"])
    response = changelist_action(client, "accept_selected", cases)
    assert response.status_code == 302
    response = changelist_action(client, "assign_selected_to_me", cases)
    assert response.status_code == 302
    for case in cases:
        case.refresh_from_db()
        assert case.status == S.ACCEPTED
        assert case.assignee == people["clerk"]
        assert case.history.first().history_user == people["clerk"]


def test_bulk_accept_reports_each_refusal(client, category, people):
    fresh = file_case(category, people["owner"], title="新事项")
    done = workflow.decline_case(
        case=file_case(category, people["owner"]), actor=people["clerk"], reason="重复"
    )
    login(client, people["clerk"])
    response = changelist_action(client, "accept_selected", [fresh, done])
    notes = messages_of(response)
    assert any(done.tracking_number in note for note in notes)
    fresh.refresh_from_db()
    done.refresh_from_db()
    assert fresh.status == S.ACCEPTED
    assert done.status == S.DECLINED


def test_bulk_action_skips_cases_the_clerk_cannot_see(client, case, people):
    login(client, people["other_clerk"])
    changelist_action(client, "accept_selected", [case])
    case.refresh_from_db()
    assert case.status == S.SUBMITTED


def test_committee_has_no_bulk_actions(client, case, people):
    login(client, people["committee"])
    page = client.get(reverse("admin:cases_case_changelist"))
    assert "accept_selected" not in page.content.decode()
    changelist_action(client, "assign_selected_to_me", [case])
    case.refresh_from_db()
    assert case.assignee is None
