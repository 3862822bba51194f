"""My matters and a matter's page: the list, the public timeline, and each of
the applicant's forms with its refusals."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from portal.cases import workflow
from portal.cases.models import Attachment, Case, CaseEvent, CaseStatus, Stage
from portal.cases.tests.factories import (
    ELF_BYTES,
    file_case,
    pdf_upload,
)
from portal.cases.tests.site_helpers import page, shown
from portal.cases.views import (
    CONFIRMED,
    DISPUTED,
    MATERIAL_SENT,
    PAGE_SIZE,
    RATED,
    REOPENED,
    WITHDRAWN,
)
from portal.cases.warnings import Colour

S = CaseStatus


@pytest.fixture
def owner_client(client, people):
    client.force_login(people["owner"])
    return client


@pytest.fixture
def submitted(category, people):
    return file_case(category, people["owner"], files=[pdf_upload("身份证.pdf")])


@pytest.fixture
def accepted(submitted, people):
    return workflow.accept_case(case=submitted, actor=people["clerk"], note="已受理")


@pytest.fixture
def resolved(accepted, people):
    return workflow.resolve_case(
        case=accepted, actor=people["clerk"], outcome="solved", reply="已派人修好。"
    )


@pytest.fixture
def needs_material(submitted, people):
    return workflow.request_material(
        case=submitted,
        actor=people["clerk"],
        items=["房屋产权证明复印件", "漏水照片"],
        note="请一次补齐。",
    )


def fresh(case):
    return Case.objects.get(pk=case.pk)


def detail(case):
    return reverse("cases:detail", args=[case.pk])


def act(name, case):
    return reverse(f"cases:{name}", args=[case.pk])


# --- my matters -------------------------------------------------------------


def test_my_matters_lists_own_cases_newest_first_with_stage_due_and_colour(
    owner_client, category, people
):
    shanghai = ZoneInfo("Asia/Shanghai")
    with time_machine.travel(datetime.datetime(2025, 3, 3, 10, tzinfo=shanghai)):
        # 7 calendar days: due at the end of Monday 10 March.
        older = file_case(category, people["owner"], title="旧事")
    with time_machine.travel(datetime.datetime(2025, 3, 9, 19, tzinfo=shanghai)):
        newer = file_case(category, people["owner"], title="新事")
        file_case(category, people["other_resident"], title="别人的事")
    with time_machine.travel(datetime.datetime(2025, 3, 9, 20, tzinfo=shanghai)):
        html = page(owner_client.get(reverse("cases:list")))
    assert html.index(newer.tracking_number) < html.index(older.tracking_number)
    assert "别人的事" not in html
    assert shown(S.SUBMITTED.label) in html
    assert shown(Stage.ACCEPTANCE.label) in html
    assert "2025-03-10 23:59" in html
    # The older one is in the last fifth of its time: orange; the new one blue.
    assert html.count("colour-orange") == 1 and html.count("colour-blue") == 1
    assert shown(Colour.ORANGE.label) in html and shown(Colour.BLUE.label) in html
    # The rows are worked out in the view: the same link and times the model
    # and the date filters give.
    assert f'href="{older.get_absolute_url()}"' in html
    assert 'datetime="2025-03-10T23:59:59.999999+08:00"' in html
    assert shown(category.name) in html and shown(category.department.name) in html


def test_my_matters_is_paginated(owner_client, category, people):
    for i in range(PAGE_SIZE + 2):
        file_case(category, people["owner"], title=f"事{i}")
    first = page(owner_client.get(reverse("cases:list")))
    second = page(owner_client.get(reverse("cases:list"), {"page": 2}))
    assert first.count('class="case-row') == PAGE_SIZE
    assert second.count('class="case-row') == 2
    assert "?page=2" in first
    # As Paginator.get_page answers: past the end or below 1 the last page,
    # not a number the first.
    for asked, rows in (("99", 2), ("0", 2), ("abc", PAGE_SIZE), ("2.5", PAGE_SIZE)):
        html = page(owner_client.get(reverse("cases:list"), {"page": asked}))
        assert html.count('class="case-row') == rows, asked
        assert ("2 / 2" if rows == 2 else "1 / 2") in html


def test_own_case_rows_are_the_querysets_rows(
    category, people, django_assert_num_queries
):
    """own_case_rows (compiled once) gives case_list_for_user's rows with
    their number, page by page, for the applicant and for the one who filed
    for them; another resident's rows stay theirs."""
    from django.db.models import Count, Window

    from portal.cases.selectors import case_list_for_user, own_case_rows

    owner, other = people["owner"], people["other_resident"]
    for i in range(PAGE_SIZE + 3):
        file_case(category, owner, title=f"事{i}")
    file_case(category, other, submitter=owner, title="代办")
    file_case(category, other, title="别人的")
    for user in (owner, other):
        counted = case_list_for_user(user).annotate(total=Window(Count("*")))
        for start in (0, PAGE_SIZE, 2 * PAGE_SIZE):
            with django_assert_num_queries(1):
                rows = own_case_rows(user, start, PAGE_SIZE)
            assert rows == list(counted[start : start + PAGE_SIZE])
    assert len(own_case_rows(owner, 0, PAGE_SIZE)) == PAGE_SIZE
    assert own_case_rows(owner, 0, PAGE_SIZE)[0][-1] == PAGE_SIZE + 4
    assert {row[2] for row in own_case_rows(other, 0, PAGE_SIZE)} == {"代办", "别人的"}


def test_my_matters_without_matters(owner_client):
    html = page(owner_client.get(reverse("cases:list"), {"page": 3}))
    assert 'class="case-row' not in html and 'class="pager' not in html


def test_my_matters_rows_escape_what_residents_typed(owner_client, category, people):
    # The rows are drawn in Python (portal.cases.site_rows), not by the
    # template's autoescaping: every value must be escaped there.
    category.name = "<b>类</b>"
    category.save(update_fields=["name"])
    file_case(category, people["owner"], title='<script>alert("x")</script>')
    html = page(owner_client.get(reverse("cases:list")))
    assert "<script>" not in html and "<b>类</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;b&gt;类&lt;/b&gt;" in html


def test_staff_list_their_units_matters_through_the_paginator(client, category, people):
    # Staff take Paginator's separate count (no window), with the same rows.
    for i in range(PAGE_SIZE + 1):
        file_case(category, people["owner"], title=f"事{i}")
    client.force_login(people["clerk"])
    html = page(client.get(reverse("cases:list")))
    assert html.count('class="case-row') == PAGE_SIZE
    assert "1 / 2" in html and f"事{PAGE_SIZE}" in html
    client.force_login(people["other_clerk"])
    assert 'class="case-row' not in page(client.get(reverse("cases:list")))


@pytest.mark.parametrize("n", [3, 30])
def test_my_matters_query_count_is_constant(
    owner_client, category, people, n, django_assert_num_queries
):
    for _ in range(n):
        file_case(category, people["owner"])
    # session, user, the page of cases with category and department and
    # their number (COUNT(*) OVER ()), the unread inbox count in the header;
    # no permission query: a resident (not staff) never sees every case
    with django_assert_num_queries(4):
        assert owner_client.get(reverse("cases:list")).status_code == 200


def test_my_matters_needs_login(client):
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- the detail page ----------------------------------------------------------


def test_detail_shows_the_public_timeline_only(owner_client, accepted, people):
    workflow.assign_case(
        case=accepted, actor=people["clerk"], assignee=people["clerk2"]
    )
    workflow.transfer_case(
        case=fresh(accepted),
        actor=people["clerk"],
        department=people["other_clerk"].memberships.get().department,
        reason="内部说明：不归我局",
    )
    response = owner_client.get(detail(accepted))
    html = page(response)
    assert "已受理" in html
    assert "内部说明" not in html
    assert str(people["clerk2"]) not in html
    assert all(event.is_public for event in response.context["timeline"])
    submitted = response.context["timeline"][0]
    assert shown(CaseEvent.Kind.SUBMITTED.label) in html
    local = timezone.localtime(submitted.created_at)
    assert f'<time datetime="{local.isoformat()}">' in html
    assert local.strftime("%Y-%m-%d %H:%M") in html


def test_staff_of_the_department_see_the_internal_entries(client, accepted, people):
    workflow.assign_case(
        case=accepted, actor=people["clerk"], assignee=people["clerk2"]
    )
    client.force_login(people["clerk"])
    response = client.get(detail(accepted))
    assert any(not event.is_public for event in response.context["timeline"])
    # Staff get no applicant forms.
    assert response.context["forms"] == {}


def test_timeline_entries_are_escaped_with_their_line_breaks(
    owner_client, client, resolved, people
):
    # The entries are drawn in Python (portal.cases.site_rows.timeline_html).
    workflow.dispute_case(
        case=resolved, actor=people["owner"], reason="<b>没修好</b>\n第二行"
    )
    html = page(owner_client.get(detail(resolved)))
    assert "<b>没修好</b>" not in html
    assert "<div>&lt;b&gt;没修好&lt;/b&gt;<br>第二行</div>" in html
    assert 'class="internal"' not in html
    client.force_login(people["clerk"])
    workflow.assign_case(
        case=fresh(resolved), actor=people["clerk"], assignee=people["clerk2"]
    )
    assert '<li class="internal">' in page(client.get(detail(resolved)))


def test_case_page_reads_the_same_timeline_and_files_as_the_querysets(
    owner_client, client, accepted, people
):
    # case_timeline and case_files are plain SQL; the querysets are the
    # definition (public entries and files for the applicant, all for staff).
    from portal.cases.attachments import check_upload, store_attachment
    from portal.cases.selectors import (
        case_files,
        case_timeline,
        full_timeline,
        public_timeline,
    )

    upload = pdf_upload("内部意见.pdf")
    content_type, sha = check_upload(upload)
    internal_file = store_attachment(
        case=accepted,
        upload=upload,
        content_type=content_type,
        sha256=sha,
        uploaded_by=people["clerk"],
        is_internal=True,
    )
    workflow.assign_case(
        case=accepted, actor=people["clerk"], assignee=people["clerk2"]
    )
    for internal, events in ((False, public_timeline), (True, full_timeline)):
        rows = case_timeline(accepted, internal=internal)
        expected = list(events(accepted))
        assert [e.pk for e in rows] == [e.pk for e in expected]
        assert [
            (e.kind, e.is_public, e.message, e.internal_note, e.created_at)
            for e in rows
        ] == [
            (e.kind, e.is_public, e.message, e.internal_note, e.created_at)
            for e in expected
        ]
        files = accepted.attachments.all()
        if not internal:
            files = files.filter(is_internal=False)
        read = case_files(accepted, internal=internal)
        assert [
            (f.pk, f.original_name, f.size, f.get_absolute_url()) for f in read
        ] == [(f.pk, f.original_name, f.size, f.get_absolute_url()) for f in files]
    assert len(case_timeline(accepted, internal=True)) > len(
        case_timeline(accepted, internal=False)
    )
    assert internal_file.pk not in [f.pk for f in case_files(accepted, internal=False)]
    assert internal_file.pk in [f.pk for f in case_files(accepted, internal=True)]
    html = page(owner_client.get(detail(accepted)))
    assert "身份证.pdf" in html and "内部意见.pdf" not in html
    client.force_login(people["clerk"])
    assert "内部意见.pdf" in page(client.get(detail(accepted)))


@pytest.mark.parametrize("who", ["other_resident", "other_clerk"])
def test_detail_is_404_for_others(client, submitted, people, who):
    client.force_login(people[who])
    assert client.get(detail(submitted)).status_code == 404
    assert client.get(reverse("cases:filed", args=[submitted.pk])).status_code == 404
    for name in ("withdraw", "confirm", "dispute", "rate", "reopen", "resubmit"):
        response = client.post(act(name, submitted), {"version": submitted.version})
        assert response.status_code == 404
    assert fresh(submitted).status == S.SUBMITTED


def test_forms_need_login_and_post(client, owner_client, submitted):
    assert owner_client.get(act("withdraw", submitted)).status_code == 405
    client.logout()
    response = client.post(act("withdraw", submitted), {"version": submitted.version})
    assert response.status_code == 302 and "login" in response["Location"]
    assert fresh(submitted).status == S.SUBMITTED


def _grow_timeline(case, people, cycles):
    """Each cycle adds two public entries: a reply and the applicant's dispute."""
    for i in range(cycles):
        case = workflow.resolve_case(
            case=case, actor=people["clerk"], outcome="solved", reply=f"第{i}次答复"
        )
        case = workflow.dispute_case(
            case=case, actor=people["owner"], reason=f"没修好{i}"
        )
    return case


@pytest.mark.parametrize("cycles", [2, 20])
def test_detail_query_count_is_constant(
    owner_client, client, accepted, people, cycles, django_assert_num_queries
):
    case = _grow_timeline(accepted, people, cycles)
    # session, user, the case, files, timeline, the unread inbox count (no
    # permission query: a resident never sees every case; no material
    # request: its timeline entry is missing, so it is not looked up)
    with django_assert_num_queries(6):
        response = owner_client.get(detail(case))
    assert page(response).count("没修好") == cycles
    client.force_login(people["clerk"])
    # + the clerk's permissions (sees_all_cases, staff) and the departments
    # the clerk sees through a grant (one small query, kept for the
    # request: granted_department_ids); whether the clerk may read
    # the internal entries is answered from those ids (policies), no query;
    # the permissions are one query since 60e33c8, where ModelBackend made
    # two
    with django_assert_num_queries(8):
        assert client.get(detail(case)).status_code == 200


# --- answering a request for more material --------------------------------


def test_material_request_is_shown_and_answered(owner_client, needs_material):
    html = page(owner_client.get(detail(needs_material)))
    assert (
        "房屋产权证明复印件" in html and "漏水照片" in html and "请一次补齐。" in html
    )
    assert act("resubmit", needs_material) in html
    response = owner_client.post(
        act("resubmit", needs_material),
        {
            "version": needs_material.version,
            "answer": "已补充。",
            "attachments": [pdf_upload("产权证明.pdf")],
        },
        follow=True,
    )
    case = fresh(needs_material)
    assert case.status == S.SUBMITTED
    assert case.attachments.count() == 2
    assert case.material_requests.get().answer == "已补充。"
    assert shown(MATERIAL_SENT) in page(response)
    # The answered request stays on the page (found through its timeline entry).
    assert "房屋产权证明复印件" in page(response)


def test_material_with_a_disguised_executable_saves_nothing(
    owner_client, needs_material
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.cases.attachments import FILE_CONTENT_MISMATCH

    response = owner_client.post(
        act("resubmit", needs_material),
        {
            "version": needs_material.version,
            "answer": "已补充。",
            "attachments": [SimpleUploadedFile("证明.pdf", ELF_BYTES)],
        },
    )
    assert response.status_code == 200
    html = page(response)
    form_html = html[html.index('id="material"') :]
    assert shown(FILE_CONTENT_MISMATCH, name="证明.pdf") in form_html
    case = fresh(needs_material)
    assert case.status == S.NEEDS_MATERIAL
    assert Attachment.objects.count() == 1
    assert case.material_requests.get().answered_at is None


# --- withdraw, confirm, dispute, rate, reopen -------------------------------


def test_withdraw(owner_client, accepted):
    response = owner_client.post(
        act("withdraw", accepted), {"version": accepted.version, "reason": "已自行解决"}
    )
    assert response.status_code == 302 and response["Location"] == detail(accepted)
    assert fresh(accepted).status == S.WITHDRAWN
    assert shown(WITHDRAWN) in page(owner_client.get(detail(accepted)))
    # Once withdrawn, no forms are offered.
    assert owner_client.get(detail(accepted)).context["forms"] == {}


def test_confirm_then_rate(owner_client, resolved):
    html = page(owner_client.get(detail(resolved)))
    assert "已派人修好。" in html
    assert act("confirm", resolved) in html and act("dispute", resolved) in html
    assert act("withdraw", resolved) not in html
    response = owner_client.post(
        act("confirm", resolved), {"version": resolved.version}, follow=True
    )
    assert shown(CONFIRMED) in page(response)
    case = fresh(resolved)
    assert case.status == S.CLOSED
    response = owner_client.post(
        act("rate", case),
        {"version": case.version, "stars": "4", "comment": "挺快"},
        follow=True,
    )
    case = fresh(case)
    assert (case.rating, case.rating_comment) == (4, "挺快")
    html = page(response)
    assert shown(RATED) in html
    assert "★★★★☆" in html
    assert act("rate", case) not in html  # rated once only


def test_rate_needs_stars(owner_client, resolved):
    from portal.cases.workflow import RATING_RANGE

    for stars in ("", "6", "0"):
        response = owner_client.post(
            act("rate", resolved), {"version": resolved.version, "stars": stars}
        )
        html = page(response)
        assert shown(RATING_RANGE) in html[html.index('id="rate"') :]
    assert fresh(resolved).rating is None


def test_dispute_needs_a_reason_and_sends_it_back(owner_client, resolved):
    response = owner_client.post(
        act("dispute", resolved), {"version": resolved.version, "reason": " "}
    )
    html = page(response)
    assert shown(workflow.REASON_REQUIRED) in html[html.index('id="dispute"') :]
    assert fresh(resolved).status == S.RESOLVED
    response = owner_client.post(
        act("dispute", resolved),
        {"version": resolved.version, "reason": "楼道还在漏"},
        follow=True,
    )
    case = fresh(resolved)
    assert (case.status, case.dispute_count) == (S.ACCEPTED, 1)
    assert shown(DISPUTED) in page(response)


def test_reopen_within_the_window_only(owner_client, resolved, people):
    closed = workflow.confirm_case(case=resolved, actor=people["owner"])
    assert act("reopen", closed) in page(owner_client.get(detail(closed)))
    response = owner_client.post(
        act("reopen", closed),
        {"version": closed.version, "reason": "又漏了"},
        follow=True,
    )
    assert fresh(closed).status == S.ACCEPTED
    assert shown(REOPENED) in page(response)


def test_reopen_after_the_window_is_not_offered_and_refused(
    owner_client, resolved, people
):
    resolved.category.reopen_window_days = 3
    resolved.category.save()
    closed = workflow.confirm_case(case=resolved, actor=people["owner"])
    later = timezone.now() + datetime.timedelta(days=4)
    with time_machine.travel(later):
        # Four days idle end a session (issue 7): the resident logs in again.
        owner_client.force_login(people["owner"])
        html = page(owner_client.get(detail(closed)))
        assert act("reopen", closed) not in html
        response = owner_client.post(
            act("reopen", closed), {"version": closed.version, "reason": "又漏了"}
        )
    assert response.status_code == 200
    assert shown(workflow.REOPEN_WINDOW_PASSED, days=3) in page(response)
    assert fresh(closed).status == S.CLOSED


# --- stale forms --------------------------------------------------------------


def test_a_stale_form_changes_nothing_and_says_so(owner_client, submitted, people):
    version = submitted.version
    rendered = page(owner_client.get(detail(submitted)))
    assert f'name="version" value="{version}"' in rendered
    # The clerk accepts while the resident's page is open.
    workflow.accept_case(case=fresh(submitted), actor=people["clerk"])
    events = CaseEvent.objects.count()
    response = owner_client.post(
        act("withdraw", submitted), {"version": version, "reason": "不要了"}
    )
    assert response.status_code == 200
    assert shown(workflow.ALREADY_HANDLED) in page(response)
    assert fresh(submitted).status == S.ACCEPTED
    assert CaseEvent.objects.count() == events


def test_a_stale_form_for_a_step_no_longer_offered_shows_the_error_on_top(
    owner_client, resolved, people
):
    old_version = resolved.version
    workflow.confirm_case(case=fresh(resolved), actor=people["owner"])
    response = owner_client.post(
        act("dispute", resolved), {"version": old_version, "reason": "没修好"}
    )
    html = page(response)
    assert shown(workflow.ALREADY_HANDLED) in html[: html.index("<h1")]
    assert fresh(resolved).status == S.CLOSED


def test_a_form_without_version_is_treated_as_stale(owner_client, submitted):
    response = owner_client.post(act("withdraw", submitted), {"reason": "x"})
    assert shown(workflow.ALREADY_HANDLED) in page(response)
    assert fresh(submitted).status == S.SUBMITTED


def test_a_stale_material_answer_stores_no_file(owner_client, needs_material, people):
    version = needs_material.version
    workflow.decline_case(
        case=fresh(needs_material), actor=people["clerk"], reason="逾期未补"
    )
    owner_client.post(
        act("resubmit", needs_material),
        {"version": version, "answer": "补", "attachments": [pdf_upload("补.pdf")]},
    )
    assert Attachment.objects.count() == 1
    assert fresh(needs_material).status == S.DECLINED
