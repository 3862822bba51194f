import pytest
from django.contrib.auth import SESSION_KEY, authenticate

from portal.accounts.tests.factories import ResidentFactory, UserFactory

PASSWORD = "yiwang-test-pass"


@pytest.fixture
def resident(db):
    return ResidentFactory(username="wang", mobile="13900139000")


@pytest.mark.django_db
def test_authenticate_with_username(resident):
    assert authenticate(username="wang", password=PASSWORD) == resident


@pytest.mark.django_db
def test_authenticate_with_mobile(resident):
    assert authenticate(username="13900139000", password=PASSWORD) == resident


@pytest.mark.django_db
@pytest.mark.parametrize("login", ["wang", "13900139000"])
def test_wrong_password_is_refused(resident, login):
    assert authenticate(username=login, password="not-the-password") is None


@pytest.mark.django_db
def test_unknown_login_is_refused():
    assert authenticate(username="nobody", password=PASSWORD) is None
    assert authenticate(username="13700137000", password=PASSWORD) is None


@pytest.mark.django_db
@pytest.mark.parametrize("login", ["wang", "13900139000"])
def test_inactive_user_is_refused(resident, login):
    resident.is_active = False
    resident.save()
    assert authenticate(username=login, password=PASSWORD) is None


@pytest.mark.django_db
def test_missing_credentials_are_refused(resident):
    assert authenticate(username="wang", password=None) is None
    assert authenticate(username="", password=PASSWORD) is None


@pytest.mark.django_db
def test_an_eleven_digit_username_still_logs_in(resident):
    # A username that looks like a mobile number but matches no mobile.
    user = UserFactory(username="13600136000")
    assert authenticate(username="13600136000", password=PASSWORD) == user


@pytest.mark.django_db
@pytest.mark.parametrize("login", ["wang", "13900139000"])
def test_login_view_accepts_username_or_mobile(client, resident, login):
    response = client.post(
        "/accounts/login/", {"username": login, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(resident.pk)


@pytest.mark.django_db
def test_login_view_refuses_wrong_password(client, resident):
    response = client.post(
        "/accounts/login/", {"username": "13900139000", "password": "nope"}
    )
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert response.context["form"].non_field_errors()


@pytest.mark.django_db
def test_login_view_refuses_inactive_user(client, resident):
    resident.is_active = False
    resident.save()
    response = client.post(
        "/accounts/login/", {"username": "wang", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_login_page_renders(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content
