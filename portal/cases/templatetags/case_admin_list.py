"""The rows of the clerk's case list, drawn in one pass: ``{% case_result_list cl %}``.

Django's ``{% result_list %}`` draws every cell on its own: ``lookup_field``,
``display_for_field``, ``format_html``, a ``reverse()`` per row for the link
and a widget template per row for the action checkbox; for 50 rows of 11
columns that was most of the page's Python time. This tag draws the same HTML
(``test_admin_rows`` compares it with Django's ``items_for_result``, cell by
cell) from a plan made once per page: what each column is and how it is
shown, one ``reverse()`` for the links, the preserved filters once. The
headers, the hidden fields and the template stay Django's.
"""

import html

from django import template
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.templatetags.admin_list import (
    _coerce_field_name,
    admin_list_filter,
    result_headers,
    result_hidden_fields,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import display_for_field, display_for_value
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.encoding import iri_to_uri
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from portal.cases.admin_records import datetime_formatter, html_text

register = template.Library()

PK_MARK = "0pk0"  # stands for a row's id in the one reversed change URL
# ModelAdmin.action_checkbox's label: Django's own message, translated by
# django.contrib.admin's catalogue (so not marked again here).
ACTION_CHECKBOX_LABEL = "Select this object for an action - {}"
# The sorting links' titles in Django's change_list_results.html, which
# admin/cases/case/change_list_results.html gets from here: Django's own
# messages, translated by django.contrib.admin's catalogue as there.
SORT_REMOVE = "Remove from sorting"
SORT_TOGGLE = "Toggle sorting"
SORT_PRIORITY = "Sorting priority: %(priority_number)s"


def _field_cell(field, empty, format_datetime):
    """How one model field of the row is shown, as display_for_field shows it,
    with the common kinds (relations, choices, times, text) done directly."""
    if field.is_relation:
        name = field.name

        def cell(row):
            related = getattr(row, name)
            return empty if related is None else related

        return cell
    attname = field.attname
    if field.flatchoices:
        labels = {value: str(label) for value, label in field.flatchoices}
        return lambda row: labels.get(getattr(row, attname), empty)
    if isinstance(field, models.DateTimeField):
        # formats.localize(template_localtime(value)), the format and the
        # current time zone read once for the page.
        zone = timezone.get_current_timezone() if settings.USE_TZ else None

        def cell(row):
            value = getattr(row, attname)
            if value is None:
                return empty
            if (
                zone is not None
                and not timezone.is_naive(value)
                and getattr(value, "convert_to_local_time", True)
            ):
                value = value.astimezone(zone)
            return format_datetime(value)

        return cell
    if isinstance(field, models.CharField | models.TextField):

        def cell(row):
            value = getattr(row, attname)
            return empty if value in field.empty_values else value

        return cell
    return lambda row: display_for_field(getattr(row, attname), field, empty)


def _callable_cell(name, model_admin, empty):
    """A ModelAdmin method or a model attribute, as lookup_field finds it and
    display_for_value shows it (columns that show text: a column whose value
    is a date would also get Django's "nowrap" class, which this leaves out)."""
    if callable(name):
        attr = get = name
    elif hasattr(model_admin, name) and name != "__str__":
        attr = get = getattr(model_admin, name)
    else:
        attr = getattr(model_admin.model, name, None)
        if isinstance(attr, property):
            attr = attr.fget

        def get(row):
            value = getattr(row, name)
            return value() if callable(value) else value

    empty = getattr(attr, "empty_value_display", empty)
    boolean = getattr(attr, "boolean", False)

    def cell(row):
        value = get(row)
        if isinstance(value, str):
            if value.strip():
                return value
            value = ""
        return display_for_value(value, empty, boolean)

    return cell


class RowPlan:
    """What each column of the list is, worked out once for the page."""

    def __init__(self, cl):
        model_admin = cl.model_admin
        empty = model_admin.get_empty_value_display()
        opts = cl.model._meta
        links = cl.list_display_links
        format_datetime = datetime_formatter(formats.get_format("DATETIME_FORMAT"))
        self.columns = []
        first_link = True
        for index, name in enumerate(cl.list_display):
            classes = ["field-%s" % _coerce_field_name(name, index)]
            if name == "action_checkbox":
                self.columns.append((None, mark_safe('<td class="action-checkbox">')))
                continue
            try:
                field = None if callable(name) else opts.get_field(name)
            except FieldDoesNotExist:
                field = None
            if field is None or field.auto_created:
                cell = _callable_cell(name, model_admin, empty)
            else:
                cell = _field_cell(field, empty, format_datetime)
                if isinstance(
                    field, models.DateField | models.TimeField | models.ForeignKey
                ):
                    classes.append("nowrap")
            is_link = links is not None and (
                (first_link and not links) or name in links
            )
            tag = "th" if is_link and first_link else "td"
            if is_link:
                first_link = False
            opening = mark_safe(f'<{tag} class="{" ".join(classes)}">')
            self.columns.append((cell, opening, tag, is_link))
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=(PK_MARK,),
            current_app=model_admin.admin_site.name,
        )
        url = add_preserved_filters(
            {"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url
        )
        self.url_head, _mark, self.url_tail = escape(url).partition(PK_MARK)
        self.select_label = gettext(ACTION_CHECKBOX_LABEL)

    def row(self, result) -> str:
        pk = result.pk
        parts = []
        for column in self.columns:
            if column[0] is None:
                label = self.select_label.format(html.escape(str(result)))
                parts.append(
                    f'{column[1]}<input type="checkbox" name="{ACTION_CHECKBOX_NAME}"'
                    f' value="{pk}" class="action-select" aria-label="{label}"></td>'
                )
                continue
            cell, opening, tag, is_link = column
            shown = html_text(cell(result))
            if is_link:
                shown = f'<a href="{self.url_head}{pk}{self.url_tail}">{shown}</a>'
            parts.append(f"{opening}{shown}</{tag}>")
        return mark_safe("".join(parts))


@register.inclusion_tag("admin/cases/case/change_list_results.html")
def case_result_list(cl):
    """Django's result_list, with the rows drawn by RowPlan and put in the
    page whole (Django's template walks each row's cells: ~0.8 ms of the
    list's CPU for 50 rows, bench/overhead.py at 100k)."""
    headers = list(result_headers(cl))
    for header in headers:
        if header.get("sort_priority"):
            header["priority_title"] = gettext(SORT_PRIORITY) % {
                "priority_number": header["sort_priority"]
            }
    plan = RowPlan(cl)
    return {
        "cl": cl,
        "sort_texts": {"remove": gettext(SORT_REMOVE), "toggle": gettext(SORT_TOGGLE)},
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": [plan.row(row) for row in cl.result_list],
    }


# The fields of the actions form as Django's admin/actions.html draws them
# (its block "actions-form").
ACTION_FORM_FIELDS = template.Template(
    "{% for field in action_form %}{% if field.label %}<label>{{ field.label }} "
    "{{ field }}</label>{% else %}{{ field }}{% endif %}{% endfor %}"
)
_action_forms: dict[tuple, str] = {}


@register.simple_tag
def case_action_form(action_form):
    """The actions form's fields, drawn once per language and set of actions.

    The list's form is unbound and has no ids (Django makes it with
    auto_id=None), so it is the same HTML on every page for the same choices;
    drawing its select and hidden input through the widget templates cost
    ~0.7 ms of every list page (bench/overhead.py, 10M cases). A bound form
    (none on the list today) is drawn every time."""
    if action_form.is_bound:
        return _draw_action_form(action_form)
    choices = action_form.fields["action"].choices
    key = (get_language(), tuple((str(value), str(label)) for value, label in choices))
    if key not in _action_forms:
        _action_forms[key] = _draw_action_form(action_form)
    return _action_forms[key]


def _draw_action_form(action_form) -> str:
    return ACTION_FORM_FIELDS.render(template.Context({"action_form": action_form}))


@register.simple_tag
def django_admin_text(message):
    """One of Django's own admin messages (``{% django_admin_text 'Filter' %}``),
    translated by django.contrib.admin's catalogue: the change list's
    filters block, copied from Django's template, shows them as Django's
    ``{% translate %}`` does, without makemessages taking them into ours."""
    return gettext(message)


# The template of the list filters that case_list_filter draws itself, and
# its heading: Django's own message (a blocktranslate, untrimmed), translated
# by django.contrib.admin's catalogue.
FILTER_TEMPLATE = "admin/filter.html"
FILTER_HEADING = " By %(filter_title)s "


@register.simple_tag
def case_list_filter(cl, spec):
    """Django's admin_list_filter for one filter of the list, with the
    filters drawn by admin/filter.html made in one pass: the same HTML
    (test_list_filters compares them), without a template walking every
    choice (~70 choices in the list's seven filters: ~1.2 ms of each list
    page, bench/overhead.py at 1M cases). A filter with a template of its
    own is drawn by Django."""
    if spec.template != FILTER_TEMPLATE:
        return admin_list_filter(cl, spec)
    title = conditional_escape(spec.title)
    heading = gettext(FILTER_HEADING) % {"filter_title": title}
    items = "".join(
        '\n    <li{}>\n    <a href="{}">{}</a></li>\n  '.format(
            ' class="selected"' if choice["selected"] else "",
            conditional_escape(iri_to_uri(choice["query_string"])),
            conditional_escape(str(localize(choice["display"]))),
        )
        for choice in spec.choices(cl)
    )
    return mark_safe(
        f'\n<details data-filter-title="{title}" open>\n  <summary>\n    {heading}\n'
        f"  </summary>\n  <ul>\n  {items}\n  </ul>\n</details>\n"
    )
