"""The case list's rows are drawn by case_result_list in one pass; they must be
exactly what Django's own result_list draws: the checkbox for the actions, the
link to the case (keeping the list's filters), every column's value, empty
values, labels and times, the cell classes."""

import re

import pytest
from django.contrib.admin.templatetags.admin_list import items_for_result
from django.urls import reverse
from django.utils import translation

from portal.cases import workflow
from portal.cases.list_rows import ListedCase
from portal.cases.models import Case
from portal.cases.templatetags.case_admin_list import RowPlan
from portal.cases.tests.factories import file_case
from portal.cases.warnings import with_warning_colour

CHANGELIST = reverse("admin:cases_case_changelist")


@pytest.fixture
def varied_cases(category, people):
    """Rows with and without an assignee, a running clock or a resident."""
    plain = file_case(category, people["owner"], title="楼道漏水 <b>&")
    accepted = workflow.accept_case(
        case=file_case(category, people["other_resident"], title="电梯停运"),
        actor=people["clerk"],
    )
    assigned = workflow.assign_case(
        case=accepted, actor=people["clerk"], assignee=people["clerk2"]
    )
    declined = workflow.decline_case(
        case=file_case(category, people["owner"], title="不属于本部门"),
        actor=people["clerk"],
        reason="不属于本部门",
    )
    return [plain, assigned, declined]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"status__exact": "accepted"},
        {"q": "漏水", "colour": "blue"},
        {"o": "2"},  # sorted by title: the page of numbered pages
    ],
)
def test_rows_are_djangos_rows(client, varied_cases, people, query):
    client.force_login(people["clerk"])
    response = client.get(CHANGELIST, query)
    assert response.status_code == 200
    cl = response.context["cl"]
    rows = list(cl.result_list)
    assert rows
    assert all(isinstance(row, ListedCase) for row in rows)
    # Django draws the model instance of each row; ours, the row's values.
    cases = with_warning_colour(Case.objects.select_related(*cl.list_select_related))
    plan = RowPlan(cl)
    body = response.content.decode()
    for row in rows:
        django_row = "".join(items_for_result(cl, cases.get(pk=row.pk), None))
        assert plan.row(row) == django_row
        assert f"<tr>{django_row}</tr>" in body
    if query:
        # The link to the case keeps the list's filters.
        assert "_changelist_filters=" in body


def test_list_keeps_what_the_clerk_sees(client, varied_cases, people):
    client.force_login(people["clerk"])
    body = client.get(CHANGELIST).content.decode()
    plain = varied_cases[0]
    assert 'name="_selected_action"' in body
    assert f'value="{plain.pk}"' in body
    assert reverse("admin:cases_case_change", args=[plain.pk]) in body
    assert "楼道漏水 &lt;b&gt;&amp;" in body  # escaped, never markup
    assert people["owner"].masked_mobile in body
    assert people["owner"].mobile not in body
    assert str(people["clerk2"]) in body  # the assignee
    assert 'id="changelist-filter"' in body
    assert 'name="action"' in body  # the bulk actions


def _markup(html: str) -> str:
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*(<|>)\s*", r"\1", html).strip()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_results_table_is_djangos(client, varied_cases, people, language):
    """The whole table (headers with their sorting links and titles, hidden
    fields, rows) is what Django's result_list and its template drew."""
    from django.contrib.admin.templatetags.admin_list import result_list
    from django.template.loader import render_to_string

    from portal.cases.templatetags.case_admin_list import (
        SORT_PRIORITY,
        case_result_list,
    )

    client.force_login(people["clerk"])
    with translation.override(language):
        response = client.get(CHANGELIST, {"o": "3.-2"})
        cl = response.context["cl"]
        ours = render_to_string(
            "admin/cases/case/change_list_results.html", case_result_list(cl)
        )
        # Django's table of the same rows as model instances.
        cases = with_warning_colour(
            Case.objects.select_related(*cl.list_select_related)
        ).in_bulk([row.pk for row in cl.result_list])
        cl.result_list = [cases[row.pk] for row in cl.result_list]
        django = render_to_string("admin/change_list_results.html", result_list(cl))
        priority = translation.gettext(SORT_PRIORITY)
    assert _markup(ours) == _markup(django)
    assert 'class="sortpriority"' in ours
    assert priority % {"priority_number": 2} in ours


@pytest.mark.parametrize("descending", [False, True])
def test_rows_sorted_by_colour_show_the_colour_they_are_sorted_by(
    client, varied_cases, people, descending
):
    """The rows' colours are worked out in Python (list_rows.listed_cases);
    a list sorted by the colour column is ordered by the SQL expression.
    Both agree: the rows come in the order of the colours they show."""
    from portal.cases.selectors import visible_cases

    client.force_login(people["clerk"])
    columns = list(client.get(CHANGELIST).context["cl"].list_display)
    order = ("-" if descending else "") + str(columns.index("colour"))
    cl = client.get(CHANGELIST, {"o": order}).context["cl"]
    sign = "-" if descending else ""
    expected = list(
        with_warning_colour(visible_cases(people["clerk"]))
        .order_by(f"{sign}warning_colour", "-submitted_at", "-pk")
        .values_list("pk", "warning_colour")
    )
    assert len({colour for _pk, colour in expected}) > 1
    assert [(row.pk, row.warning_colour) for row in cl.result_list] == expected


def test_an_unsorted_list_builds_no_colour_expression(client, varied_cases, people):
    """The colour as SQL only where a list may sort by it (CaseAdmin.
    get_queryset): the default, filtered and searched lists build none; a
    sorted list has it (and test_rows_sorted_by_colour_... its order)."""
    client.force_login(people["clerk"])
    for params in ({}, {"colour": "red"}, {"q": "漏水"}, {"p": "2"}):
        cl = client.get(CHANGELIST, params).context["cl"]
        assert "warning_colour" not in cl.queryset.query.annotations, params
    cl = client.get(CHANGELIST, {"o": "3"}).context["cl"]
    assert "warning_colour" in cl.queryset.query.annotations


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_action_form_is_djangos_drawn_once_per_language(
    client, varied_cases, people, language
):
    """The actions form is the HTML Django's own admin/actions.html draws
    for it, kept once per language and set of actions (case_action_form)."""
    from django.template.loader import render_to_string

    from portal.cases.templatetags import case_admin_list

    case_admin_list._action_forms.clear()
    client.force_login(people["clerk"])
    bodies = [
        client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE=language) for _round in range(2)
    ]
    form = bodies[0].context["action_form"]
    with translation.override(language):
        django = render_to_string("admin/actions.html", {"action_form": form})
    fields = django[: django.index("<button")].split('<div class="actions">')[1]
    fields = fields.strip()
    assert 'name="action"' in fields and 'name="select_across"' in fields
    for response in bodies:
        assert fields in response.content.decode()
    assert len(case_admin_list._action_forms) == 1


DJANGO_FILTER_TEXTS = ("Filter", "Clear all filters")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"status__exact": "accepted", "colour": "blue"},
        {"q": "漏水 <b>", "assigned": "me", "kind__exact": "matter"},
    ],
)
def test_list_filters_are_djangos(client, varied_cases, people, language, query):
    """Each filter of the list is drawn by case_list_filter: exactly the HTML
    Django's admin_list_filter draws through admin/filter.html (headings,
    the selected choice, links keeping the other filters and the search),
    and the page shows it."""
    from django.contrib.admin.templatetags.admin_list import admin_list_filter

    from portal.cases.templatetags.case_admin_list import case_list_filter

    client.force_login(people["clerk"])
    response = client.get(CHANGELIST, query, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    cl = response.context["cl"]
    page = response.content.decode()
    assert len(cl.filter_specs) >= 5  # (a department or category filter of one
    # choice is not shown)
    selected = 0
    with translation.override(language):
        for spec in cl.filter_specs:
            django = admin_list_filter(cl, spec)
            assert case_list_filter(cl, spec) == django
            assert django in page
            selected += django.count('class="selected"')
        # (Django's own messages, passed by name so that makemessages
        # does not take them into our catalogue.)
        heading, clear_all = map(translation.gettext, DJANGO_FILTER_TEXTS)
    assert selected == len(cl.filter_specs)
    # The block's own texts are Django's, in the page's language.
    assert f'<h2 id="changelist-filter-header">{heading}</h2>' in page
    assert (f"&#10006; {clear_all}</a>" in page) == bool(query)
    if language == "zh-hans":
        assert heading != "Filter" and clear_all != "Clear all filters"
    if query:
        assert "&amp;" in page[page.index('id="changelist-filter"') :]
