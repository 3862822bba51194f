import pytest

from portal.cases.tests.conftest import category, district, people  # noqa: F401
from portal.notifications import backends


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """SMS go to memory in these tests; the list is emptied for each test."""
    settings.SMS_BACKEND = "portal.notifications.backends.LocmemSmsBackend"
    backends.outbox.clear()
    yield backends.outbox
    backends.outbox.clear()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run what the workflow leaves for after commit (the notifications), as
    a real commit would; in these tests Celery runs tasks eagerly."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run
