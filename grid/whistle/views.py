"""The whistle pages: the ledger, one whistle's file with the forms its
viewer may use, blowing a whistle on a matter, and the negative list with its
exports. Every whistle is read through selectors.whistles_for_user, which
starts from visible_cases; the negative list is the committee's alone."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grid.whistle import exports, policies, selectors, services
from grid.whistle.forms import BlowForm, ReportForm, show_error
from grid.whistle.models import REPORT_LEGAL_BASIS, ReportState
from portal.audit import services as audit
from portal.cases.selectors import case_get_for_user

PAGE_SIZE = 50

BLOWN = _("The whistle is blown; the departments have two hours to report.")
REPORTED = _("Your department's report is recorded.")
TASK_DONE = _("The task is recorded as done.")
ACKNOWLEDGED = _("The committee's acknowledgement of the filing is recorded.")
STRUCK_OFF = _("The whistle is struck off.")


def _staff_only(user) -> None:
    """Residents have no whistle pages: 404, as for anything out of scope."""
    if not (user.is_active and user.is_staff):
        raise Http404


@login_required
@require_GET
def whistle_list(request):
    _staff_only(request.user)
    whistles = selectors.whistle_list_for_user(request.user)
    page = Paginator(whistles, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for whistle in page:
        states = [summons.report_state(now) for summons in whistle.summonses.all()]
        whistle.reported_count = sum(
            state in (ReportState.ON_TIME, ReportState.LATE) for state in states
        )
        whistle.missing_count = states.count(ReportState.MISSING)
    return render(request, "whistle/list.html", {"page": page})


def _render_detail(request, whistle, *, report_forms=None, status=200):
    user = request.user
    now = timezone.now()
    report_forms = report_forms or {}
    summonses = list(whistle.summonses.all())
    member_of = set(
        user.memberships.filter(
            department_id__in=[summons.department_id for summons in summonses]
        ).values_list("department_id", flat=True)
    )
    for summons in summonses:
        summons.state = summons.report_state(now)
        summons.state_label = ReportState(summons.state).label
        summons.mine = summons.department_id in member_of and not whistle.is_struck_off
        if summons.mine and summons.reported_at is None:
            summons.form = report_forms.get(summons.pk) or ReportForm(
                prefix=f"s{summons.pk}"
            )
    return render(
        request,
        "whistle/detail.html",
        {
            "whistle": whistle,
            "case": whistle.case,
            "summonses": summonses,
            "legal_basis": REPORT_LEGAL_BASIS,
            "can_strike_off": not whistle.is_struck_off
            and not whistle.case.is_open
            and policies.can_strike_off(user, whistle),
            "can_acknowledge": whistle.committee_acknowledged_at is None
            and policies.can_acknowledge_filing(user),
        },
        status=status,
    )


@login_required
@require_GET
def whistle_detail(request, pk):
    _staff_only(request.user)
    whistle = selectors.whistle_get_for_user(user=request.user, pk=pk)
    return _render_detail(request, whistle)


@login_required
@require_http_methods(["GET", "POST"])
def whistle_blow(request, case_pk):
    """Blow the whistle on a matter the user's street may handle."""
    _staff_only(request.user)
    case = case_get_for_user(user=request.user, pk=case_pk)
    existing = getattr(case, "whistle", None)
    if existing is not None:
        return redirect(existing)
    streets = [
        street
        for street in policies.streets_of(request.user)
        if policies.can_blow(request.user, case, street)
    ]
    if not streets:
        raise PermissionDenied
    form = BlowForm(request.POST or None, streets=streets)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            whistle = services.whistle_blow(
                case=case,
                actor=request.user,
                street=data["street"],
                departments=data["departments"],
                reason=data["reason"],
                approved_by=data["approved_by"],
                approved_at=data["approved_at"],
            )
        except services.WhistleError as error:
            show_error(form, error)
        else:
            messages.success(request, BLOWN)
            return redirect(whistle)
    return render(
        request,
        "whistle/blow.html",
        {"case": case, "form": form, "legal_basis": REPORT_LEGAL_BASIS},
    )


def _summons(request, pk, summons_pk):
    whistle = selectors.whistle_get_for_user(user=request.user, pk=pk)
    for summons in whistle.summonses.all():
        if summons.pk == summons_pk:
            return whistle, summons
    raise Http404


@login_required
@require_POST
def whistle_report(request, pk, summons_pk):
    _staff_only(request.user)
    whistle, summons = _summons(request, pk, summons_pk)
    if not policies.can_report(request.user, summons):
        raise PermissionDenied
    form = ReportForm(request.POST, prefix=f"s{summons.pk}")
    if form.is_valid():
        try:
            services.whistle_report(
                summons=summons,
                actor=request.user,
                task=form.cleaned_data["task"],
                task_due_at=form.cleaned_data["task_due_at"],
            )
        except services.WhistleError as error:
            show_error(form, error)
        else:
            messages.success(request, REPORTED)
            return redirect(whistle)
    return _render_detail(request, whistle, report_forms={summons.pk: form}, status=400)


def _post_action(request, whistle, run, done):
    try:
        run()
    except services.WhistleError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect(whistle)


@login_required
@require_POST
def whistle_task_done(request, pk, summons_pk):
    _staff_only(request.user)
    whistle, summons = _summons(request, pk, summons_pk)
    if not policies.can_report(request.user, summons):
        raise PermissionDenied
    return _post_action(
        request,
        whistle,
        lambda: services.whistle_task_done(summons=summons, actor=request.user),
        TASK_DONE,
    )


@login_required
@require_POST
def whistle_acknowledge(request, pk):
    _staff_only(request.user)
    whistle = selectors.whistle_get_for_user(user=request.user, pk=pk)
    if not policies.can_acknowledge_filing(request.user):
        raise PermissionDenied
    return _post_action(
        request,
        whistle,
        lambda: services.whistle_acknowledge_filing(
            whistle=whistle, actor=request.user
        ),
        ACKNOWLEDGED,
    )


@login_required
@require_POST
def whistle_strike_off(request, pk):
    _staff_only(request.user)
    whistle = selectors.whistle_get_for_user(user=request.user, pk=pk)
    if not policies.can_strike_off(request.user, whistle):
        raise PermissionDenied
    return _post_action(
        request,
        whistle,
        lambda: services.whistle_strike_off(whistle=whistle, actor=request.user),
        STRUCK_OFF,
    )


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return exports.current_year()
    return year if 2000 <= year <= 2100 else exports.current_year()


def _negative_list_allowed(request) -> None:
    if not policies.can_view_negative_list(request.user):
        raise PermissionDenied


@login_required
@require_GET
def negative_list(request):
    _negative_list_allowed(request)
    year = _year(request)
    entries = selectors.negative_list(year=year)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    years = sorted(set(selectors.negative_list_years()) | {year}, reverse=True)
    return render(
        request,
        "whistle/negative_list.html",
        {"page": page, "year": year, "years": years},
    )


@login_required
@require_GET
def negative_list_export(request, fmt):
    _negative_list_allowed(request)
    year = _year(request)
    entries = selectors.negative_list(year=year)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    audit.exported(what="whistle.negative_list", request=request, format=fmt, year=year)
    if fmt == "csv":
        return exports.csv_response(entries, year=year)
    return exports.xlsx_response(entries, year=year)
