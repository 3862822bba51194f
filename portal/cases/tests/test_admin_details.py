"""The case page shows the category's extra fields (Case.details) as
"label: value" lines under the category's labels, not as raw JSON."""

import pytest
from django.urls import reverse
from django.utils import translation

from portal.cases.tests.factories import file_case, make_category

FIELDS = [
    {"code": "floor", "label": "楼层", "type": "integer"},
    {"code": "urgent", "label": "是否紧急", "type": "boolean"},
    {"code": "note", "label": "备注", "type": "text"},
]


@pytest.fixture
def case(district, people):
    category = make_category(district["housing"], form_fields=FIELDS)
    case = file_case(
        category,
        people["owner"],
        details={"note": "<script>alert(1)</script>", "floor": 3, "urgent": True},
    )
    # The category later drops the note field: the filed value keeps its key.
    category.form_fields = FIELDS[:2]
    category.save()
    return case


def test_case_page_shows_labelled_escaped_details(client, case, people):
    client.force_login(people["clerk"])
    with translation.override("zh-hans"):
        page = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    # The category's order and labels; a key it no longer defines keeps its key.
    assert (
        "楼层: 3<br>是否紧急: 是<br>note: &lt;script&gt;alert(1)&lt;/script&gt;"
    ) in html
    assert "<script>alert(1)" not in html
    assert '"floor"' not in html  # no raw JSON


def test_case_without_details_shows_a_dash(client, category, people):
    case = file_case(category, people["owner"])
    client.force_login(people["clerk"])
    page = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert page.status_code == 200
    assert 'class="form-row field-details_rows"' in page.content.decode()
