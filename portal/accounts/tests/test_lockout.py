"""Login lockout with django-axes (issue 7): the 6th try after five wrong ones
in a row is refused even with the right password, for 30 minutes, on every
door, counted per account from any address and under either identifier."""

import datetime

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from portal.accounts.lockout import ACCOUNT_LOCKED, client_ip, lockout_minutes
from portal.accounts.models import Department
from portal.accounts.tests.factories import (
    ResidentFactory,
    make_clerk,
    make_department,
)
from portal.cases.tests.site_helpers import page, shown

PASSWORD = "yiwang-test-pass"
WRONG = "not-the-password"

pytestmark = [pytest.mark.django_db, pytest.mark.no_auto_second_factor]


def locked_text() -> str:
    return shown(ACCOUNT_LOCKED, minutes=lockout_minutes())


@pytest.fixture
def resident():
    return ResidentFactory(username="wang", mobile="13900139000")


def site_login(client, login, password, address="10.0.0.1"):
    return client.post(
        reverse("login"),
        {"username": login, "password": password},
        REMOTE_ADDR=address,
    )


def test_the_sixth_try_is_refused_even_with_the_right_password(client, resident):
    for _ in range(4):
        response = site_login(client, "wang", WRONG)
        assert response.status_code == 200
        assert locked_text() not in page(response)
    fifth = site_login(client, "wang", WRONG)
    assert fifth.status_code == 429
    sixth = site_login(client, "wang", PASSWORD)
    assert sixth.status_code == 429
    assert locked_text() in page(sixth)
    assert "_auth_user_id" not in client.session


def test_tries_under_the_mobile_number_count_for_the_same_account(client, resident):
    for login in ["wang", "13900139000", "wang", "13900139000", " wang"]:
        site_login(client, login, WRONG)
    assert site_login(client, "13900139000", PASSWORD).status_code == 429
    assert site_login(client, "wang", PASSWORD).status_code == 429


def test_tries_from_many_addresses_are_counted_together(client, resident):
    for number in range(5):
        site_login(client, "wang", WRONG, address=f"10.0.{number}.9")
    response = site_login(client, "wang", PASSWORD, address="192.0.2.77")
    assert response.status_code == 429


def test_other_accounts_are_not_locked(client, resident):
    other = ResidentFactory(username="li")
    for _ in range(5):
        site_login(client, "wang", WRONG)
    assert site_login(client, other.username, PASSWORD).status_code == 302


def test_the_lock_lasts_thirty_minutes(client, resident):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            site_login(client, "wang", WRONG)
    with time_machine.travel(start + datetime.timedelta(minutes=29), tick=False):
        assert site_login(client, "wang", PASSWORD).status_code == 429
    with time_machine.travel(start + datetime.timedelta(minutes=31), tick=False):
        assert site_login(client, "wang", PASSWORD).status_code == 302


def test_a_successful_login_starts_the_count_again(client, resident):
    for _ in range(4):
        site_login(client, "wang", WRONG)
    assert site_login(client, "wang", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        site_login(client, "wang", WRONG)
    assert site_login(client, "wang", PASSWORD).status_code == 302


def test_the_admin_login_locks_too(client):
    clerk = make_clerk(make_department("housing", kind=Department.Kind.FUNCTIONAL))
    for _ in range(5):
        client.post(
            reverse("admin:login"), {"username": clerk.username, "password": WRONG}
        )
    response = client.post(
        reverse("admin:login"), {"username": clerk.username, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert locked_text() in page(response)
    assert "_auth_user_id" not in client.session
    # The lock is the account's: the site's door is shut as well.
    assert site_login(client, clerk.username, PASSWORD).status_code == 429


def test_the_api_token_endpoint_locks_too(resident):
    api = APIClient()
    url = reverse("api:token")
    for _ in range(4):
        response = api.post(url, {"username": "wang", "password": WRONG})
        assert response.status_code == 401
    response = api.post(url, {"username": "13900139000", "password": WRONG})
    assert response.status_code == 429
    response = api.post(url, {"username": "wang", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    body = response.json()
    assert set(body) == {"message", "extra"}
    assert body["extra"]["code"] == "locked_out"
    assert "access" not in body


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "10.1.1.1"),  # no proxy configured: header ignored
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # the client wrote 6.6.6.6
        (2, "203.0.113.5, 10.2.2.2", "203.0.113.5"),
        (2, "", "10.1.1.1"),
    ],
)
def test_the_client_address_behind_proxies(settings, count, forwarded, expected):
    settings.CLIENT_IP_PROXY_COUNT = count
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR=forwarded
    )
    assert client_ip(request) == expected


def test_what_names_no_account_is_kept_only_as_a_hash(client):
    from axes.models import AccessAttempt

    typed = "320102199003070018"
    for _ in range(5):
        site_login(client, typed, WRONG)
    keys = list(AccessAttempt.objects.values_list("username", flat=True))
    assert keys and typed not in "".join(keys)
    assert all(key.startswith("?") for key in keys)
    assert site_login(client, typed, WRONG).status_code == 429
