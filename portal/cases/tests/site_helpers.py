"""Helpers for the site tests: expected messages as the page shows them."""

from django.conf import settings
from django.utils import translation
from django.utils.html import escape


def shown(message, **params) -> str:
    """A message constant as the page renders it: in the site's default
    language (whatever translations exist), with its parameters, escaped."""
    with translation.override(settings.LANGUAGE_CODE):
        text = str(message)
        if params:
            text = text % params
    return escape(text)


def page(response) -> str:
    return response.content.decode()
