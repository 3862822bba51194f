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
# -- end of accounts and sessions security
