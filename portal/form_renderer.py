"""The site's form renderer (settings.FORM_RENDERER): Django's, with the
plainest widgets drawn in Python.

An ``<input>`` (text, hidden, number, date...) or a ``<textarea>`` is drawn
by Django through its widget templates: the template looked up in the
renderer's engine, a context made, ``input.html`` including ``attrs.html``
and walking the attributes: ~0.45 ms of CPU a field on the bench machine,
~12 % of a resident's case page (two fields; bench/overhead.py, 10M cases).
Here the same HTML is made from the same widget context, as those templates
make it (their escaping, ``stringformat:'s'`` for values and attributes, an
attribute ``True`` written bare and ``False`` left out, the surrounding
whitespace stripped). tests/test_form_renderer.py compares each with
Django's template as the engine finds it, so a project or app that
overrides one of these templates fails the test instead of being ignored.
Every other template (select, radio, files, the field and form layouts) is
Django's.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.html import escape
from django.utils.safestring import SafeData, mark_safe

WIDGETS = "django/forms/widgets/"
# The templates that are Django's input.html and nothing else (each one
# ``{% include "django/forms/widgets/input.html" %}``).
INPUT_TEMPLATES = frozenset(
    WIDGETS + name
    for name in (
        "input.html",
        "text.html",
        "hidden.html",
        "number.html",
        "email.html",
        "password.html",
        "url.html",
        "tel.html",
        "search.html",
        "date.html",
        "datetime.html",
        "time.html",
        "color.html",
        "checkbox.html",
        "file.html",
    )
)
TEXTAREA_TEMPLATE = WIDGETS + "textarea.html"


def _shown(value) -> str:
    """``{{ value }}`` in an autoescaping template, for a widget's strings:
    escaped unless marked safe."""
    text = str(value)
    return text if isinstance(value, SafeData) else escape(text)


def _formatted(value) -> str:
    """``{{ value|stringformat:'s' }}``: ``"%s" % value``, then escaped unless
    the value was marked safe (the filter keeps a safe value safe). A tuple
    is formatted as one value, as the filter does."""
    text = "%s" % (value,)
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_shown(name)}")
        else:
            parts.append(f' {_shown(name)}="{_formatted(value)}"')
    return "".join(parts)


def draw_input(widget: dict) -> str:
    """django/forms/widgets/input.html."""
    value = widget["value"]
    shown = "" if value is None else f' value="{_formatted(value)}"'
    return (
        f'<input type="{_shown(widget["type"])}" name="{_shown(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


def draw_textarea(widget: dict) -> str:
    """django/forms/widgets/textarea.html (its newline after the opening tag
    kept: browsers drop it)."""
    value = widget["value"]
    return (
        f'<textarea name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{_shown(value) if value else ''}</textarea>"
    )


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None:
            if template_name in INPUT_TEMPLATES:
                return mark_safe(draw_input(widget))
            if template_name == TEXTAREA_TEMPLATE:
                return mark_safe(draw_textarea(widget))
        return super().render(template_name, context, request)
