"""Fixtures the security tests share with others: the case tests' small
district (a street, two communities, two bureaus) and its people, and the
browser of tests/browser (Debian's Chromium)."""

from portal.cases.tests.conftest import category, district, people  # noqa: F401
from tests.browser.conftest import browsing, chromium  # noqa: F401
