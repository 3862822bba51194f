"""Every workflow transition, allowed and refused."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from portal.cases import workflow
from portal.cases.models import Case, CaseEvent, CaseStatus, Outcome
from portal.cases.tests.factories import (
    ELF_BYTES,
    file_case,
    make_category,
    pdf_upload,
)

SH = ZoneInfo("Asia/Shanghai")
S = CaseStatus


def fresh(case):
    return Case.objects.get(pk=case.pk)


def messages_of(excinfo):
    return " ".join(excinfo.value.messages)


def assert_refused(call, message, **params):
    with pytest.raises(ValidationError) as excinfo:
        call()
    expected = str(message % params if params else message)
    assert expected in messages_of(excinfo)


@pytest.fixture
def submitted(category, people):
    return file_case(category, people["owner"])


@pytest.fixture
def accepted(submitted, people):
    return workflow.accept_case(case=submitted, actor=people["clerk"])


@pytest.fixture
def resolved(accepted, people):
    return workflow.resolve_case(
        case=accepted, actor=people["clerk"], outcome=Outcome.SOLVED, reply="已维修完毕。"
    )


# --- submit ------------------------------------------------------------------


def test_submit_creates_case_with_tracking_number_stage_and_event(
    category, people, fresh_tracking_numbers
):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=SH), tick=False):
        case = file_case(category, people["owner"], files=[pdf_upload()])
    case = fresh(case)
    assert case.status == S.SUBMITTED
    assert case.tracking_number == "2026-0000001"
    assert case.department == category.department
    assert case.stage == "acceptance"
    # 7 calendar days from Monday 2 March 2026: Monday 9 March, end of day.
    assert case.stage_due_at.astimezone(SH).date() == datetime.date(2026, 3, 9)
    assert case.stage_yellow_at < case.stage_orange_at < case.stage_due_at
    assert list(case.events.values_list("kind", flat=True)) == ["submitted"]
    assert case.attachments.get().original_name == "材料.pdf"
    assert case.history.get().history_user == people["owner"]


def test_tracking_numbers_count_per_year(category, people, fresh_tracking_numbers):
    with time_machine.travel(datetime.datetime(2026, 12, 31, 23, 0, tzinfo=SH)):
        first = file_case(category, people["owner"])
    with time_machine.travel(datetime.datetime(2027, 1, 1, 0, 30, tzinfo=SH)):
        second = file_case(category, people["owner"])
        third = file_case(category, people["owner"])
    assert first.tracking_number == "2026-0000001"
    assert second.tracking_number == "2027-0000001"
    assert third.tracking_number == "2027-0000002"


def test_submit_validates_extra_fields_and_saves_nothing(district, people):
    category = make_category(
        district["housing"],
        code="with-fields",
        form_fields=[
            {"code": "address", "label": "房屋地址", "type": "text", "required": True},
            {"code": "floor", "label": "楼层", "type": "integer"},
        ],
    )
    with pytest.raises(ValidationError) as excinfo:
        file_case(category, people["owner"], details={"floor": "三"})
    assert set(excinfo.value.message_dict) == {"address", "floor"}
    assert Case.objects.count() == 0
    case = file_case(category, people["owner"], details={"address": "牌楼1号", "floor": "3"})
    assert case.details == {"address": "牌楼1号", "floor": 3}


def test_submit_refuses_a_disguised_executable_and_saves_nothing(category, people):
    with pytest.raises(ValidationError) as excinfo:
        file_case(category, people["owner"], files=[pdf_upload("合同.pdf", ELF_BYTES)])
    assert "合同.pdf" in messages_of(excinfo)
    assert Case.objects.count() == 0


def test_submit_refuses_a_file_over_the_limit(category, people, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as excinfo:
        file_case(category, people["owner"], files=[pdf_upload(content=b"%PDF-1.4" + b"0" * 4096)])
    assert "MB" in messages_of(excinfo)
    assert Case.objects.count() == 0


# --- accept / decline / material ----------------------------------------------


def test_accept_starts_handling_clock(submitted, people):
    case = workflow.accept_case(case=submitted, actor=people["clerk"])
    assert case.status == S.ACCEPTED
    assert case.stage == "handling"
    assert case.accepted_at and case.first_response_at
    event = case.events.last()
    assert (event.kind, event.actor, event.from_status, event.to_status) == (
        "accepted",
        people["clerk"],
        "submitted",
        "accepted",
    )
    record = case.history.first()
    assert record.history_user == people["clerk"]
    assert record.history_change_reason.startswith(str(CaseEvent.Kind.ACCEPTED.label))


@pytest.mark.parametrize("who", ["other_clerk", "owner", "other_resident", "committee"])
def test_accept_refused_without_handle_permission(submitted, people, who):
    assert_refused(lambda: workflow.accept_case(case=submitted, actor=people[who]), workflow.NOT_ALLOWED)
    assert fresh(submitted).status == S.SUBMITTED
    assert fresh(submitted).events.count() == 1


def test_supervising_street_may_handle_community_case(district, people):
    category = make_category(district["community"], code="community-matter")
    case = file_case(category, people["owner"])
    workflow.accept_case(case=case, actor=people["street_clerk"])
    assert fresh(case).status == S.ACCEPTED


def test_accept_twice_is_refused_as_invalid(accepted, people):
    assert_refused(
        lambda: workflow.accept_case(case=fresh(accepted), actor=people["clerk"]),
        workflow.INVALID_TRANSITION,
        status=S.ACCEPTED.label,
    )


def test_stale_copy_is_refused_as_already_handled(submitted, people):
    stale = fresh(submitted)
    workflow.accept_case(case=submitted, actor=people["clerk"])
    assert_refused(
        lambda: workflow.decline_case(case=stale, actor=people["clerk2"], reason="材料不全"),
        workflow.ALREADY_HANDLED,
    )
    assert fresh(submitted).status == S.ACCEPTED


def test_decline_needs_reason_and_closes(submitted, people):
    assert_refused(
        lambda: workflow.decline_case(case=submitted, actor=people["clerk"], reason="  "),
        workflow.REASON_REQUIRED,
    )
    case = workflow.decline_case(case=submitted, actor=people["clerk"], reason="不属于受理范围")
    assert case.status == S.DECLINED and case.closed_at
    assert case.stage_due_at is None
    assert case.events.last().message == "不属于受理范围"


def test_material_request_is_consolidated_and_resubmission_restarts_clock(submitted, people):
    assert_refused(
        lambda: workflow.request_material(case=submitted, actor=people["clerk"], items=[" "]),
        workflow.ITEMS_REQUIRED,
    )
    case = workflow.request_material(
        case=submitted, actor=people["clerk"], items=["身份证复印件", "房屋产权证明"]
    )
    assert case.status == S.NEEDS_MATERIAL and case.stage_due_at is None
    assert case.material_requests.get().items == ["身份证复印件", "房屋产权证明"]
    assert_refused(
        lambda: workflow.resubmit_case(case=case, actor=people["other_resident"]),
        workflow.NOT_ALLOWED,
    )
    case = workflow.resubmit_case(
        case=case, actor=people["owner"], answer="已补充", files=[pdf_upload("产权证明.pdf")]
    )
    assert case.status == S.SUBMITTED and case.stage == "acceptance"
    assert case.stage_due_at is not None
    assert case.material_requests.get().answered_at is not None
    assert case.attachments.count() == 1
    assert_refused(
        lambda: workflow.request_material(case=case, actor=people["clerk"], items=["再补一份"]),
        workflow.MATERIAL_ALREADY_REQUESTED,
    )


# --- routing -------------------------------------------------------------------


def test_assign_to_a_clerk_of_the_department_only(submitted, people):
    case = workflow.assign_case(case=submitted, actor=people["clerk"], assignee=people["clerk2"])
    assert case.assignee == people["clerk2"]
    assert not case.events.last().is_public
    assert_refused(
        lambda: workflow.assign_case(case=case, actor=people["clerk"], assignee=people["other_clerk"]),
        workflow.ASSIGNEE_NOT_STAFF,
        user=str(people["other_clerk"]),
    )


def test_transfer_moves_case_and_keeps_view_for_the_old_department(
    accepted, people, district
):
    from portal.cases.policies import can_handle, can_view

    case = workflow.transfer_case(
        case=accepted, actor=people["clerk"], department=district["market"], reason="属市场监管职责"
    )
    assert case.department == district["market"]
    assert case.status == S.SUBMITTED and case.assignee is None
    assert can_view(people["clerk"], case) and not can_handle(people["clerk"], case)
    assert can_handle(people["other_clerk"], case)
    assert_refused(
        lambda: workflow.transfer_case(
            case=case, actor=people["other_clerk"], department=district["market"], reason="x"
        ),
        workflow.SAME_DEPARTMENT,
        department=str(district["market"]),
    )


def test_escalate_goes_up_the_tree_only(district, people):
    category = make_category(district["community"], code="community-matter")
    case = file_case(category, people["owner"])
    assert_refused(
        lambda: workflow.escalate_case(
            case=case, actor=people["community_clerk"], reason="跨部门", to_department=district["other_community"]
        ),
        workflow.NOT_SUPERVISOR,
    )
    case = workflow.escalate_case(case=case, actor=people["community_clerk"], reason="社区无法解决")
    assert case.department == district["street"]
    from portal.cases.policies import can_handle, can_view

    assert can_view(people["community_clerk"], case)
    assert not can_handle(people["community_clerk"], case)
    district_case = workflow.escalate_case(case=case, actor=people["street_clerk"], reason="需区级协调")
    assert district_case.department == district["district"]
    assert_refused(
        lambda: workflow.escalate_case(case=district_case, actor=people["leader"], reason="x"),
        workflow.NOT_ALLOWED,
    )


def test_co_handling_lets_the_helper_department_act(accepted, people, district):
    from portal.cases.policies import can_handle

    assert not can_handle(people["other_clerk"], accepted)
    case = workflow.co_handle_case(
        case=accepted, actor=people["clerk"], department=district["market"], note="核查商户"
    )
    assert can_handle(people["other_clerk"], case)
    assert case.co_handlers.get().department == district["market"]


def test_extension_needs_a_leader_and_respects_the_legal_maximum(accepted, people):
    assert_refused(
        lambda: workflow.extend_deadline(case=accepted, actor=people["clerk"], amount=10, reason="需现场勘验"),
        workflow.LEADER_REQUIRED,
    )
    before = fresh(accepted).stage_due_at
    case = workflow.extend_deadline(case=fresh(accepted), actor=people["leader"], amount=20, reason="需现场勘验")
    assert case.stage_due_at > before
    extension = case.extensions.get()
    assert (extension.amount, extension.previous_due_at) == (20, before)
    with pytest.raises(ValidationError) as excinfo:
        workflow.extend_deadline(case=case, actor=people["leader"], amount=11, reason="再延")
    assert "10" in messages_of(excinfo)
    workflow.extend_deadline(case=case, actor=people["leader"], amount=10, reason="再延")
    assert fresh(case).extensions.count() == 2


def test_extension_refused_where_the_law_allows_none(district, people):
    category = make_category(district["housing"], code="no-ext", handling_extension=None)
    case = workflow.accept_case(case=file_case(category, people["owner"]), actor=people["clerk"])
    assert_refused(
        lambda: workflow.extend_deadline(case=case, actor=people["leader"], amount=1, reason="x"),
        workflow.NO_EXTENSION,
    )


# --- reply ---------------------------------------------------------------------


def test_resolve_requires_honest_outcome_details(accepted, people):
    with pytest.raises(ValidationError) as excinfo:
        workflow.resolve_case(case=accepted, actor=people["clerk"], outcome=Outcome.EXPLAINED, reply="")
    assert set(excinfo.value.message_dict) == {"reply", "basis"}
    with pytest.raises(ValidationError) as excinfo:
        workflow.resolve_case(case=accepted, actor=people["clerk"], outcome=Outcome.NOT_OUR_REMIT, reply="非本部门")
    assert set(excinfo.value.message_dict) == {"redirect"}
    with pytest.raises(ValidationError) as excinfo:
        workflow.resolve_case(case=accepted, actor=people["clerk"], outcome=Outcome.DUPLICATE, reply="重复")
    assert set(excinfo.value.message_dict) == {"duplicate_of"}
    assert_refused(
        lambda: workflow.resolve_case(
            case=accepted, actor=people["clerk"], outcome=Outcome.UNREASONABLE, reply="诉求不合理"
        ),
        workflow.LEADER_REQUIRED,
    )
    case = workflow.resolve_case(
        case=fresh(accepted), actor=people["leader"], outcome=Outcome.UNREASONABLE, reply="诉求不合理"
    )
    assert case.status == S.RESOLVED
    assert case.outcome_confirmed_by == people["leader"]


def test_resolve_not_our_remit_names_where_it_belongs(accepted, people):
    case = workflow.resolve_case(
        case=accepted,
        actor=people["clerk"],
        outcome=Outcome.NOT_OUR_REMIT,
        reply="该事项属于法院管辖。",
        redirect="区人民法院诉讼服务中心",
    )
    assert case.outcome_redirect == "区人民法院诉讼服务中心"
    assert case.stage == "confirmation"


def test_resolve_refused_before_acceptance(submitted, people):
    assert_refused(
        lambda: workflow.resolve_case(case=submitted, actor=people["clerk"], outcome="solved", reply="好"),
        workflow.INVALID_TRANSITION,
        status=S.SUBMITTED.label,
    )


def test_confirm_closes_and_rate_once(resolved, people):
    assert_refused(lambda: workflow.confirm_case(case=resolved, actor=people["clerk"]), workflow.NOT_ALLOWED)
    case = workflow.confirm_case(case=resolved, actor=people["owner"])
    assert case.status == S.CLOSED and case.verdict == "confirmed"
    assert_refused(
        lambda: workflow.rate_case(case=case, actor=people["owner"], stars=6), workflow.RATING_RANGE
    )
    case = workflow.rate_case(case=case, actor=people["owner"], stars=4, comment="处理及时")
    assert (case.rating, case.rating_comment) == (4, "处理及时")
    assert_refused(lambda: workflow.rate_case(case=case, actor=people["owner"], stars=5), workflow.ALREADY_RATED)


def test_rate_refused_before_reply(accepted, people):
    assert_refused(
        lambda: workflow.rate_case(case=accepted, actor=people["owner"], stars=5),
        workflow.INVALID_TRANSITION,
        status=S.ACCEPTED.label,
    )


def test_dispute_returns_to_handling_and_counts(resolved, people):
    case = workflow.dispute_case(case=resolved, actor=people["owner"], reason="仍然漏水")
    assert case.status == S.ACCEPTED
    assert (case.verdict, case.dispute_count) == ("disputed", 1)
    assert case.stage == "handling"


def test_reopen_within_the_window_only(resolved, people):
    with time_machine.travel(datetime.datetime(2026, 12, 1, 10, 0, tzinfo=SH), tick=False):
        case = workflow.confirm_case(case=resolved, actor=people["owner"])
    with time_machine.travel(datetime.datetime(2026, 12, 20, 10, 0, tzinfo=SH), tick=False):
        assert_refused(
            lambda: workflow.reopen_case(case=case, actor=people["owner"], reason="又漏了"),
            workflow.REOPEN_WINDOW_PASSED,
            days=15,
        )
        # A handler may still reopen it.
        reopened = workflow.reopen_case(case=case, actor=people["clerk"], reason="回访发现未解决")
    assert reopened.status == S.ACCEPTED and reopened.reopen_count == 1


def test_reopen_by_the_applicant_within_the_window(resolved, people):
    case = workflow.confirm_case(case=resolved, actor=people["owner"])
    case = workflow.reopen_case(case=case, actor=people["owner"], reason="又漏了")
    assert case.status == S.ACCEPTED and case.closed_at is None


def test_withdraw_by_the_applicant_only_and_not_after_reply(submitted, resolved, people):
    assert_refused(
        lambda: workflow.withdraw_case(case=resolved, actor=people["owner"]),
        workflow.INVALID_TRANSITION,
        status=S.RESOLVED.label,
    )
    other = file_case(resolved.category, people["owner"])
    assert_refused(lambda: workflow.withdraw_case(case=other, actor=people["clerk"]), workflow.NOT_ALLOWED)
    case = workflow.withdraw_case(case=other, actor=people["owner"], reason="已自行解决")
    assert case.status == S.WITHDRAWN and case.closed_at


def test_proxy_submitter_may_act_for_the_applicant(category, people):
    from portal.accounts.tests.factories import UserFactory

    proxy = UserFactory(username="proxy")
    case = file_case(category, people["owner"], submitter=proxy)
    assert case.applicant == people["owner"] and case.submitter == proxy
    workflow.withdraw_case(case=case, actor=proxy)
    assert fresh(case).status == S.WITHDRAWN


def test_committee_is_read_only(submitted, people):
    from portal.cases.policies import can_handle, can_view

    assert can_view(people["committee"], submitted)
    assert not can_handle(people["committee"], submitted)
