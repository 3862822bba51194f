"""Sign up with a mobile number and password, the real-name step, logging in
with the mobile number, changing the password."""

import pytest
from django.contrib.auth import password_validation
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from portal.accounts.forms import (
    MOBILE_TAKEN,
    PASSWORDS_DIFFER,
    REAL_NAME_REQUIRED,
    RESIDENT_ID_TAKEN,
)
from portal.accounts.models import User
from portal.accounts.passwords import (
    STAFF_CHARACTER_CLASSES_HELP,
    StaffCharacterClassesValidator,
)
from portal.accounts.tests.factories import ResidentFactory, make_resident_id
from portal.accounts.validators import MOBILE_FORMAT, RESIDENT_ID_CHECK
from portal.cases.tests.site_helpers import page, shown

PASSWORD = "lou-dao-lou-shui-2025"


def sign_up(client, mobile="13912345678", password=PASSWORD, again=None):
    return client.post(
        reverse("signup"),
        {"mobile": mobile, "password1": password, "password2": again or password},
    )


@pytest.mark.django_db
def test_sign_up_logs_in_and_asks_for_the_real_name(client):
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("real_name")
    user = User.objects.get(mobile="13912345678")
    assert user.check_password(PASSWORD)
    assert not user.is_staff and not user.resident_id
    assert client.get(reverse("real_name")).context["user"] == user


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mobile", "password", "again", "field", "message"),
    [
        ("1391234567", PASSWORD, None, "mobile", MOBILE_FORMAT),
        ("23912345678", PASSWORD, None, "mobile", MOBILE_FORMAT),
        ("13912345678", PASSWORD, PASSWORD + "x", "password2", PASSWORDS_DIFFER),
    ],
)
def test_sign_up_refusals(client, mobile, password, again, field, message):
    response = sign_up(client, mobile, password, again)
    assert response.status_code == 200
    assert shown(message) in page(response)
    assert field in response.context["form"].errors
    assert User.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["short1", "12345678901234", "password123456"])
def test_sign_up_applies_the_password_validators(client, password):
    response = sign_up(client, password=password)
    assert "password1" in response.context["form"].errors
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_a_mobile_number_registers_once(client):
    ResidentFactory(mobile="13912345678")
    response = sign_up(client)
    assert shown(MOBILE_TAKEN) in page(response)
    assert User.objects.filter(mobile="13912345678").count() == 1


@pytest.mark.django_db
def test_log_in_with_the_mobile_number_after_signing_up(client):
    sign_up(client)
    client.logout()
    response = client.post(
        reverse("login"), {"username": "13912345678", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("cases:list")).status_code == 200


@pytest.fixture
def newcomer(client, db):
    sign_up(client)
    return User.objects.get(mobile="13912345678")


def test_real_name_step_saves_name_and_number(client, newcomer):
    number = make_resident_id(7)
    response = client.post(
        reverse("real_name"),
        {"real_name": "王小明", "resident_id": number[:-1] + number[-1].lower()},
    )
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert (newcomer.real_name, newcomer.resident_id) == ("王小明", number)
    html = page(client.get(reverse("real_name")))
    # Shown masked afterwards, and not editable here.
    assert newcomer.masked_resident_id in html and number not in html
    assert 'name="resident_id"' not in html


def test_real_name_step_goes_back_to_where_the_resident_came_from(client, newcomer):
    target = "/services/housing-repair/file/"
    response = client.post(
        reverse("real_name") + "?next=" + target,
        {"real_name": "王小明", "resident_id": make_resident_id(8), "next": target},
    )
    assert response["Location"] == target


def test_real_name_step_never_sends_the_resident_elsewhere(client, newcomer):
    outside = client.post(
        reverse("real_name"),
        {
            "real_name": "王",
            "resident_id": make_resident_id(9),
            "next": "https://evil.example",
        },
    )
    assert outside.status_code == 302
    assert outside["Location"] == reverse("home")


def test_a_wrong_identity_number_is_explained_next_to_the_field(client, newcomer):
    number = make_resident_id(7)
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    response = client.post(
        reverse("real_name"), {"real_name": "王小明", "resident_id": wrong}
    )
    assert response.status_code == 200
    html = page(response)
    # Next to the field: after its input, before the button.
    start = html.index('name="resident_id"')
    block = html[start : html.index('type="submit"', start)]
    assert shown(RESIDENT_ID_CHECK) in block
    assert "resident_id" in response.context["form"].errors
    newcomer.refresh_from_db()
    assert newcomer.resident_id is None and newcomer.real_name == ""


def test_an_empty_name_is_refused(client, newcomer):
    response = client.post(
        reverse("real_name"), {"real_name": " ", "resident_id": make_resident_id(7)}
    )
    assert shown(REAL_NAME_REQUIRED) in page(response)
    newcomer.refresh_from_db()
    assert newcomer.resident_id is None


def test_an_identity_number_registers_once_without_saying_whose(client, newcomer):
    holder = ResidentFactory(real_name="李秘密", resident_id=make_resident_id(5))
    response = client.post(
        reverse("real_name"), {"real_name": "王小明", "resident_id": holder.resident_id}
    )
    html = page(response)
    assert shown(RESIDENT_ID_TAKEN) in html
    assert "李秘密" not in html and holder.masked_mobile not in html
    assert holder.username not in html
    newcomer.refresh_from_db()
    assert newcomer.resident_id is None


def test_real_name_step_needs_login(client, db):
    response = client.get(reverse("real_name"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_change_password_has_its_own_page(client, newcomer):
    html = page(client.get(reverse("password_change")))
    assert 'name="old_password"' in html and 'name="new_password1"' in html
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "xin-mi-ma-2025-abc",
            "new_password2": "xin-mi-ma-2025-abc",
        },
    )
    assert response["Location"] == reverse("password_change_done")
    newcomer.refresh_from_db()
    assert newcomer.check_password("xin-mi-ma-2025-abc")
    assert client.get(reverse("password_change_done")).status_code == 200


def test_log_out(client, newcomer):
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("cases:list")).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_sign_up_lists_only_the_residents_password_rules(client, language):
    """The staff rule (three character classes) does not bind residents, so
    the sign-up page does not list it."""
    client.cookies["django_language"] = language
    html = client.get(reverse("signup")).content.decode()
    with translation.override(language):
        staff_rule = str(STAFF_CHARACTER_CLASSES_HELP)
        resident_rules = [
            escape(validator.get_help_text())
            for validator in password_validation.get_default_password_validators()
            if not isinstance(validator, StaffCharacterClassesValidator)
        ]
    assert len(resident_rules) >= 2  # length, common passwords
    for rule in resident_rules:
        assert rule in html
    assert staff_rule not in html
