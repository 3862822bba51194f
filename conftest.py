"""Project-wide pytest fixtures."""

import pytest


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Each test writes uploaded files to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


# -- Accounts and sessions security (issue 7) --------------------------------


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "no_auto_second_factor: staff logged in with client.force_login are "
        "not marked as having passed the second factor (tests of that step)",
    )


@pytest.fixture(autouse=True)
def _force_login_as_the_site_would(request, monkeypatch):
    """client.force_login for the rules of issue 7, so that the suite goes on
    using the admin as a clerk who logged in properly:

    - a staff member's session is marked as having passed the second factor,
      with a real (confirmed TOTP) device of his, as django_otp.login() does.
      Tests of the second-factor step itself opt out with the marker
      ``no_auto_second_factor`` (and log in through the real forms);
    - logging out ends every session of a user by changing User.session_token
      in the database: a test that logs out and then force_logins the same
      user object would sign the new session with the old token (and so not
      be logged in). The token is read afresh first.
    """
    from django.test import Client

    original = Client.force_login
    auto_second_factor = not request.node.get_closest_marker("no_auto_second_factor")

    def force_login(self, user, backend=None):
        from portal.accounts.models import User

        if isinstance(user, User) and user.pk is not None:
            fresh = User.objects.filter(pk=user.pk).values("session_token").first()
            if fresh is not None:
                user.session_token = fresh["session_token"]
        original(self, user, backend)
        if auto_second_factor and user.is_staff:
            from django_otp import DEVICE_ID_SESSION_KEY
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(
                    user=user, name="test", confirmed=True
                )
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


# -- end of accounts and sessions security


@pytest.fixture(autouse=True)
def _fresh_holiday_calendar():
    """Each process keeps a copy of the holiday calendar (portal.cases.
    deadlines); a test's rows are rolled back after it, so every test starts
    from the table."""
    from portal.cases.deadlines import forget_calendar

    forget_calendar()
    yield
    forget_calendar()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (local memory in the tests): what
    one test's pages remembered, such as a list's capped count, is not
    another's, whose users and departments may have the same ids."""
    from django.core.cache import cache

    cache.clear()
