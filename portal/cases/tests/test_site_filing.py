"""Filing a matter from a category: the extra fields, the files, the checks
before anything is saved, the confirmation page."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.accounts.tests.factories import UserFactory
from portal.cases.attachments import FILE_CONTENT_MISMATCH, FILE_TOO_LARGE
from portal.cases.form_fields import FIELD_NOT_DATE, FIELD_NOT_INTEGER, FIELD_REQUIRED
from portal.cases.forms import DESCRIPTION_REQUIRED
from portal.cases.models import Attachment, Case
from portal.cases.tests.factories import (
    ELF_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    make_category,
    pdf_upload,
)
from portal.cases.tests.site_helpers import page, shown
from portal.cases.views_catalogue import REAL_NAME_NEEDED

SHANGHAI = ZoneInfo("Asia/Shanghai")

FIELDS = [
    {"code": "address", "label": "漏水地址", "type": "text", "required": True},
    {"code": "story", "label": "经过", "type": "textarea"},
    {"code": "floor", "label": "楼层", "type": "integer", "required": True},
    {"code": "since", "label": "开始日期", "type": "date"},
    {"code": "kind", "label": "类型", "type": "choice", "choices": ["管道", "屋顶"]},
    {"code": "urgent", "label": "影响出行", "type": "boolean"},
]


@pytest.fixture
def leak(district):
    return make_category(
        district["housing"], "leak", name="漏水报修", form_fields=FIELDS
    )


@pytest.fixture
def owner_client(client, people):
    client.force_login(people["owner"])
    return client


def url(category):
    return reverse("catalogue:file", args=[category.code])


def valid_data(**overrides):
    data = {
        "title": "三楼楼道漏水",
        "description": "天花板漏水一周。",
        "detail_address": "丰财街道1号3楼",
        "detail_story": "下雨就漏",
        "detail_floor": "3",
        "detail_since": "2025-03-01",
        "detail_kind": "屋顶",
        "detail_urgent": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def counts():
    return Case.objects.count(), Attachment.objects.count()


def test_form_renders_the_category_fields_as_matching_inputs(owner_client, leak):
    html = page(owner_client.get(url(leak)))
    assert (
        'name="detail_address" type="text"' in html
        or 'type="text" name="detail_address"' in html
    )
    assert '<textarea name="detail_story"' in html
    assert 'type="number" name="detail_floor"' in html
    assert 'type="date" name="detail_since"' in html
    assert '<select name="detail_kind"' in html and '<option value="屋顶">' in html
    assert 'type="checkbox" name="detail_urgent"' in html
    assert 'type="file" name="attachments"' in html and "multiple" in html
    assert 'enctype="multipart/form-data"' in html
    for definition in FIELDS:
        assert definition["label"] in html


@time_machine.travel(datetime.datetime(2025, 3, 3, 10, 0, tzinfo=SHANGHAI), tick=False)
def test_filing_saves_case_details_and_files_then_confirms(owner_client, leak, people):
    response = owner_client.post(
        url(leak),
        valid_data(
            attachments=[pdf_upload("身份证.pdf"), pdf_upload("照片.png", PNG_BYTES)]
        ),
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:filed", args=[case.pk])
    assert case.applicant == case.submitter == people["owner"]
    assert case.details == {
        "address": "丰财街道1号3楼",
        "story": "下雨就漏",
        "floor": 3,
        "since": "2025-03-01",
        "kind": "屋顶",
        "urgent": True,
    }
    assert sorted(case.attachments.values_list("original_name", flat=True)) == [
        "照片.png",
        "身份证.pdf",
    ]
    html = page(owner_client.get(response["Location"]))
    assert case.tracking_number in html
    # 7 calendar days from Monday 3 March: due at the end of Monday 10 March,
    # Beijing time, with the legal basis of the acceptance limit.
    assert "2025-03-10 23:59" in html
    assert "《信访工作条例》第二十四条" in html


def test_filing_needs_the_real_name_step(client, leak):
    user = UserFactory(username="13900000001", mobile="13900000001")
    client.force_login(user)
    response = client.get(url(leak))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("real_name"))
    assert "next=" in response["Location"]
    response = client.post(url(leak), valid_data(), follow=True)
    assert shown(REAL_NAME_NEEDED) in page(response)
    assert Case.objects.count() == 0


def test_anonymous_is_sent_to_log_in(client, leak):
    response = client.get(url(leak))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_inactive_category_cannot_be_filed(owner_client, leak):
    leak.is_active = False
    leak.save()
    assert owner_client.get(url(leak)).status_code == 404
    assert owner_client.post(url(leak), valid_data()).status_code == 404


def _field_block(html, name):
    """The markup of one field's block, to check an error sits next to it."""
    start = html.index(f'name="{name}"')
    end = html.find('<div class="mb-3 field', start)
    return html[
        html.rfind('<div class="mb-3 field', 0, start) : end if end > 0 else None
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", FIELD_REQUIRED),
        ({"description": "  "}, "description", DESCRIPTION_REQUIRED),
        ({"detail_address": ""}, "detail_address", FIELD_REQUIRED),
        ({"detail_floor": "三楼"}, "detail_floor", FIELD_NOT_INTEGER),
        ({"detail_since": "2025-02-30"}, "detail_since", FIELD_NOT_DATE),
    ],
)
def test_bad_fields_get_messages_next_to_them_and_nothing_is_saved(
    owner_client, leak, overrides, field, message
):
    before = counts()
    response = owner_client.post(
        url(leak), valid_data(attachments=[pdf_upload()], **overrides)
    )
    assert response.status_code == 200
    assert counts() == before
    html = page(response)
    assert shown(message) in _field_block(html, field)


def test_bad_choice_is_refused(owner_client, leak):
    response = owner_client.post(url(leak), valid_data(detail_kind="地下室"))
    assert "detail_kind" in response.context["form"].errors
    assert Case.objects.count() == 0


def test_executable_named_pdf_is_refused_next_to_the_files(owner_client, leak):
    before = counts()
    fake = SimpleUploadedFile("发票.pdf", ELF_BYTES, content_type="application/pdf")
    response = owner_client.post(
        url(leak), valid_data(attachments=[pdf_upload("真的.pdf"), fake])
    )
    assert counts() == before
    block = _field_block(page(response), "attachments")
    assert shown(FILE_CONTENT_MISMATCH, name="发票.pdf") in block


def test_file_over_the_limit_names_the_file_and_the_limit(owner_client, leak, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    before = counts()
    big = SimpleUploadedFile("扫描件.pdf", PDF_BYTES + b"0" * (2 * 1024 * 1024))
    response = owner_client.post(url(leak), valid_data(attachments=[big]))
    assert counts() == before
    block = _field_block(page(response), "attachments")
    assert shown(FILE_TOO_LARGE, name="扫描件.pdf", size="2", limit="1") in block


def test_a_real_50_mb_file_is_refused_with_the_20_mb_limit(
    owner_client, leak, settings
):
    assert settings.ATTACHMENT_MAX_BYTES == 20 * 1024 * 1024
    before = counts()
    big = SimpleUploadedFile(
        "录像.pdf", PDF_BYTES + b"\0" * (50 * 1024 * 1024 - len(PDF_BYTES))
    )
    response = owner_client.post(url(leak), valid_data(attachments=[big]))
    assert counts() == before
    block = _field_block(page(response), "attachments")
    assert shown(FILE_TOO_LARGE, name="录像.pdf", size="50", limit="20") in block


def test_every_error_is_shown_at_once(owner_client, leak):
    fake = SimpleUploadedFile("a.pdf", ELF_BYTES)
    response = owner_client.post(
        url(leak), valid_data(title="", detail_floor="x", attachments=[fake])
    )
    assert set(response.context["form"].errors) == {
        "title",
        "detail_floor",
        "attachments",
    }
    assert Case.objects.count() == 0
