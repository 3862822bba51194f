"""Extra form fields of a category: the definitions and the values."""

import pytest
from django.core.exceptions import ValidationError

from portal.cases import form_fields
from portal.cases.form_fields import clean_details, validate_field_definitions
from portal.cases.tests.factories import make_category

FIELDS = [
    {"code": "address", "label": "地址", "type": "text", "required": True, "max_length": 10},
    {"code": "note", "label": "说明", "type": "textarea"},
    {"code": "floor", "label": "楼层", "type": "integer"},
    {"code": "since", "label": "开始日期", "type": "date"},
    {"code": "purpose", "label": "用途", "type": "choice", "choices": ["入学", "公证"]},
    {"code": "urgent", "label": "紧急", "type": "boolean"},
]


def test_valid_values_are_cleaned():
    cleaned = clean_details(
        FIELDS,
        {"address": " 牌楼1号 ", "floor": "3", "since": "2026-02-14", "purpose": "公证", "urgent": "on"},
    )
    assert cleaned == {
        "address": "牌楼1号",
        "floor": 3,
        "since": "2026-02-14",
        "purpose": "公证",
        "urgent": True,
    }


def test_each_bad_value_gets_its_own_message():
    with pytest.raises(ValidationError) as excinfo:
        clean_details(
            FIELDS,
            {"address": "", "floor": "三楼", "since": "2026-02-30", "purpose": "出国", "note": "x"},
        )
    errors = excinfo.value.message_dict
    assert errors["address"] == [str(form_fields.FIELD_REQUIRED)]
    assert errors["floor"] == [str(form_fields.FIELD_NOT_INTEGER)]
    assert errors["since"] == [str(form_fields.FIELD_NOT_DATE)]
    assert errors["purpose"] == [str(form_fields.FIELD_NOT_CHOICE)]
    assert "note" not in errors


def test_too_long_text():
    with pytest.raises(ValidationError) as excinfo:
        clean_details(FIELDS, {"address": "一" * 11})
    assert excinfo.value.message_dict["address"] == [str(form_fields.FIELD_TOO_LONG % {"max": 10})]


def test_unknown_values_are_dropped():
    assert clean_details(FIELDS[:1], {"address": "a", "evil": "<script>"}) == {"address": "a"}


@pytest.mark.parametrize(
    "definitions",
    [
        {"code": "x"},
        [{"code": "x", "label": "X", "type": "file"}],
        [{"code": "with space", "label": "X", "type": "text"}],
        [{"code": "地址", "label": "X", "type": "text"}],
        [{"code": "a", "label": "A", "type": "text"}, {"code": "a", "label": "B", "type": "text"}],
        [{"code": "c", "label": "C", "type": "choice"}],
    ],
)
def test_bad_definitions_are_refused(definitions):
    with pytest.raises(ValidationError):
        validate_field_definitions(definitions)


@pytest.mark.django_db
def test_category_clean_reports_bad_definitions_on_the_field(district):
    category = make_category(district["housing"], form_fields=[])
    category.form_fields = [{"code": "x", "label": "X", "type": "file"}]
    with pytest.raises(ValidationError) as excinfo:
        category.full_clean()
    assert "form_fields" in excinfo.value.message_dict
