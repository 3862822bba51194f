"""The site has its own icon: the pages link it, and the browser's default
/favicon.ico request is answered (it was a 404 on every page)."""

from django.contrib.staticfiles import finders
from django.templatetags.static import static


def test_favicon_ico_redirects_to_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("favicon.ico")


def test_the_icons_are_in_the_static_files():
    ico = finders.find("favicon.ico")
    svg = finders.find("favicon.svg")
    with open(ico, "rb") as file:
        assert file.read(4) == b"\x00\x00\x01\x00"  # an ICO header
    with open(svg, encoding="utf-8") as file:
        assert file.read().startswith("<svg")


def test_site_pages_link_the_icon(client, db):
    page = client.get("/")
    assert page.status_code == 200
    assert f'<link rel="icon" href="{static("favicon.svg")}"' in page.content.decode()
