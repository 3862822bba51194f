"""Error pages speak the visitor's language (Chinese by default) instead of
Django's built-in English fallbacks."""

import pytest
from django.conf import settings
from django.template import loader
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

pytestmark = pytest.mark.django_db


def chinese(msgid: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return escape(translation.gettext(msgid))


def test_a_missing_page_is_a_chinese_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert chinese("Page not found") in page
    assert chinese("This page does not exist, or it is not open to you.") in page
    assert chinese("Page not found") != "Page not found"


def test_the_404_follows_the_english_switch(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert '<html lang="en">' in response.content.decode()
    assert chinese("Page not found") not in response.content.decode()


def test_a_form_without_its_csrf_token_explains_itself_in_chinese():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert chinese("The form has expired") in response.content.decode()


def test_the_server_error_page_needs_no_context_and_is_chinese():
    with translation.override(settings.LANGUAGE_CODE):
        page = loader.get_template("500.html").render()
    assert chinese("Something went wrong") in page
    assert '<html lang="zh-hans">' in page
