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
    """client.force_login for the rules of issue 7:

    - logging out ends every session of a user by changing User.session_token
      in the database: a test that logs out and then force_logins the same
      user object would sign the new session with the old token (and so not
      be logged in). The token is read afresh first.
    """
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        from portal.accounts.models import User

        if isinstance(user, User) and user.pk is not None:
            fresh = User.objects.filter(pk=user.pk).values("session_token").first()
            if fresh is not None:
                user.session_token = fresh["session_token"]
        original(self, user, backend)

    monkeypatch.setattr(Client, "force_login", force_login)


# -- end of accounts and sessions security
