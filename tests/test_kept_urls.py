"""portal.kept_urls: {% url %} and kept_reverse answer as Django's reverse()
and {% url %} do, each answer worked out once."""

from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Engine, Template
from django.template.defaulttags import URLNode
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import translation

from portal import kept_urls
from portal.kept_urls import KeptURLNode, kept_reverse

TEMPLATE = (
    "{% url 'cases:detail' 7 %}|{% url 'cases:attachment' case_id 9 %}|"
    "{% url 'admin:cases_case_change' object_id=case_id %}|"
    "{% url 'admin:index' %}|{% url name %}|"
    "{% url 'admin:cases_case_changelist' as list %}{{ list }}|"
    "{% url 'no-such-view' as missing %}[{{ missing }}]|"
    "{% url 'catalogue:category' 'housing-repair' %}"
)


def render(source, **values):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    return Template(source).render(Context({"request": request, **values}))


def test_the_sites_templates_use_the_kept_tag():
    nodes = Template("{% url 'admin:index' %}").nodelist
    assert isinstance(nodes[0], KeptURLNode)


def test_the_tag_draws_what_djangos_draws():
    values = {"case_id": 12, "name": "login"}
    ours = render(TEMPLATE, **values)
    django = Template(TEMPLATE, engine=Engine(app_dirs=True)).render(
        Context({"request": None, **values})
    )
    plain = Engine(app_dirs=True).from_string("{% url 'x' as y %}").nodelist[0]
    assert type(plain) is URLNode
    assert ours == django
    assert "/cases/7/" in ours and "/admin/cases/case/12/change/" in ours
    assert "[]" in ours  # a missing name with "as" draws nothing
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-view' %}")
    with translation.override("en"):
        assert render(TEMPLATE, **values) == django


def test_each_answer_is_worked_out_once_and_keyed_by_everything_it_depends_on():
    kept_urls._kept.clear()
    with mock.patch.object(kept_urls, "django_reverse", wraps=reverse) as asked:
        for _ in range(3):
            assert kept_reverse("cases:detail", [5]) == reverse(
                "cases:detail", args=[5]
            )
            assert kept_reverse("cases:attachment", (5, 6)) == reverse(
                "cases:attachment", args=[5, 6]
            )
        assert asked.call_count == 2
        kept_reverse("cases:detail", [6])
        kept_reverse("cases:detail", kwargs={"pk": 5})
        assert asked.call_count == 4
        set_script_prefix("/district/")
        try:
            assert kept_reverse("cases:detail", [5]) == "/district/cases/5/"
        finally:
            set_script_prefix("/")
        assert kept_reverse("cases:detail", [5]) == "/cases/5/"
        with translation.override("en"):
            kept_reverse("cases:detail", [5])
        assert asked.call_count == 6
        # Arguments other than strings and whole numbers are asked every time.
        assert kept_reverse("cases:detail", [Decimal(5)]) == "/cases/5/"
        kept_reverse("cases:detail", [Decimal(5)])
        assert asked.call_count == 8
        # A template's literals are SafeStrings: kept as the strings they are.
        render("{% url 'cases:detail' 5 %}{% url 'cases:detail' 5 %}")
        assert asked.call_count == 8


def test_the_kept_answers_are_bounded(monkeypatch):
    monkeypatch.setattr(kept_urls, "KEPT_URLS", 3)
    kept_urls._kept.clear()
    for pk in range(10):
        kept_reverse("cases:detail", [pk])
        assert len(kept_urls._kept) <= 3


def test_a_missing_name_is_refused_every_time_and_asked_once():
    """{% url 'django-admindocs-docroot' as docsroot %} (the admin's base
    template, on every page) names a URL the site does not have: the same
    NoReverseMatch each time, reverse() asked once."""
    kept_urls._kept.clear()
    with mock.patch.object(kept_urls, "django_reverse", wraps=reverse) as asked:
        messages = set()
        for _ in range(3):
            with pytest.raises(NoReverseMatch) as refused:
                kept_reverse("django-admindocs-docroot", current_app="admin")
            messages.add(str(refused.value))
        assert asked.call_count == 1 and len(messages) == 1
        assert "django-admindocs-docroot" in messages.pop()
        assert (
            render("{% url 'django-admindocs-docroot' as docs %}[{{ docs }}]") == "[]"
        )
