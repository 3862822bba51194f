import pytest

from portal.accounts.masking import mask_mobile, mask_resident_id
from portal.accounts.models import User


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("11010519491231002X", "110105********002X"),
        ("320102199003071234", "320102********1234"),
        ("", ""),
        (None, ""),
        ("1234567890", "**********"),  # too short to show any part
        ("12345678901", "123456*8901"),
    ],
)
def test_mask_resident_id(value, masked):
    assert mask_resident_id(value) == masked


def test_masked_resident_id_hides_the_birth_date():
    masked = mask_resident_id("11010519491231002X")
    assert "19491231" not in masked
    assert len(masked) == 18


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13800138000", "138****8000"),
        ("", ""),
        (None, ""),
        ("1380013", "*******"),
        ("13800138", "138*0138"),
    ],
)
def test_mask_mobile(value, masked):
    assert mask_mobile(value) == masked


def test_user_properties_mask():
    user = User(mobile="13800138000", resident_id="11010519491231002X")
    assert user.masked_mobile == "138****8000"
    assert user.masked_resident_id == "110105********002X"
    assert User().masked_resident_id == ""
    assert User().masked_mobile == ""
