"""The admin's navigation sidebar, drawn once per language and app list:
``{% admin_nav_sidebar %}`` (templates/admin/base_site.html).

Django draws admin/nav_sidebar.html (its app_list.html: a table row per
model, a filter and two lookups of the path per row) on every admin page;
that was about 3,000 of the ~75,000 Python calls of the case list and 5 %
of its CPU (bench/overhead.py, 100k). The HTML depends only on the
language, the app list the page was given (the sections and models the
user may reach, with their links: each_context's available_apps, still
built on every page from the user's permissions) and which section and
model the path is in, so a sidebar once drawn for that is used again. The
key holds everything the template reads; nothing from a previous request
but the drawn HTML is kept.
"""

from django import template
from django.template.defaultfilters import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

SIDEBAR_TEMPLATE = "admin/nav_sidebar.html"
# Sidebars kept per process at most: one per language, kind of user (the
# app lists differ by permissions) and section or model open; past this
# they are forgotten all at once and drawn again.
KEPT_SIDEBARS = 1000
_drawn: dict[tuple, str] = {}


def sidebar_key(available_apps, path: str) -> tuple:
    """What admin/nav_sidebar.html draws from: the language, each app and
    model it lists with their links, and whether the path is in them (the
    template's ``url in request.path|urlencode``). The names shown are not
    in the key: an app's label and a model's object name in the language
    say them (Django's app list takes them from the app's and the model's
    verbose names), and turning each lazy name into text was a tenth of
    the sidebar's cost."""
    quoted = urlencode(path)
    return (
        get_language(),
        tuple(
            (
                app["app_label"],
                app["app_url"],
                app["app_url"] in quoted,
                tuple(
                    (
                        model["object_name"],
                        model.get("admin_url"),
                        model.get("add_url"),
                        bool(model.get("admin_url")) and model["admin_url"] in quoted,
                    )
                    for model in app["models"]
                ),
            )
            for app in available_apps
        ),
    )


@register.simple_tag(takes_context=True)
def admin_nav_sidebar(context) -> str:
    """Django's admin/nav_sidebar.html for this page, drawn at most once
    per sidebar_key in each process."""
    key = sidebar_key(context.get("available_apps") or [], context["request"].path)
    drawn = _drawn.get(key)
    if drawn is None:
        sidebar = context.template.engine.get_template(SIDEBAR_TEMPLATE)
        drawn = sidebar.render(context)
        if len(_drawn) >= KEPT_SIDEBARS:
            _drawn.clear()
        _drawn[key] = drawn
    return mark_safe(drawn)
