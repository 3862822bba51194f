"""The rows of the resident's "my matters" and a case's timeline, drawn in
one pass.

The list is the page residents open most. Drawn by the template, each of its
20 rows cost ~14 variable lookups, escapes and tags (~1.5 ms of the page's
~8 ms of CPU at 100k); here a row is one format string filled with escaped
values, from the columns the list reads (no model instances either). The
HTML is the template's: the same elements, classes, links and times
(test_site_cases reads them).
"""

import datetime
import html
from collections import namedtuple

from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from portal.cases.models import CaseEvent, CaseStatus, Stage
from portal.cases.selectors import LIST_COLUMNS
from portal.cases.warnings import Colour, colour_of

STATUS_LABELS = dict(CaseStatus.choices)
STAGE_LABELS = dict(Stage.choices)
COLOUR_LABELS = dict(Colour.choices)
EVENT_KIND_LABELS = dict(CaseEvent.Kind.choices)
# A row of case_list_for_user by its columns' names (category__name as
# category_name), with the attributes colour_of reads.
ListRow = namedtuple("ListRow", [name.replace("__", "_") for name in LIST_COLUMNS])

ROW = (
    '  <li class="case-row colour-{colour}">\n'
    '    <a href="{url}" class="d-block">\n'
    '      <span class="tracking-number">{tracking_number}</span>\n'
    '      <strong class="d-block">{title}</strong>\n'
    "    </a>\n"
    '    <span class="small text-secondary d-block">{category} · {department}</span>\n'
    '    <span class="d-flex flex-wrap gap-2 small mt-1">\n'
    '      <span class="badge text-bg-light status">{status}</span>\n'
    "      {stage}\n"
    "      {due}\n"
    '      <span class="warning warning-{colour}">{warning}</span>\n'
    "    </span>\n"
    "  </li>\n"
)
STAGE = '<span class="stage">{word}: {label}</span>'
DUE = '<span class="due">{word}: <time datetime="{iso}">{text}</time></span>'


def shown_time(value: datetime.datetime | None) -> tuple[str, str]:
    """An instant as the templates' date filters show it (ISO 8601 for the
    datetime attribute, "Y-m-d H:i" for the text), in the current time zone."""
    if value is None:
        return "", ""
    local = timezone.localtime(value)
    return local.isoformat(), local.strftime("%Y-%m-%d %H:%M")


def _label_html(labels: dict, memo: dict, value) -> str:
    """A choice's label (translated, escaped), worked out once per value and
    page: each label is a lazy translation, and gettext plus escape per row
    cost ~0.3 ms of the list's rows."""
    if value not in memo:
        memo[value] = html.escape(str(labels.get(value, value)))
    return memo[value]


def case_rows_html(rows, now: datetime.datetime) -> SafeString:
    """The list items of the rows (case_list_for_user's), newest first as
    given. Every value from the database is escaped (html.escape, as
    Django's escape does, without its lazy-string wrapper per call); the
    labels are the choices' (translated), escaped too."""
    detail = reverse("cases:detail", args=[0]).removesuffix("0/")
    stage_word = html.escape(gettext("Stage"))
    due_word = html.escape(gettext("Due"))
    statuses, stages, colours = {}, {}, {}
    parts = []
    for values in rows:
        row = ListRow._make(values)
        colour = colour_of(row, now)
        stage = ""
        if row.stage:
            label = _label_html(STAGE_LABELS, stages, row.stage)
            stage = STAGE.format(word=stage_word, label=label)
        due = ""
        if row.stage_due_at is not None:
            iso, text = shown_time(row.stage_due_at)
            due = DUE.format(word=due_word, iso=iso, text=text)
        parts.append(
            ROW.format(
                colour=colour,
                url=f"{detail}{row.id}/",
                tracking_number=html.escape(row.tracking_number),
                title=html.escape(row.title),
                category=html.escape(row.category_name),
                department=html.escape(row.department_name),
                status=_label_html(STATUS_LABELS, statuses, row.status),
                stage=stage,
                due=due,
                warning=_label_html(COLOUR_LABELS, colours, colour),
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped above)


ENTRY = (
    "  <li{internal}>\n"
    '    <time datetime="{iso}">{text}</time>\n'
    "    <strong>{kind}</strong>\n"
    "    {message}\n"
    "    {note}\n"
    "  </li>\n"
)


def timeline_html(events, *, internal: bool) -> SafeString:
    """The case page's timeline entries, in the order given; the internal
    notes only where ``internal`` (the reader may see them) and the entry
    holds one. Messages keep their line breaks (linebreaksbr), escaped."""
    html = []
    for event in events:
        iso, text = shown_time(event.created_at)
        message = note = ""
        if event.message:
            message = f"<div>{linebreaksbr(event.message, autoescape=True)}</div>"
        if internal and event.internal_note:
            note = (
                '<div class="muted">'
                f"{linebreaksbr(event.internal_note, autoescape=True)}</div>"
            )
        html.append(
            ENTRY.format(
                internal="" if event.is_public else ' class="internal"',
                iso=iso,
                text=text,
                kind=escape(EVENT_KIND_LABELS.get(event.kind, event.kind)),
                message=message,
                note=note,
            )
        )
    return mark_safe("".join(html))  # noqa: S308 (every value escaped above)
