"""The service catalogue (办事指南): the home page, a category's guide, and
filing a matter from it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.cases import workflow
from portal.cases.forms import FilingForm, show_workflow_error
from portal.cases.models import Stage
from portal.cases.search import search_categories
from portal.cases.selectors import categories_for_catalogue

REAL_NAME_NEEDED = _(
    "Before filing a matter, please complete the real-name step: your name "
    "and resident identity number."
)
OTHER_TOPIC = _("Other services")

STAGE_ORDER = [Stage.ACCEPTANCE, Stage.HANDLING, Stage.CONFIRMATION]


def has_real_name(user) -> bool:
    return bool(user.is_authenticated and user.real_name and user.resident_id)


def group_by_topic(categories) -> list[tuple[str, list]]:
    """(topic, categories) in catalogue order; categories without a topic
    come last."""
    groups: dict[str, list] = {}
    for category in categories:
        groups.setdefault(category.topic or "", []).append(category)
    untitled = groups.pop("", None)
    result = list(groups.items())
    if untitled:
        result.append((OTHER_TOPIC, untitled))
    return result


@require_GET
def catalogue(request):
    """The home page. The search filters in Python over the active categories
    (one query; a few hundred at most), since the pinyin initials are not
    stored: see portal.cases.search."""
    query = request.GET.get("q", "").strip()
    categories = categories_for_catalogue().prefetch_related(None)
    found = search_categories(categories, query)
    return render(
        request,
        "home.html",
        {"topics": group_by_topic(found), "query": query, "found": len(found)},
    )


def _category(code):
    return get_object_or_404(categories_for_catalogue(), code=code)


def stage_policies(category) -> list:
    """The category's deadline policies in the order a case meets them."""
    policies = list(category.deadline_policies.all())
    return sorted(policies, key=lambda policy: STAGE_ORDER.index(policy.stage))


@require_GET
def category_detail(request, code):
    category = _category(code)
    return render(
        request,
        "cases/category.html",
        {"category": category, "policies": stage_policies(category)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def file_matter(request, code):
    """File a matter: everything is checked before anything is saved, and the
    workflow saves the case and its files in one transaction."""
    category = _category(code)
    if not has_real_name(request.user):
        messages.info(request, REAL_NAME_NEEDED)
        return redirect(reverse("real_name") + "?" + urlencode({"next": request.path}))
    if request.method == "POST":
        form = FilingForm(request.POST, request.FILES, category=category)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = workflow.submit_case(
                    category=category,
                    submitter=request.user,
                    title=data["title"],
                    description=data["description"],
                    details=data["details"],
                    files=data["attachments"],
                )
            except workflow.WorkflowError as error:
                show_workflow_error(form, error)
            else:
                return redirect("cases:filed", case.pk)
    else:
        form = FilingForm(category=category)
    return render(
        request,
        "cases/file.html",
        {"category": category, "form": form, "policies": stage_policies(category)},
    )
