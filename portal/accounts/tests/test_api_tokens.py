"""The phones' API tokens (issue 7): they expire, and an administrator can
revoke them; a revoked token is refused."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from portal.accounts.admin import API_TOKENS_REVOKED, LOGGED_OUT_EVERYWHERE
from portal.accounts.models import Department
from portal.accounts.tests.factories import (
    ResidentFactory,
    UserFactory,
    make_clerk,
    make_department,
)
from portal.cases.tests.site_helpers import page, shown

PASSWORD = "yiwang-test-pass"

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker():
    return ResidentFactory(username="worker")


@pytest.fixture
def superuser():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def log_in(username="worker"):
    response = APIClient().post(
        reverse("api:token"), {"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200
    return response.json()


def with_access(access) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return api


def refresh(token):
    return APIClient().post(reverse("api:token-refresh"), {"refresh": token})


def test_the_lifetimes_are_short():
    jwt = settings.SIMPLE_JWT
    assert jwt["ACCESS_TOKEN_LIFETIME"] == datetime.timedelta(minutes=10)
    assert jwt["REFRESH_TOKEN_LIFETIME"] == datetime.timedelta(days=7)
    assert jwt["ROTATE_REFRESH_TOKENS"] and jwt["BLACKLIST_AFTER_ROTATION"]


def test_an_access_token_expires_after_ten_minutes(worker):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        tokens = log_in()
        api = with_access(tokens["access"])
        # Not a grid worker: refused (403), but recognised, not 401.
        assert api.get(reverse("api:my-events")).status_code == 403
        clock.shift(datetime.timedelta(minutes=10, seconds=5))
        response = api.get(reverse("api:my-events"))
        assert response.status_code == 401
        assert set(response.json()) == {"message", "extra"}


def test_a_refresh_token_expires_after_seven_days(worker):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        tokens = log_in()
        clock.shift(datetime.timedelta(days=7, minutes=1))
        assert refresh(tokens["refresh"]).status_code == 401


def admin_action(client, action, users):
    return client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": action, "_selected_action": [user.pk for user in users]},
        follow=True,
    )


def test_an_administrator_revokes_a_users_phone_tokens(client, worker, superuser):
    phone = log_in()
    other_phone = log_in()
    bystander = ResidentFactory(username="bystander")
    theirs = log_in("bystander")

    client.force_login(superuser)
    response = admin_action(client, "revoke_api_tokens", [worker])
    assert shown(API_TOKENS_REVOKED, count=2) in page(response)

    assert BlacklistedToken.objects.filter(token__user=worker).count() == 2
    assert not BlacklistedToken.objects.filter(token__user=bystander).exists()
    for tokens in (phone, other_phone):
        refused = refresh(tokens["refresh"])
        assert refused.status_code == 401
        assert set(refused.json()) == {"message", "extra"}
    assert refresh(theirs["refresh"]).status_code == 200
    # A new login works as before.
    assert refresh(log_in()["refresh"]).status_code == 200


def test_log_out_everywhere_ends_web_sessions_and_phone_tokens(
    client, worker, superuser
):
    phone = log_in()
    browser = Client()
    browser.force_login(worker)
    assert browser.get(reverse("cases:list")).status_code == 200

    client.force_login(superuser)
    response = admin_action(client, "log_out_everywhere", [worker])
    assert shown(LOGGED_OUT_EVERYWHERE, count=1) in page(response)
    assert browser.get(reverse("cases:list")).status_code == 302
    assert refresh(phone["refresh"]).status_code == 401
    # The administrator's own session goes on.
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_clerk_cannot_revoke_tokens(client, worker):
    clerk = make_clerk(make_department("housing", kind=Department.Kind.FUNCTIONAL))
    phone = log_in()
    client.force_login(clerk)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "revoke_api_tokens", "_selected_action": [worker.pk]},
    )
    assert response.status_code == 403
    assert refresh(phone["refresh"]).status_code == 200


# Logging out or changing the password ends every other session of the user
# (issue 7), the phone app's logins included.

NEW_PASSWORD = "another-long-pass-2027"


def test_logging_out_on_the_site_ends_the_phone_logins(worker):
    phone = log_in()
    browser = Client()
    browser.force_login(worker)
    browser.post(reverse("logout"))
    assert refresh(phone["refresh"]).status_code == 401


def test_a_new_password_ends_the_phone_logins(worker):
    phone = log_in()
    browser = Client()
    browser.force_login(worker)
    response = browser.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert refresh(phone["refresh"]).status_code == 401
    # The browser that changed it goes on; a new phone login works.
    assert browser.get(reverse("cases:list")).status_code == 200
    assert log_in_with(NEW_PASSWORD)


def log_in_with(password):
    response = APIClient().post(
        reverse("api:token"), {"username": "worker", "password": password}
    )
    return response.status_code == 200


def test_logging_out_on_a_phone_ends_every_other_session(worker):
    phone, other_phone = log_in(), log_in()
    bystander = ResidentFactory(username="bystander")
    theirs = log_in("bystander")
    browser = Client()
    browser.force_login(worker)
    response = APIClient().post(
        reverse("api:logout"), {"refresh": phone["refresh"]}, format="json"
    )
    assert response.status_code == 200
    assert refresh(phone["refresh"]).status_code == 401
    assert refresh(other_phone["refresh"]).status_code == 401
    assert browser.get(reverse("cases:list")).status_code == 302
    assert refresh(theirs["refresh"]).status_code == 200
    assert bystander.is_active
    # A token that is not valid logs nobody out.
    response = APIClient().post(
        reverse("api:logout"), {"refresh": "not-a-token"}, format="json"
    )
    assert response.status_code == 401
