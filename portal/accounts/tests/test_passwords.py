"""Password rules (issue 7): 12 characters and no common password for
everyone; three character classes and a 90-day lifetime for staff."""

import datetime

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.demo import DEMO_PASSWORD
from portal.accounts.models import Department, User
from portal.accounts.passwords import (
    PASSWORD_CHANGE_REQUIRED_KEY,
    STAFF_CHARACTER_CLASSES,
    password_expired,
)
from portal.accounts.tests.factories import (
    ResidentFactory,
    make_clerk,
    make_department,
)
from portal.cases.tests.site_helpers import page, shown

OLD = "yiwang-test-pass"  # the factories' password: lower case and symbols only
STRONG = "Zhu-jian-ju-2026"


def codes(error: ValidationError) -> set[str]:
    return {item.code for item in error.error_list}


@pytest.fixture
def clerk(db):
    return make_clerk(make_department("housing", kind=Department.Kind.FUNCTIONAL))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Ab1-short", "password_too_short"),
        ("qwertyuiop123", "password_too_common"),
        ("administrator", "password_too_common"),
    ],
)
def test_everyone_needs_twelve_characters_and_no_common_password(password, code):
    with pytest.raises(ValidationError) as error:
        validate_password(password, ResidentFactory())
    assert code in codes(error.value)


@pytest.mark.django_db
def test_residents_may_use_one_or_two_character_classes(clerk):
    validate_password("louti-loushui-le", ResidentFactory())
    with pytest.raises(ValidationError) as error:
        validate_password("louti-loushui-le", clerk)
    assert codes(error.value) == {"password_too_few_character_classes"}


@pytest.mark.django_db
@pytest.mark.parametrize("password", [STRONG, "lou-ti-2026-shui", "LOUTI-LOUSHUI-9x"])
def test_staff_passwords_with_three_classes_pass(clerk, password):
    validate_password(password, clerk)


@pytest.mark.django_db
def test_the_demo_password_meets_the_staff_rules(clerk):
    validate_password(DEMO_PASSWORD, clerk)


@pytest.mark.django_db
def test_setting_a_password_records_when(clerk):
    clerk.password_changed_at = None
    clerk.set_password(STRONG)
    clerk.save()
    clerk.refresh_from_db()
    assert timezone.now() - clerk.password_changed_at < datetime.timedelta(seconds=5)


@pytest.mark.django_db
def test_a_weak_staff_password_is_refused_next_to_the_field(client, clerk):
    client.force_login(clerk)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": OLD,
            "new_password1": "louti-loushui-le",
            "new_password2": "louti-loushui-le",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert [e.code for e in form.errors.as_data()["new_password2"]] == [
        "password_too_few_character_classes"
    ]
    html = page(response)
    field_start = html.index('id="id_new_password2"')
    assert html.index(shown(STAFF_CHARACTER_CLASSES), field_start) > field_start
    clerk.refresh_from_db()
    assert clerk.check_password(OLD)


@pytest.mark.django_db
def test_staff_passwords_expire_after_ninety_days(clerk, settings):
    now = timezone.now()
    clerk.password_changed_at = now - datetime.timedelta(days=89)
    assert not password_expired(clerk, now)
    clerk.password_changed_at = now - datetime.timedelta(days=91)
    assert password_expired(clerk, now)
    settings.PASSWORD_MAX_AGE_STAFF_DAYS = 180
    assert not password_expired(clerk, now)


@pytest.mark.django_db
def test_residents_are_not_made_to_rotate():
    resident = ResidentFactory()
    resident.password_changed_at = timezone.now() - datetime.timedelta(days=900)
    assert not password_expired(resident)


@pytest.mark.django_db
def test_an_expired_staff_member_changes_the_password_before_the_admin(client, clerk):
    User.objects.filter(pk=clerk.pk).update(
        password_changed_at=timezone.now() - datetime.timedelta(days=91)
    )
    client.force_login(clerk)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("password_change") + "?next=")
    # Every admin page, not only the index.
    response = client.get(reverse("admin:cases_case_changelist"))
    assert response["Location"].startswith(reverse("password_change"))

    response = client.post(
        reverse("password_change"),
        {
            "old_password": OLD,
            "new_password1": STRONG,
            "new_password2": STRONG,
            "next": reverse("admin:index"),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    # The session goes on (its auth hash was updated) and the admin opens.
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_a_resident_with_an_old_password_is_not_held(client):
    resident = ResidentFactory()
    User.objects.filter(pk=resident.pk).update(
        password_changed_at=timezone.now() - datetime.timedelta(days=900)
    )
    client.force_login(resident)
    assert client.get(reverse("cases:list")).status_code == 200


@pytest.mark.django_db
@pytest.mark.no_auto_second_factor
def test_staff_who_log_in_with_a_password_below_the_staff_rules_must_change_it(
    client, clerk
):
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    response = client.post(
        reverse("login"), {"username": clerk.username, "password": OLD}
    )
    assert response.status_code == 302
    assert client.session[PASSWORD_CHANGE_REQUIRED_KEY] is True
    # The second factor first, then the password.
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("otp_verify"))
    code = f"{totp(device.bin_key):06d}"
    client.post(reverse("otp_verify"), {"code": code})
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("password_change"))


@pytest.mark.django_db
@pytest.mark.no_auto_second_factor
def test_a_resident_with_a_simple_password_is_not_held(client):
    resident = ResidentFactory()
    client.post(reverse("login"), {"username": resident.username, "password": OLD})
    assert PASSWORD_CHANGE_REQUIRED_KEY not in client.session
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_the_password_change_page_shows_residents_only_their_rules(client, clerk):
    """Residents are not bound by the staff rule (three character classes),
    so their password page does not list it; staff see it."""
    from portal.accounts.passwords import STAFF_CHARACTER_CLASSES_HELP

    staff_rule = str(STAFF_CHARACTER_CLASSES_HELP)
    client.force_login(ResidentFactory())
    html = page(client.get(reverse("password_change")))
    assert staff_rule not in html
    assert "12" in html  # the length rule every password has
    client.force_login(clerk)
    response = client.get(reverse("password_change"))
    assert response.status_code == 200, response.status_code
    assert staff_rule in page(response)
