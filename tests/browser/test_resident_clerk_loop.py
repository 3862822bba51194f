"""The first full loop in a real browser (收集—处置—反馈—评价): a resident
signs up and files a matter with a file, a clerk of the handling department
accepts it and replies in the admin, the resident reads the reply and rates it.

Elements are found by their id, name or role, and texts are compared with the
message constants rendered in the page's language, never with English or
Chinese written here: the pages are translated while the project grows.
"""

import io

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from portal.accounts.models import Department
from portal.accounts.tests.factories import make_clerk, make_department
from portal.accounts.views import REAL_NAME_DONE, SIGNED_UP
from portal.cases.admin_views import ACCEPTED, RESOLVED
from portal.cases.models import Case, CaseStatus, Outcome
from portal.cases.tests.factories import make_category
from portal.cases.views import RATED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOBILE = "13912345678"
PASSWORD = "Lou-dao-lou-shui-2026"
CLERK_PASSWORD = "Zhu-jian-ju-2026"
FIELDS = [
    {"code": "address", "label": "房屋地址", "type": "text", "required": True},
    {"code": "floor", "label": "楼层", "type": "integer"},
]
REPLY = "已派维修班组更换三楼楼道雨水管，漏水已止住。"
COMMENT = "维修及时，态度很好。"


def said(message) -> str:
    """A message constant as the pages say it (the site's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message)


def resident_id(first17: str) -> str:
    """A valid GB 11643 identity number: the ISO 7064 MOD 11-2 check
    character computed here, independently of the code under test."""
    total = sum(int(digit) * (2 ** (17 - i) % 11) for i, digit in enumerate(first17))
    return first17 + "10X98765432"[total % 11]


def overlap(box, other) -> bool:
    return not (
        box["y"] + box["height"] <= other["y"]
        or other["y"] + other["height"] <= box["y"]
        or box["x"] + box["width"] <= other["x"]
        or other["x"] + other["width"] <= box["x"]
    )


def png_bytes() -> bytes:
    """A small real PNG: a photo of the leak, as far as the checks can tell."""
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (70, 110, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def housing():
    district = make_department("gulou", kind=Department.Kind.DISTRICT, name="鼓楼区")
    housing = make_department("housing", parent=district, name="区住建局")
    clerk = make_clerk(housing, "clerk_housing")
    clerk.set_password(CLERK_PASSWORD)
    clerk.save()
    category = make_category(housing, "leak", name="楼道漏水报修", form_fields=FIELDS)
    return {"category": category, "clerk": clerk}


def test_resident_files_clerk_replies_resident_rates(browsing, housing):
    page = browsing.page
    category = housing["category"]

    # 1. A resident signs up with a mobile number and a password ...
    browsing.goto("signup")
    page.fill("#id_mobile", MOBILE)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    browsing.submit()
    assert page.url == browsing.url("real_name")
    assert said(SIGNED_UP) in browsing.messages()

    # ... and gives the name and identity number of the real-name step.
    page.fill("#id_real_name", "王秀英")
    page.fill("#id_resident_id", resident_id("32030219800229004"))
    browsing.submit()
    assert said(REAL_NAME_DONE) in browsing.messages()

    # 2. From the catalogue to the category's guide to its filing form.
    browsing.goto("home")
    page.get_by_role("link", name=category.name).click()
    page.wait_for_url(browsing.url("catalogue:category", category.code))
    # The stage column of the time limits stays readable on the phone.
    stage = page.locator("table.time-limits tbody td").first
    assert stage.bounding_box()["width"] >= 60
    file_url = reverse("catalogue:file", args=[category.code])
    page.locator(f'a[href="{file_url}"]').first.click()
    page.wait_for_url(browsing.url("catalogue:file", category.code))
    page.fill("#id_title", "三楼楼道漏水")
    page.fill("#id_description", "下雨时三楼楼道天花板漏水，已持续一周。")
    page.fill("#id_detail_address", "丰财街道民主社区3号楼")
    page.fill("#id_detail_floor", "3")
    page.set_input_files(
        "#id_attachments",
        {"name": "漏水照片.png", "mimeType": "image/png", "buffer": png_bytes()},
    )
    browsing.submit()

    # 3. The confirmation: tracking number and the first stage's due date.
    case = Case.objects.get(applicant__mobile=MOBILE)
    assert page.url == browsing.url("cases:filed", case.pk)
    assert page.locator(".tracking-number").inner_text() == case.tracking_number
    due = timezone.localtime(case.stage_due_at).strftime("%Y-%m-%d %H:%M")
    assert page.locator("main dl.facts time").first.inner_text() == due
    assert case.attachments.get().original_name == "漏水照片.png"
    browsing.log_out()

    # 4. The clerk of the handling department, at a desktop, finds it in
    # the admin ...
    browsing.as_desktop()
    browsing.log_in_admin(housing["clerk"].username, CLERK_PASSWORD)
    browsing.goto("admin:cases_case_changelist")
    page.fill("#searchbar", case.tracking_number)
    with page.expect_navigation():
        page.locator("#searchbar").press("Enter")
    # (Chinese titles break after any character: the column keeps a width.)
    assert page.locator("#result_list td.field-title").bounding_box()["width"] >= 150
    with page.expect_navigation():
        page.locator("#result_list").get_by_role(
            "link", name=case.tracking_number
        ).click()

    # ... sees the workflow buttons beside the case, not over its heading ...
    buttons = page.locator("ul.object-tools").bounding_box()
    heading = page.locator("#content > h2").first.bounding_box()
    assert not overlap(buttons, heading)

    # ... accepts it with the button on the case page ...
    with page.expect_navigation():
        page.locator("a.case-action-accept").click()
    with page.expect_navigation():
        page.locator("input[name=_perform]").click()
    assert said(ACCEPTED) in browsing.messages()

    # ... and replies: solved, with what was done.
    with page.expect_navigation():
        page.locator("a.case-action-resolve").click()
    page.select_option("#id_outcome", Outcome.SOLVED)
    page.fill("#id_reply", REPLY)
    with page.expect_navigation():
        page.locator("input[name=_perform]").click()
    assert said(RESOLVED) in browsing.messages()
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert case.department.code == "housing"
    browsing.log_out_admin()

    # 5. The resident logs back in on the phone and finds the reply under
    # "my matters".
    browsing.as_phone()
    browsing.log_in(MOBILE, PASSWORD)
    browsing.goto("cases:list")
    page.locator(f'a[href="{case.get_absolute_url()}"]').click()
    page.wait_for_url(browsing.base + case.get_absolute_url())
    assert REPLY in page.locator(".reply").inner_text()

    # 6. ... and rates it: four stars and a comment.
    page.locator("#rate input[name=stars][value='4']").check()
    page.fill("#id_rate_comment", COMMENT)
    with page.expect_navigation():
        page.locator("#rate [type=submit]").click()
    assert said(RATED) in browsing.messages()
    rating = page.locator(".rating")
    assert rating.get_attribute("aria-label") == "4/5"
    assert COMMENT in rating.inner_text()
    assert page.locator("#rate").count() == 0  # rated once, no second form
    case.refresh_from_db()
    assert (case.rating, case.rating_comment) == (4, COMMENT)
