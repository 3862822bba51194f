"""Answering a request for more material with nothing at all is refused next
to the answer field, and the case stays where it was."""

import pytest
from django.urls import reverse

from portal.cases import workflow
from portal.cases.forms import MATERIAL_EMPTY
from portal.cases.models import Case, CaseStatus
from portal.cases.tests.factories import file_case, pdf_upload
from portal.cases.tests.site_helpers import page, shown


@pytest.fixture
def needs_material(category, people):
    case = file_case(category, people["owner"])
    return workflow.request_material(
        case=case, actor=people["clerk"], items=["漏水照片"], note=""
    )


def resubmit(client, case, **data):
    return client.post(
        reverse("cases:resubmit", args=[case.pk]),
        {"version": case.version, **data},
    )


def test_an_empty_answer_sends_nothing(client, people, needs_material):
    client.force_login(people["owner"])
    response = resubmit(client, needs_material, answer="   ")
    assert response.status_code == 200
    html = page(response)
    form_html = html[html.index('id="material"') :]
    field_html = form_html[form_html.index('name="answer"') :]
    assert shown(MATERIAL_EMPTY) in field_html[: field_html.index("</div>") + 200]
    case = Case.objects.get(pk=needs_material.pk)
    assert case.status == CaseStatus.NEEDS_MATERIAL
    assert case.material_requests.get().answered_at is None


@pytest.mark.parametrize(
    "data",
    [{"answer": "照片已当面交社区。"}, {"attachments": "file"}],
    ids=["answer only", "files only"],
)
def test_an_answer_or_a_file_is_enough(client, people, needs_material, data):
    client.force_login(people["owner"])
    if "attachments" in data:
        data = {"attachments": [pdf_upload("漏水照片.pdf")]}
    response = resubmit(client, needs_material, **data)
    assert response.status_code == 302
    case = Case.objects.get(pk=needs_material.pk)
    assert case.status == CaseStatus.SUBMITTED
