"""portal.form_renderer: the plainest widgets drawn in Python must be the HTML
Django's own widget templates draw, as the site's engine finds them."""

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.forms.widgets import Input
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from portal.form_renderer import (
    INPUT_TEMPLATES,
    TEXTAREA_TEMPLATE,
    FormRenderer,
)

OURS, DJANGOS = FormRenderer(), DjangoTemplates()

VALUES = [
    None,
    "",
    "楼道漏水",
    0,
    42,
    3.5,
    "<b>\"quoted\" & 'single'</b>",
    mark_safe("<i>safe</i>"),
    "第一行\n第二行\r\n",
    ("a", 1),
    datetime.date(2026, 2, 17),
    True,
    False,
]

ATTRS = [
    {},
    {"id": "id_reason", "class": "form-control", "rows": 4},
    {"required": True, "disabled": False, "autofocus": True, "maxlength": 200},
    {"placeholder": gettext_lazy("Search"), "data-x": '<&">', "step": 1},
    {"aria-describedby": mark_safe("id_help&amp;"), "inputmode": "numeric"},
]

WIDGETS = [
    forms.TextInput,
    forms.HiddenInput,
    forms.NumberInput,
    forms.EmailInput,
    forms.URLInput,
    forms.PasswordInput,
    lambda **kwargs: forms.PasswordInput(render_value=True, **kwargs),
    forms.DateInput,
    lambda **kwargs: forms.DateInput(attrs={"type": "date"}, **kwargs),
    forms.DateTimeInput,
    forms.TimeInput,
    forms.CheckboxInput,
    forms.FileInput,
    forms.Textarea,
    lambda **kwargs: forms.Textarea(attrs={"rows": 3}, **kwargs),
]


@pytest.mark.parametrize("make", WIDGETS)
@pytest.mark.parametrize("attrs", ATTRS)
def test_each_widget_is_djangos_html(make, attrs):
    widget = make()
    for name in ("reason", "details_地址", 'odd"<name>'):
        for value in VALUES:
            ours = widget.render(name, value, attrs, renderer=OURS)
            djangos = widget.render(name, value, attrs, renderer=DJANGOS)
            assert ours == djangos, (widget, name, value, attrs)


class AnyInput(Input):
    input_type = "text"


@pytest.mark.parametrize("template_name", sorted(INPUT_TEMPLATES | {TEXTAREA_TEMPLATE}))
def test_every_template_drawn_in_python_is_djangos(template_name):
    """Each template the renderer draws itself, as the engine finds it (an
    override in the project or an app would show here)."""
    widget = AnyInput()
    widget.template_name = template_name
    for value in VALUES:
        for attrs in ATTRS:
            context = widget.get_context("field", value, attrs)
            assert OURS.render(template_name, context) == DJANGOS.render(
                template_name, context
            )


def test_the_site_uses_it_and_other_widgets_stay_djangos():
    assert isinstance(get_default_renderer(), FormRenderer)
    select = forms.Select(choices=[("1", "一星"), ("2", "<二星>")])
    radio = forms.RadioSelect(choices=[("1", "一星"), ("2", "二星")])
    for widget in (select, radio, forms.ClearableFileInput()):
        assert widget.render("stars", "2", {"id": "id_stars"}, renderer=OURS) == (
            widget.render("stars", "2", {"id": "id_stars"}, renderer=DJANGOS)
        )


def test_a_form_draws_as_djangos():
    class Form(forms.Form):
        title = forms.CharField(max_length=50, help_text="简要说明")
        body = forms.CharField(widget=forms.Textarea)
        version = forms.IntegerField(widget=forms.HiddenInput, initial=3)
        stars = forms.TypedChoiceField(choices=[(1, "一"), (2, "二")], coerce=int)

    for data in (None, {"title": "<x>", "body": "", "version": "x", "stars": "9"}):
        ours = Form(data, renderer=OURS)
        djangos = Form(data, renderer=DJANGOS)
        assert str(ours) == str(djangos)
