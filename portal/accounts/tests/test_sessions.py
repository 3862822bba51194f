"""Session rules (issue 7): staff 15 minutes idle and 8 hours in all,
residents 30 minutes idle; logging out or changing the password ends every
other session of the user; the session id changes at login."""

import datetime

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from portal.accounts.middleware import SESSION_TIMED_OUT
from portal.accounts.models import Department
from portal.accounts.tests.factories import (
    ResidentFactory,
    make_clerk,
    make_department,
)
from portal.cases.tests.site_helpers import page, shown

PASSWORD = "yiwang-test-pass"
NEW_PASSWORD = "Lou-dao-lou-shui-2026"
START = timezone.now().replace(microsecond=0)

pytestmark = pytest.mark.django_db

SESSION_ENGINES = [
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cache",
]


@pytest.fixture
def clerk():
    return make_clerk(make_department("housing", kind=Department.Kind.FUNCTIONAL))


@pytest.fixture
def resident():
    return ResidentFactory(username="wang")


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


def admin_ok(client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


def site_ok(client) -> bool:
    return client.get(reverse("cases:list")).status_code == 200


@pytest.mark.no_auto_second_factor
def test_the_session_id_changes_at_login(client, resident):
    session = client.session
    session["seen_catalogue"] = True
    session.save()
    before = session.session_key
    response = client.post(reverse("login"), {"username": "wang", "password": PASSWORD})
    assert response.status_code == 302
    after = client.session.session_key
    assert after != before
    store = import_string("django.contrib.sessions.backends.db.SessionStore")
    assert not store().exists(before)
    assert client.session["seen_catalogue"] is True


def test_staff_sessions_end_after_15_idle_minutes(client, clerk):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(clerk)
        clock.shift(datetime.timedelta(minutes=14))
        assert admin_ok(client)
        clock.shift(datetime.timedelta(minutes=14))  # 14 idle since the last
        assert admin_ok(client)
        clock.shift(datetime.timedelta(minutes=15, seconds=31))
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
        assert not logged_in(client)


def test_staff_sessions_end_after_8_hours_however_busy(client, clerk):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(clerk)
        for _ in range(47):  # 7 h 50 min, a request every 10 minutes
            clock.shift(datetime.timedelta(minutes=10))
            assert admin_ok(client)
        clock.shift(datetime.timedelta(minutes=10, seconds=1))
        assert not admin_ok(client)
        assert not logged_in(client)


def test_resident_sessions_end_after_30_idle_minutes(client, resident):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(resident)
        clock.shift(datetime.timedelta(minutes=29))
        assert site_ok(client)
        clock.shift(datetime.timedelta(minutes=30, seconds=31))
        response = client.get(reverse("cases:list"), follow=True)
        assert response.redirect_chain[0][0].startswith(reverse("login"))
        assert shown(SESSION_TIMED_OUT) in page(response)


def test_the_limits_come_from_settings(client, resident, settings):
    settings.SESSION_IDLE_TIMEOUT_RESIDENT = 5 * 60
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(resident)
        clock.shift(datetime.timedelta(minutes=6))
        assert not site_ok(client)


@pytest.mark.parametrize("engine", SESSION_ENGINES)
def test_logging_out_ends_every_session_of_the_user(settings, resident, engine):
    settings.SESSION_ENGINE = engine
    phone, office, other = Client(), Client(), Client()
    phone.force_login(resident)
    office.force_login(resident)
    someone_else = ResidentFactory()
    other.force_login(someone_else)
    assert site_ok(phone) and site_ok(office)

    office.post(reverse("logout"))

    assert not site_ok(office)
    assert not site_ok(phone)
    assert site_ok(other)
    # Logging in again works as before.
    phone.force_login(resident)
    assert site_ok(phone)


@pytest.mark.parametrize("engine", SESSION_ENGINES)
def test_logging_out_of_the_admin_ends_every_session(settings, clerk, engine):
    settings.SESSION_ENGINE = engine
    phone, office = Client(), Client()
    phone.force_login(clerk)
    office.force_login(clerk)
    office.post(reverse("admin:logout"))
    assert not admin_ok(phone)


@pytest.mark.parametrize("engine", SESSION_ENGINES)
def test_changing_the_password_ends_the_other_sessions_only(settings, resident, engine):
    settings.SESSION_ENGINE = engine
    phone, office = Client(), Client()
    phone.force_login(resident)
    office.force_login(resident)
    response = office.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert site_ok(office)
    assert not site_ok(phone)


def test_a_timeout_on_one_device_leaves_the_others(client, resident):
    phone = Client()
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(resident)
        phone.force_login(resident)
        clock.shift(datetime.timedelta(minutes=20))
        assert site_ok(phone)
        clock.shift(datetime.timedelta(minutes=20))
        assert not site_ok(client)  # 40 minutes idle
        assert site_ok(phone)  # 20 minutes idle


def test_session_base_is_what_the_rules_write_to():
    # The rules keep their timestamps in the session itself, so they work
    # with every backend that stores a dict (database, cache, cookies).
    assert issubclass(
        import_string("django.contrib.sessions.backends.cache.SessionStore"),
        SessionBase,
    )
