"""`python -m portal.notifications.tests.worker_main worker ...`: the
project's Celery worker with short Redis visibility settings, so that the
messages a killed worker held come back within seconds instead of the
default hour. Used by test_worker.py only."""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

from portal.celery import app  # noqa: E402

app.conf.broker_transport_options = {
    "visibility_timeout": float(os.environ.get("TEST_VISIBILITY_TIMEOUT", "5")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}

if __name__ == "__main__":
    app.worker_main(sys.argv[1:])
