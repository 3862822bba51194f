"""Every page loads only what the site itself serves: government intranets
have no internet, so no CDN, no web font, no outside link in a page's
resources."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from portal.accounts.tests.factories import UserFactory
from portal.cases import workflow
from portal.cases.tests.factories import file_case, pdf_upload

ATTRIBUTE = re.compile(
    r"""\b(?:src|href|action|srcset|poster|data)\s*=\s*["']?([^"'\s>]+)""", re.I
)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)|@import\s+["']([^"']+)""", re.I)
OUTSIDE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)


@pytest.fixture
def pages(client, category, people):
    """(client user, url) for every page of the resident's site."""
    owner = people["owner"]
    submitted = file_case(category, owner, files=[pdf_upload()])
    needs = file_case(category, owner)
    needs = workflow.request_material(case=needs, actor=people["clerk"], items=["照片"])
    resolved = workflow.accept_case(
        case=file_case(category, owner), actor=people["clerk"]
    )
    resolved = workflow.resolve_case(
        case=resolved, actor=people["clerk"], outcome="solved", reply="好了"
    )
    closed = workflow.confirm_case(
        case=workflow.resolve_case(
            case=workflow.accept_case(
                case=file_case(category, owner), actor=people["clerk"]
            ),
            actor=people["clerk"],
            outcome="solved",
            reply="好了",
        ),
        actor=owner,
    )
    newcomer = UserFactory(username="13900000009", mobile="13900000009")
    return [
        (None, reverse("home")),
        (None, reverse("home") + "?q=fw"),
        (None, reverse("catalogue:category", args=[category.code])),
        (None, reverse("login")),
        (None, reverse("signup")),
        (newcomer, reverse("real_name")),
        (owner, reverse("real_name")),
        (owner, reverse("password_change")),
        (owner, reverse("password_change_done")),
        (owner, reverse("catalogue:file", args=[category.code])),
        (owner, reverse("cases:filed", args=[submitted.pk])),
        (owner, reverse("cases:list")),
        *[
            (owner, case.get_absolute_url())
            for case in (submitted, needs, resolved, closed)
        ],
        (people["clerk"], submitted.get_absolute_url()),
        (people["clerk"], reverse("cases:history", args=[submitted.pk])),
    ]


def test_no_page_refers_to_an_outside_url(client, pages):
    seen_assets = set()
    for user, url in pages:
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for value in ATTRIBUTE.findall(html):
            assert not OUTSIDE.match(value), f"{url} refers to {value}"
            if value.startswith("/static/"):
                seen_assets.add(value.removeprefix("/static/"))
        assert "@import" not in html and "fonts.googleapis" not in html
    assert "vendor/bootstrap/bootstrap.min.css" in seen_assets
    assert "vendor/bootstrap/bootstrap.bundle.min.js" in seen_assets
    for asset in seen_assets:
        path = finders.find(asset)
        assert path, f"{asset} is not served by the site"
        if asset.endswith(".css"):
            with open(path, encoding="utf-8") as css:
                for url_value, imported in CSS_URL.findall(css.read()):
                    target = url_value or imported
                    assert target.startswith("data:") or not OUTSIDE.match(target), (
                        f"{asset} loads {target}"
                    )


def test_the_outside_url_check_catches_what_it_should():
    for value in (
        "https://cdn.example.com/x.js",
        "http://x",
        "//cdn.example.com/y.css",
    ):
        assert OUTSIDE.match(value)
    for value in ("/static/css/site.css", "?page=2", "tel:0516-1234", "#top"):
        assert not OUTSIDE.match(value)
