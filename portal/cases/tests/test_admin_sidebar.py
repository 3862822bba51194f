"""The admin's navigation sidebar, drawn once per language, app list and open
section (portal.accounts.templatetags.admin_sidebar): the same HTML as
Django's admin/nav_sidebar.html for each user, language and page."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from portal.accounts.templatetags import admin_sidebar
from portal.accounts.tests.factories import UserFactory

CASES = reverse("admin:cases_case_changelist")
USERS = reverse("admin:accounts_user_changelist")


@pytest.fixture(autouse=True)
def _nothing_drawn(monkeypatch):
    monkeypatch.setattr(admin_sidebar, "_drawn", {})


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def djangos_sidebar(response, language) -> str:
    """admin/nav_sidebar.html as Django's base.html includes it, for the
    page's app list and path."""
    with translation.override(language):
        return render_to_string(
            "admin/nav_sidebar.html",
            {
                "available_apps": response.context["available_apps"],
                "request": response.wsgi_request,
            },
        )


def page(client, user, path, language):
    client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(path, headers={"accept-language": language})
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_sidebar_is_djangos_for_each_user_and_page(client, people, root, language):
    for user, path in [
        (people["clerk"], CASES),
        (people["committee"], CASES),
        (root, CASES),
        (root, USERS),
        (people["clerk"], CASES),  # drawn before: the same again
    ]:
        response = page(client, user, path, language)
        sidebar = djangos_sidebar(response, language)
        assert 'id="nav-sidebar"' in sidebar
        assert sidebar in response.content.decode()


def test_each_user_sees_their_own_sections(client, people, root):
    clerk_first = page(client, people["clerk"], CASES, "zh-hans").content.decode()
    root_page = page(client, root, CASES, "zh-hans").content.decode()
    clerk_again = page(client, people["clerk"], CASES, "zh-hans").content.decode()
    assert f'href="{USERS}"' in root_page
    assert f'href="{USERS}"' not in clerk_first
    assert f'href="{USERS}"' not in clerk_again


def test_the_open_model_is_marked(client, root):
    on_cases = page(client, root, CASES, "zh-hans").content.decode()
    on_users = page(client, root, USERS, "zh-hans").content.decode()
    assert f'<a href="{CASES}" aria-current="page">' in on_cases
    assert f'<a href="{USERS}" aria-current="page">' not in on_cases
    assert f'<a href="{USERS}" aria-current="page">' in on_users
    assert f'<a href="{CASES}" aria-current="page">' not in on_users


def test_each_language_has_its_sidebar(client, people):
    chinese = page(client, people["clerk"], CASES, "zh-hans").content.decode()
    english = page(client, people["clerk"], CASES, "en").content.decode()
    with translation.override("en"):
        assert 'aria-label="Sidebar"' in english
    assert 'aria-label="Sidebar"' not in chinese


def test_a_sidebar_is_drawn_once(client, people):
    page(client, people["clerk"], CASES, "zh-hans")
    assert len(admin_sidebar._drawn) == 1
    (key,) = admin_sidebar._drawn
    admin_sidebar._drawn[key] = '<nav id="drawn-before"></nav>'
    again = page(client, people["clerk"], CASES, "zh-hans").content.decode()
    assert '<nav id="drawn-before"></nav>' in again
    assert 'id="nav-sidebar"' not in again
