"""The Content-Security-Policy in a real browser: the admin pages we use and
the API docs (Swagger UI) work under it, and Chromium reports no violation.

The static check (test_web_layer.py) reads the HTML; this one also catches
what scripts do at run time (eval, inline styles set through attributes).
Uses the browser fixtures of tests/browser (Debian's Chromium)."""

import pytest
from django.urls import reverse

from portal.accounts.tests.factories import UserFactory
from portal.cases import workflow
from portal.cases.tests.factories import file_case, pdf_upload
from tests.browser.conftest import CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing (Debian package chromium)", allow_module_level=True
    )

PASSWORD = "Gu-lou-qu-an-quan-2026"


def csp_reports(session) -> list[str]:
    return [
        text for text in session.console_errors if "Content Security Policy" in text
    ]


def test_admin_pages_and_api_docs_run_under_the_policy(browsing, category, people):
    root = UserFactory(username="csp_root", is_staff=True, is_superuser=True)
    root.set_password(PASSWORD)
    root.save()
    case = file_case(category, people["owner"], files=[pdf_upload()])
    accepted = workflow.accept_case(
        case=file_case(category, people["owner"], title="电梯故障"),
        actor=people["clerk"],
    )
    browsing.as_desktop()
    browsing.log_in_admin(root.username, PASSWORD)
    page = browsing.page
    for url in (
        reverse("admin:index"),
        reverse("admin:cases_case_changelist"),
        reverse("admin:cases_case_change", args=[case.pk]),
        reverse("admin:cases_case_workflow", args=[accepted.pk, "resolve"]),
        reverse("admin:cases_holidaycalendar_changelist"),
        reverse("admin:cases_holidaycalendar_add"),
        reverse("admin:cases_servicecategory_change", args=[category.pk]),
        reverse("admin:accounts_user_change", args=[people["owner"].pk]),
    ):
        page.goto(browsing.base + url)
        page.wait_for_load_state("load")
        assert not csp_reports(browsing), (url, csp_reports(browsing))

    page.goto(browsing.base + reverse("api:docs"))
    # Swagger UI ran (its start-up script is a file) and drew the operations
    # it fetched from the schema.
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.locator(".swagger-ui .opblock").count() > 5
    assert not csp_reports(browsing), csp_reports(browsing)
