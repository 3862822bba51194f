"""Filing works with JavaScript switched off: plain forms, errors next to
their field from the server, the file upload, the confirmation."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from portal.accounts.models import Department
from portal.accounts.tests.factories import ResidentFactory, make_department
from portal.cases.form_fields import FIELD_REQUIRED
from portal.cases.models import Case
from portal.cases.tests.factories import PDF_BYTES, make_category

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mei-you-jiao-ben-2026"


def said(message) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(message)


@pytest.fixture
def resident():
    user = ResidentFactory(username="resident_nojs")
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def category():
    district = make_department("gulou", kind=Department.Kind.DISTRICT, name="鼓楼区")
    housing = make_department("housing", parent=district, name="区住建局")
    return make_category(housing, "repair", name="房屋维修")


def test_filing_without_javascript(browsing_without_javascript, resident, category):
    browsing = browsing_without_javascript
    page = browsing.page
    browsing.log_in(resident.username, PASSWORD)

    browsing.goto("catalogue:file", category.code)
    browsing.submit()  # nothing filled in
    title = page.locator(".field", has=page.locator("#id_title"))
    assert said(FIELD_REQUIRED) in title.locator(".field-error").all_inner_texts()
    assert Case.objects.count() == 0

    page.fill("#id_title", "屋顶渗水")
    page.fill("#id_description", "顶楼屋面防水层老化，雨天渗水。")
    page.set_input_files(
        "#id_attachments",
        {"name": "房产证.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES},
    )
    browsing.submit()
    case = Case.objects.get()
    assert page.url == browsing.url("cases:filed", case.pk)
    assert page.locator(".tracking-number").inner_text() == case.tracking_number
    assert case.attachments.count() == 1

    # The case is listed under "my matters" and opens from there.
    browsing.goto("cases:list")
    with page.expect_navigation():
        page.locator(f'a[href="{case.get_absolute_url()}"]').click()
    assert page.locator(".tracking-number").inner_text() == case.tracking_number
    assert reverse("cases:withdraw", args=[case.pk]) in page.content()
