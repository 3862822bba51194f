import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from portal.accounts.models import User
from portal.accounts.tests.factories import UserFactory
from portal.accounts.validators import (
    MOBILE_FORMAT,
    RESIDENT_ID_BIRTH_DATE,
    RESIDENT_ID_CHECK,
    RESIDENT_ID_FORMAT,
    RESIDENT_ID_LENGTH,
    normalize_resident_id,
    resident_id_check_char,
    validate_mobile,
    validate_resident_id,
)


def with_check_char(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


def wrong_check_char(first17: str) -> str:
    right = resident_id_check_char(first17)
    return first17 + ("1" if right != "1" else "2")


# The worked example of GB 11643-1999 (Beijing, Chaoyang, born 1949-12-31).
STANDARD_EXAMPLE = "11010519491231002X"


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH_VALID = with_check_char("32010219900307123").translate(FULL_WIDTH)


def raised_messages(value, validator=validate_resident_id):
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    return excinfo.value.messages


@pytest.mark.parametrize(
    "first17",
    [
        "32010219900307123",
        "44030420000229001",  # 29 February in a leap year
        "11010519491231002",
        "65010118500101001",
    ],
)
def test_numbers_with_the_computed_check_char_are_valid(first17):
    validate_resident_id(with_check_char(first17))


def test_the_standard_example_with_x_check_char_is_valid():
    assert resident_id_check_char(STANDARD_EXAMPLE[:17]) == "X"
    validate_resident_id(STANDARD_EXAMPLE)


def test_lower_case_x_and_spaces_are_accepted():
    validate_resident_id(STANDARD_EXAMPLE.lower())
    validate_resident_id(" 110105 19491231 002x ")
    assert normalize_resident_id(" 110105 19491231 002x ") == STANDARD_EXAMPLE


@pytest.mark.django_db
def test_user_save_stores_the_number_upper_case():
    user = UserFactory(resident_id=STANDARD_EXAMPLE.lower())
    user.refresh_from_db()
    assert user.resident_id == STANDARD_EXAMPLE


@pytest.mark.django_db
def test_full_clean_finds_a_lower_case_x_duplicate():
    # The form's unique check must compare the stored, upper-case form;
    # otherwise the save fails in the database instead of in the form.
    UserFactory(username="first", resident_id=STANDARD_EXAMPLE)
    second = User(username="second", resident_id=STANDARD_EXAMPLE.lower())
    second.set_unusable_password()
    with pytest.raises(ValidationError) as excinfo:
        second.full_clean()
    assert list(excinfo.value.error_dict) == ["resident_id"]


@pytest.mark.django_db
def test_user_save_stores_a_blank_number_as_null():
    # Many users without a number must not collide on the unique column.
    first = UserFactory(resident_id="")
    second = UserFactory(resident_id="")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.resident_id is None and second.resident_id is None


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    ("value", "length"),
    [(STANDARD_EXAMPLE[:17], 17), (STANDARD_EXAMPLE + "1", 19), ("", 0)],
)
def test_wrong_length(language, value, length):
    with translation.override(language):
        assert raised_messages(value) == [str(RESIDENT_ID_LENGTH % {"length": length})]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    "value",
    [
        "3201021990A307123X",  # a letter in the middle
        "32010219900307123Y",  # a check char other than a digit or X
        "X20102199003071234",  # X first
        # Full-width digits look right and int() reads them, but they are not
        # the number: they would be stored as a second, different string.
        FULL_WIDTH_VALID,
        FULL_WIDTH_VALID.translate(ARABIC_INDIC),
    ],
)
def test_letters_or_other_digits_in_the_number(language, value):
    with translation.override(language):
        assert raised_messages(value) == [str(RESIDENT_ID_FORMAT)]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    "birth",
    [
        "19900230",  # 30 February
        "19901301",  # month 13
        "19900100",  # day 0
        "18491231",  # before any living person
        "21000101",  # far future
    ],
)
def test_birth_date_that_does_not_exist(language, birth):
    with translation.override(language):
        assert raised_messages(with_check_char(f"320102{birth}123")) == [
            str(RESIDENT_ID_BIRTH_DATE)
        ]


def test_birth_date_tomorrow_is_refused_and_today_accepted():
    today = datetime.date.today()
    tomorrow = today + datetime.timedelta(days=1)
    validate_resident_id(with_check_char(f"320102{today:%Y%m%d}001"))
    with translation.override("en"):
        assert raised_messages(with_check_char(f"320102{tomorrow:%Y%m%d}001")) == [
            str(RESIDENT_ID_BIRTH_DATE)
        ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    "first17", ["32010219900307123", "11010519491231002", "44030420000229001"]
)
def test_wrong_check_char(language, first17):
    with translation.override(language):
        assert raised_messages(wrong_check_char(first17)) == [str(RESIDENT_ID_CHECK)]


def test_a_swapped_pair_of_digits_is_caught():
    number = with_check_char("32010219900307123")
    swapped = number[:14] + number[15] + number[14] + number[16:]
    assert swapped != number
    with translation.override("en"):
        assert raised_messages(swapped) == [str(RESIDENT_ID_CHECK)]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    "value",
    [
        STANDARD_EXAMPLE[:17],
        STANDARD_EXAMPLE + "1",
        "3201021990A307123X",
        with_check_char("32010219900230123"),
        wrong_check_char("32010219900307123"),
    ],
)
def test_messages_never_repeat_the_number(language, value):
    with translation.override(language):
        with pytest.raises(ValidationError) as excinfo:
            validate_resident_id(value)
        text = " ".join(excinfo.value.messages) + str(excinfo.value)
    for piece in (value, value[:6], value[6:14], value[-4:]):
        assert piece not in text


@pytest.mark.parametrize("value", ["13800138000", "19912345678", " 15012345678 "])
def test_valid_mobile_numbers(value):
    validate_mobile(value)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    "value",
    [
        "",
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "12800138000",  # second digit 2
        "23800138000",  # does not start with 1
        "138-0013-8000",
        "+8613800138000",
        "1" + "3800138000".translate(FULL_WIDTH),  # full-width digits after 1
    ],
)
def test_invalid_mobile_numbers(language, value):
    with translation.override(language):
        assert raised_messages(value, validate_mobile) == [str(MOBILE_FORMAT)]
