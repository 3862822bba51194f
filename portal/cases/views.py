"""The case pages of the site. Each one starts from visible_cases.

The detail page shows the applicant the forms that fit the case's state; each
form posts to its own small view, which passes the case on to the workflow
with the version the form was rendered with, so a form submitted after the
case moved on changes nothing and says so.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from portal.audit import services as audit
from portal.cases import policies, workflow
from portal.cases.form_fields import labelled_details
from portal.cases.forms import ACTION_FORMS, FIELD_FOR_CODE, show_workflow_error
from portal.cases.history import case_history_rows
from portal.cases.models import Case, CaseEvent, CaseStatus
from portal.cases.selectors import (
    case_files,
    case_get_for_user,
    case_list_for_user,
    case_timeline,
    own_case_rows,
    sees_all_cases,
)
from portal.cases.site_rows import case_rows_html, timeline_html

PAGE_SIZE = 20

MATERIAL_SENT = _("Your material has been sent; the department decides anew.")
WITHDRAWN = _("The matter has been withdrawn.")
CONFIRMED = _("Thank you. The matter is closed.")
DISPUTED = _("The matter goes back to the department, with your reasons.")
RATED = _("Thank you for your rating.")
REOPENED = _("The matter is open again and the department handles it anew.")
DONE = {
    "material": MATERIAL_SENT,
    "withdraw": WITHDRAWN,
    "confirm": CONFIRMED,
    "dispute": DISPUTED,
    "rate": RATED,
    "reopen": REOPENED,
}

S = CaseStatus


def _page_number(value) -> int | None:
    """The page asked for, or None where Paginator.get_page decides (below
    1); not a whole number means page 1, as get_page has it."""
    try:
        number = int(value) if value is not None else 1
    except (TypeError, ValueError):
        return 1
    return number if number >= 1 else None


def _page(request):
    """The page of the list. A resident's own matters are few (41 for the
    bench's busiest resident), so their number comes with the page's rows
    (COUNT(*) OVER ()), one query instead of Paginator's two, compiled once
    (own_case_rows). Staff, whose list is their units' cases (hundreds of
    thousands at 10M), keep the separate count: the window would read every
    row before the LIMIT."""
    user = request.user
    number = _page_number(request.GET.get("page"))
    if number is not None and not (user.is_staff or sees_all_cases(user)):
        rows = own_case_rows(user, (number - 1) * PAGE_SIZE, PAGE_SIZE)
        if rows:
            paginator = Paginator((), PAGE_SIZE)
            # The number of all the rows is each row's last column.
            paginator.count = rows[0][-1]
            return Page([row[:-1] for row in rows], number, paginator)
    # Out of range, empty or staff: Django's own answer.
    paginator = Paginator(case_list_for_user(user), PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


@login_required
@require_GET
def case_list(request):
    """The applicant's matters, newest first, drawn in one pass from the
    columns a row shows (portal.cases.site_rows): the page is read often and
    its rows are many."""
    page = _page(request)
    return render(
        request,
        "cases/list.html",
        {"page": page, "rows": case_rows_html(page, timezone.now())},
    )


def reopen_until(case: Case) -> datetime.datetime | None:
    """Until when the applicant may reopen a closed case."""
    if case.status != S.CLOSED or case.closed_at is None:
        return None
    return case.closed_at + datetime.timedelta(days=case.category.reopen_window_days)


def applicant_actions(case: Case, user) -> list[str]:
    """The forms the applicant gets for the case's state, in page order.
    The workflow decides again when one is used; this only avoids offering
    what it would refuse."""
    if not policies.acts_for_applicant(user, case):
        return []
    actions = []
    if case.status == S.NEEDS_MATERIAL:
        actions.append("material")
    if case.status == S.RESOLVED:
        actions += ["confirm", "dispute"]
    if (
        case.status in (S.RESOLVED, S.CLOSED)
        and case.rating is None
        and case.applicant_id is not None
    ):
        actions.append("rate")
    until = reopen_until(case)
    if until is not None and timezone.now() <= until:
        actions.append("reopen")
    if case.status in (S.SUBMITTED, S.NEEDS_MATERIAL, S.ACCEPTED):
        actions.append("withdraw")
    return actions


def detail_rows(case: Case) -> list[tuple[str, object]]:
    """The category's extra fields as (label, value), in the category's order."""
    return labelled_details(case.category.form_fields, case.details)


def _material_request(case: Case, timeline: list[CaseEvent]):
    """The case's request for more material, if it had one. The workflow
    writes each with a public timeline entry in the same transaction, so a
    timeline without that entry spares the query."""
    if not any(event.kind == CaseEvent.Kind.MATERIAL_REQUESTED for event in timeline):
        return None
    return case.material_requests.order_by("-requested_at", "-id").first()


def _render_detail(request, case: Case, failed_form=None):
    internal = policies.can_view_internal(request.user, case)
    timeline = case_timeline(case, internal=internal)
    attachments = case_files(case, internal=internal)
    actions = applicant_actions(case, request.user)
    forms = {action: ACTION_FORMS[action](case=case) for action in actions}
    if failed_form is not None and failed_form.action in forms:
        forms[failed_form.action] = failed_form
    until = reopen_until(case)
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "timeline": timeline,
            "timeline_html": timeline_html(timeline, internal=internal),
            "attachments": attachments,
            "internal": internal,
            "material_request": _material_request(case, timeline),
            "details": detail_rows(case),
            "forms": forms,
            "failed_form": failed_form,
            # A failed form whose section is gone (the case moved on) shows
            # all its errors at the top of the page.
            "failed_elsewhere": failed_form is not None
            and failed_form.action not in forms,
            "is_applicant": policies.acts_for_applicant(request.user, case),
            "reopen_until": until,
            "reopen_passed": until is not None and timezone.now() > until,
        },
    )


@login_required
@require_GET
def case_detail(request, pk):
    case = case_get_for_user(user=request.user, pk=pk)
    return _render_detail(request, case)


@login_required
@require_GET
def case_filed(request, pk):
    """The confirmation after filing: the tracking number and when the first
    stage is due, on what legal basis."""
    case = case_get_for_user(user=request.user, pk=pk)
    policy = case.category.policy_for(case.stage) if case.stage else None
    return render(request, "cases/filed.html", {"case": case, "policy": policy})


def _act(request, pk, action, run):
    """Validate the action's form and hand it to the workflow; on any refusal
    show the case again with the errors, having saved nothing."""
    case = case_get_for_user(user=request.user, pk=pk)
    form = ACTION_FORMS[action](request.POST, request.FILES, case=case)
    if form.is_valid():
        current = case.version
        case.version = form.cleaned_data["version"]
        try:
            run(case, form.cleaned_data)
        except workflow.WorkflowError as error:
            case.version = current
            show_workflow_error(form, error, FIELD_FOR_CODE)
        else:
            messages.success(request, DONE[action])
            return redirect(case)
    return _render_detail(request, case, failed_form=form)


@login_required
@require_POST
def case_resubmit(request, pk):
    return _act(
        request,
        pk,
        "material",
        lambda case, data: workflow.resubmit_case(
            case=case,
            actor=request.user,
            answer=data["answer"],
            files=data["attachments"],
        ),
    )


@login_required
@require_POST
def case_withdraw(request, pk):
    return _act(
        request,
        pk,
        "withdraw",
        lambda case, data: workflow.withdraw_case(
            case=case, actor=request.user, reason=data["reason"]
        ),
    )


@login_required
@require_POST
def case_confirm(request, pk):
    return _act(
        request,
        pk,
        "confirm",
        lambda case, data: workflow.confirm_case(case=case, actor=request.user),
    )


@login_required
@require_POST
def case_dispute(request, pk):
    return _act(
        request,
        pk,
        "dispute",
        lambda case, data: workflow.dispute_case(
            case=case, actor=request.user, reason=data["reason"]
        ),
    )


@login_required
@require_POST
def case_rate(request, pk):
    return _act(
        request,
        pk,
        "rate",
        lambda case, data: workflow.rate_case(
            case=case,
            actor=request.user,
            stars=data["stars"],
            comment=data["comment"],
        ),
    )


@login_required
@require_POST
def case_reopen(request, pk):
    return _act(
        request,
        pk,
        "reopen",
        lambda case, data: workflow.reopen_case(
            case=case, actor=request.user, reason=data["reason"]
        ),
    )


@login_required
@require_GET
def case_history(request, pk):
    case = case_get_for_user(user=request.user, pk=pk)
    if not policies.can_view_internal(request.user, case):
        audit.access_refused(
            user=request.user, object_type="cases.case", object_id=case.pk
        )
        raise PermissionDenied
    return render(
        request,
        "cases/history.html",
        {"case": case, "rows": case_history_rows(case)},
    )


@login_required
@require_GET
def attachment_download(request, pk, attachment_pk):
    case = case_get_for_user(user=request.user, pk=pk)
    attachments = case.attachments.all()
    if not policies.can_view_internal(request.user, case):
        attachments = attachments.filter(is_internal=False)
    attachment = attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        audit.access_refused(
            user=request.user, object_type="cases.attachment", object_id=attachment_pk
        )
        raise Http404
    audit.exported(
        what="case_attachment", request=request, target=attachment, case=case.pk
    )
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
