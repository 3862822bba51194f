"""Project-wide pytest fixtures."""

import pytest


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Each test writes uploaded files to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"
