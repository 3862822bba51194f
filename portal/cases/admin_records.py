"""A case's files and timeline on its admin page, drawn in one pass.

The case page is read-only, so its files and timeline were read-only tabular
inlines: Django built a formset with a model form per entry (hidden inputs
and all) and drew every cell through AdminReadonlyField. A case with a long
history paid for that per entry, most of the page's time. RecordTable draws
the same table (columns, values, links to the people, the yes/no icons, the
same CSS classes) from the inline's definition and one query, without forms;
nothing on it can be posted.
"""

import datetime
import functools
import html
import re

from django.contrib.admin.templatetags.admin_list import _boolean_icon
from django.contrib.admin.utils import (
    display_for_field,
    help_text_for_field,
    label_for_field,
    lookup_field,
)
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.forms.models import _get_foreign_key
from django.template.defaultfilters import linebreaksbr
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.dateformat import DateFormat, re_escaped, re_formatchars
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext, ngettext

PK_MARK = "0pk0"  # stands for an id in a reversed change URL


# Format characters that are one number of the value, as DateFormat writes
# them; the others (names of months and days, "P", time zones) are asked of
# DateFormat itself.
NUMERIC_CODES = {
    "Y": lambda value: "%04d" % value.year,
    "m": lambda value: "%02d" % value.month,
    "n": lambda value: str(value.month),
    "d": lambda value: "%02d" % value.day,
    "j": lambda value: str(value.day),
    "H": lambda value: "%02d" % value.hour,
    "G": lambda value: str(value.hour),
    "i": lambda value: "%02d" % value.minute,
    "s": lambda value: "%02d" % value.second,
}


def datetime_formatter(format_string):
    """dateformat.format(value, format_string) with the format parsed once,
    for the many times of one page; a format of numbers only (the Chinese
    one, "Y年n月j日 H:i") is written without a DateFormat per value."""
    pieces = []
    for index, piece in enumerate(re_formatchars.split(str(format_string))):
        if index % 2:
            pieces.append((True, piece))
        elif piece:
            pieces.append((False, re_escaped.sub(r"\1", piece)))
    if all(piece in NUMERIC_CODES for is_code, piece in pieces if is_code):
        parts = [
            NUMERIC_CODES[piece] if is_code else piece for is_code, piece in pieces
        ]

        def format_numbers(value) -> str:
            return "".join(part if type(part) is str else part(value) for part in parts)

        return format_numbers

    def format_value(value) -> str:
        formatter = DateFormat(value)
        return "".join(
            str(getattr(formatter, piece)()) if is_code else piece
            for is_code, piece in pieces
        )

    return format_value


def html_text(value) -> str:
    """conditional_escape(value): a safe string as it is, anything else
    escaped, without the lazy-string wrapper around Django's escape() (a few
    µs a call, hundreds of cells a page)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


NEWLINES = re.compile(r"\r\n|\r")


def text_html(value) -> str:
    """linebreaksbr(value) of a plain (not safe) string: escaped, line breaks
    as <br>. Django's filter goes through three lazy-string wrappers for it
    (stringfilter, normalize_newlines, escape: ~15 µs a cell, 126 cells for
    the bench's 42-entry timeline)."""
    return html.escape(NEWLINES.sub("\n", str(value))).replace("\n", "<br>")


@functools.lru_cache(maxsize=512)
def choice_labels(field, language) -> dict:
    """A field's choices as the admin shows them (linebreaksbr of the
    label), in the language: drawn once per process, not on every page (the
    case page's fields and timeline have ~60 labels, each a lazy string and
    three of Django's wrappers to draw: ~5 % of its Python calls)."""
    return {value: linebreaksbr(str(label)) for value, label in field.flatchoices}


class ReadonlyCells:
    """How the admin's AdminReadonlyField.contents shows each field of a
    model, worked out once per field (its kind, choices, date format, the
    related model's admin URL) instead of once per value, with its
    lookup_field and per-value checks. model_admin is the admin (or inline)
    whose display methods and empty value the fields use."""

    def __init__(self, model_admin, model):
        self._admin = model_admin
        self._model = model
        self._empty = model_admin.get_empty_value_display()
        datetime_format = formats.get_format("DATETIME_FORMAT")
        self._format_datetime = datetime_formatter(datetime_format)
        self._links = {}

    def link(self, related) -> str:
        """A related object as a link to its admin page, as AdminReadonlyField
        shows one (one reverse() per related model, not per row)."""
        opts = related._meta
        key = (opts.app_label, opts.model_name)
        if key not in self._links:
            try:
                url = reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_change",
                    args=[PK_MARK],
                    current_app=self._admin.admin_site.name,
                )
            except NoReverseMatch:
                url = None
            self._links[key] = url and escape(url).partition(PK_MARK)
        link = self._links[key]
        if link is None:
            return escape(str(related))
        head, _mark, tail = link
        return f'<a href="{head}{related.pk}{tail}">{html.escape(str(related))}</a>'

    def cell(self, name):
        """A function of a row giving the field's HTML, the way
        AdminReadonlyField.contents shows the value (the empty value where
        looking it up fails, as there)."""
        draw = self._draw(name)
        empty = self._empty

        def cell(row):
            try:
                return draw(row)
            except (AttributeError, ValueError, ObjectDoesNotExist):
                return empty

        return cell

    def _draw(self, name):
        model, empty = self._model, self._empty
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        if field is None or field.auto_created:

            def draw(row):
                _f, attr, value = lookup_field(name, row, self._admin)
                if getattr(attr, "boolean", False):
                    return _boolean_icon(value)
                if hasattr(value, "__html__"):
                    return conditional_escape(value)
                return linebreaksbr(value)

            return draw
        if field.is_relation:
            # One link per related object a page (the same clerk acts on
            # most of a timeline's entries).
            drawn = {}
            attname = field.attname

            def draw(row):
                related_id = getattr(row, attname)
                if related_id is None:
                    return empty
                if related_id not in drawn:
                    drawn[related_id] = self.link(getattr(row, field.name))
                return drawn[related_id]

            return draw
        attname = field.attname
        if isinstance(field, models.BooleanField):
            icons = {value: _boolean_icon(value) for value in (True, False, None)}
            return lambda row: icons[getattr(row, attname)]
        if field.flatchoices:
            labels = choice_labels(field, get_language())
            return lambda row: labels.get(getattr(row, attname), empty)
        if isinstance(field, models.DateTimeField):
            format_datetime = self._format_datetime

            def draw(row):
                value = getattr(row, attname)
                if value is None:
                    return empty
                return html.escape(format_datetime(timezone.template_localtime(value)))

            return draw
        if isinstance(field, (models.CharField, models.TextField)):
            empty_values = field.empty_values

            def draw(row):
                value = getattr(row, attname)
                return empty if value in empty_values else text_html(value)

            return draw
        return lambda row: linebreaksbr(
            display_for_field(getattr(row, attname), field, empty)
        )


def readonly_fieldsets(adminform) -> str | None:
    """The fieldsets of a change page whose every field is read-only, as
    admin/includes/fieldset.html draws them (AdminReadonlyField per field),
    in one pass: the template took ~3.3 of the case page's ~26 ms of CPU
    for its 25 fields (bench/overhead.py, 100k cases). None where the page
    has something this does not draw (an editable field, a line of several
    fields, a collapsible fieldset): the template draws it then."""
    form, model_admin = adminform.form, adminform.model_admin
    readonly = set(adminform.readonly_fields)
    model = form._meta.model
    cells = ReadonlyCells(model_admin, model)
    label_suffix = escape(form.label_suffix)
    parts = []
    for index, (name, options) in enumerate(adminform.fieldsets):
        classes = " ".join(options.get("classes", ()))
        if name and "collapse" in options.get("classes", ()):
            return None
        if name:
            heading = f"fieldset-0-{index}-heading"
            parts.append(
                f'<fieldset class="module aligned {classes}" '
                f'aria-labelledby="{heading}">'
                f'<h2 id="{heading}" class="fieldset-heading">{escape(name)}</h2>'
            )
        else:
            parts.append(f'<fieldset class="module aligned {classes}">')
        if options.get("description"):
            parts.append(f'<div class="description">{options["description"]}</div>')
        for field in options["fields"]:
            if not isinstance(field, str) or field not in readonly:
                return None
            label = capfirst(label_for_field(field, model, model_admin, form=form))
            help_text = help_text_for_field(field, model)
            parts.append(
                f'<div class="form-row field-{field}"><div>'
                f'<div class="flex-container"><label>{escape(label)}{label_suffix}'
                f'</label><div class="readonly">{cells.cell(field)(form.instance)}'
                "</div></div>"
            )
            if help_text:
                parts.append(f'<div class="help"><div>{help_text}</div></div>')
            parts.append("</div></div>")
        parts.append("</fieldset>")
    return mark_safe("".join(parts))


class RecordTable:
    """The rows of one read-only inline (its model, fields, ordering and
    queryset) for one parent object, as the admin's tabular inline shows
    them in view mode."""

    def __init__(self, inline, request, parent):
        model = inline.model
        fk = _get_foreign_key(type(parent), model, fk_name=inline.fk_name)
        self.prefix = fk.remote_field.get_accessor_name(model=model).replace("+", "")
        self.heading = capfirst(model._meta.verbose_name_plural)
        self.columns = [
            {
                "name": name,
                "label": capfirst(label_for_field(name, model, inline)),
                "help_text": help_text_for_field(name, model),
            }
            for name in inline.get_fields(request, parent)
            if name != fk.name
        ]
        # The entry's name in the first column, as the inline shows it
        # (str(row)); an inline may say it more cheaply (record_label).
        self._label = getattr(inline, "record_label", str)
        drawer = ReadonlyCells(inline, model)
        cells = [
            (column["name"], drawer.cell(column["name"])) for column in self.columns
        ]
        rows = inline.get_queryset(request).filter(**{fk.name: parent})
        self.rows = [self._row(index, row, cells) for index, row in enumerate(rows)]

    def _row(self, index, row, cells) -> str:
        parts = [
            f'<tr class="form-row has_original" id="{self.prefix}-{index}">'
            f'<td class="original"><p>{html.escape(self._label(row))}</p></td>'
        ]
        for name, cell in cells:
            parts.append(f'<td class="field-{name}"><p>{cell(row)}</p></td>')
        parts.append('<td class="delete"></td></tr>')
        return mark_safe("".join(parts))


# simple-history's own texts in its template (translated by its catalogue,
# so not marked again here): the headers, the missing user, the count.
HISTORY_HEADERS = (
    "Object",
    "Date/time",
    "Comment",
    "Changed by",
    "Change reason",
    "Changes",
)
HISTORY_NONE = "None"
HISTORY_ENTRIES = ("entry", "entries")


class HistoryRows:
    """The rows of simple-history's history list (its
    object_history_list.html), drawn in one pass: the template drew each
    row through ~20 template nodes, two {% url %} reversals and the
    record's history_object, 11.4 of the page's 45 ms of CPU for the
    bench's 42-step case (bench/overhead.py, 100k cases). Each cell is what
    the template showed (test_history_page_is_simple_historys_page), and
    simple-history's texts are read from its catalogue as there."""

    def __init__(
        self,
        page_obj,
        *,
        object_pk,
        opts,
        admin_user_view,
        columns,
        current_app,
        object_text=None,
    ):
        """``object_text(record)``: the text of the record's first cell, what
        ``str(record.history_object)`` gives (the default), computed from the
        record itself where the model's name for it reads only fields the
        record holds: history_object builds the whole model instance from
        every field of the record, ~25 µs a row."""
        self._object_text = object_text or (lambda record: record.history_object)
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_simple_history",
            args=[object_pk, PK_MARK],
            current_app=current_app,
        )
        self._url_head, _mark, self._url_tail = escape(url).partition(PK_MARK)
        self._admin_user_view = admin_user_view
        self._current_app = current_app
        self._user_urls = {}
        self._users = {}
        self._types = {}
        self._columns = columns
        datetime_format = formats.get_format("DATETIME_FORMAT")
        self._format_datetime = datetime_formatter(datetime_format)
        self._none = escape(gettext(HISTORY_NONE))
        self.headers = [
            gettext(HISTORY_HEADERS[0]),
            *(gettext(column) for column in columns),
            *(gettext(label) for label in HISTORY_HEADERS[1:]),
        ]
        count = page_obj.paginator.count
        self.entries = ngettext(*HISTORY_ENTRIES, count)
        self.rows = [self._row(record) for record in page_obj]

    def _value(self, value) -> str:
        """{{ value }}: localized, then escaped."""
        if isinstance(value, datetime.datetime):
            value = self._format_datetime(timezone.template_localtime(value))
        elif not isinstance(value, str):
            value = formats.localize(value)
        return html_text(value)

    def _history_type(self, record) -> str:
        """The record's get_history_type_display(), asked once per kind of
        change (it rebuilds its choices and translates for every row)."""
        kind = record.history_type
        if kind not in self._types:
            self._types[kind] = self._value(record.get_history_type_display())
        return self._types[kind]

    def _user_url(self, user_id) -> str:
        """{% url admin_user_view id as url %}: "" where it does not reverse."""
        if user_id not in self._user_urls:
            try:
                url = reverse(
                    self._admin_user_view, args=[user_id], current_app=self._current_app
                )
            except NoReverseMatch:
                url = ""
            self._user_urls[user_id] = escape(url) if url else ""
        return self._user_urls[user_id]

    def _user_cell(self, user) -> str:
        """The acting user's cell, drawn once per user a page."""
        if user.pk not in self._users:
            url = self._user_url(user.pk)
            shown = self._value(user)
            self._users[user.pk] = (
                f'<td><a href="{url}">{shown}</a></td>' if url else f"<td>{shown}</td>"
            )
        return self._users[user.pk]

    def _row(self, record) -> str:
        parts = [
            f'<tr><td><a href="{self._url_head}{record.pk}{self._url_tail}">'
            f"{self._value(self._object_text(record))}</a></td>"
        ]
        for column in self._columns:
            parts.append(f"<td>{self._value(getattr(record, column, None))}</td>")
        parts.append(f"<td>{self._value(record.history_date)}</td>")
        parts.append(f"<td>{self._history_type(record)}</td>")
        user = record.history_user
        if user:
            parts.append(self._user_cell(user))
        else:
            parts.append(f"<td>{self._none}</td>")
        parts.append(f"<td>{self._value(record.history_change_reason)}</td>")
        changes = getattr(record, "history_delta_changes", None)
        if changes:
            items = "".join(
                f"<li><strong>{self._value(change['field'])}:</strong> "
                f"{self._value(change['old'])} "
                f"&nbsp;&rarr;&nbsp;&nbsp;{self._value(change['new'])}</li>"
                for change in changes
            )
            parts.append(f"<td><ul>{items}</ul></td>")
        else:
            parts.append("<td></td>")
        parts.append("</tr>")
        return mark_safe("".join(parts))
