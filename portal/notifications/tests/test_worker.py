"""The real thing: tasks through Redis and a Celery worker.

1. A worker started in this process (celery.contrib.testing) delivers a
   workflow event to the inbox through the broker.
2. A worker in a separate process is killed with SIGKILL in the middle of a
   batch of 1,000 due reminders and started again: every reminder is made
   exactly once (late acknowledgement, idempotent tasks, unique constraints).

Both need Redis on 127.0.0.1:6379 (CI starts it); the second also needs
PostgreSQL, because the worker process must see the test database.
"""

import datetime
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from portal.accounts.tests.factories import (
    ResidentFactory,
    make_clerk,
    make_department,
)
from portal.cases.models import Case, CaseEvent, CaseStatus
from portal.cases.tasks import scan_case_deadlines
from portal.cases.tests.factories import file_case, make_category
from portal.celery import app
from portal.notifications.models import Notification, Reminder
from tests.redis_server import REDIS_HOST, REDIS_PORT, needs_redis

IN_PROCESS_DB, SUBPROCESS_DB = 14, 15
pytestmark = needs_redis()


def broker_url(db: int) -> str:
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}"


def flush(db: int) -> None:
    import redis

    redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db).flushdb()


def pending(db: int) -> int:
    """Messages waiting in the queue plus those taken but not acknowledged."""
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db)
    return client.llen("celery") + client.hlen("unacked")


@contextmanager
def project_app_on(db: int):
    """The project's Celery app sending to Redis instead of running eagerly."""
    saved = {
        key: app.conf[key]
        for key in ("broker_url", "task_always_eager", "broker_transport_options")
    }
    flush(db)
    app.conf.update(
        broker_url=broker_url(db),
        task_always_eager=False,
        broker_transport_options={"visibility_timeout": 30},
    )
    forget_connections()
    try:
        yield app
    finally:
        app.conf.update(saved)
        forget_connections()
        flush(db)


def forget_connections():
    """Close the broker connections and let the app make new ones from its
    configuration, as Celery does after a fork."""
    from kombu import pools

    pools.reset()
    app._after_fork()


def wait_for(condition, timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


@pytest.mark.django_db(transaction=True)
def test_a_workflow_event_reaches_the_inbox_through_a_real_worker(category, people):
    from celery.contrib.testing.worker import start_worker

    with project_app_on(IN_PROCESS_DB):
        case = file_case(category, people["owner"])
        # Committed and queued: nothing has happened yet, the message waits
        # in Redis for a worker.
        time.sleep(0.5)
        assert pending(IN_PROCESS_DB) == 1
        assert not Notification.objects.filter(case=case).exists()
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=30
        ):
            arrived = wait_for(
                lambda: Notification.objects.filter(case=case).count() == 2,
                timeout=30,
            )
        assert arrived, "the worker did not deliver the event"
        assert pending(IN_PROCESS_DB) == 0
    assert sorted(
        Notification.objects.filter(case=case).values_list(
            "recipient__username", flat=True
        )
    ) == ["clerk_housing", "clerk_housing2"]


# --- SIGKILL in the middle of 1,000 reminders ------------------------------

BATCH = 1000


def make_due_cases(n: int):
    """n cases past half their acceptance time, in one department with one
    clerk: each yellow reminder makes one inbox message. Made with one bulk
    insert (1,000 submissions through the workflow would only be slower)."""
    department = make_department("bulk", name="批量测试局")
    make_clerk(department, "bulk_clerk")
    category = make_category(department, code="bulk")
    resident = ResidentFactory(username="bulk_resident")
    now = timezone.now()
    started = now - datetime.timedelta(days=5)
    Case.objects.bulk_create(
        [
            Case(
                tracking_number=f"T-{i:07d}",
                category=category,
                title=f"事项{i}",
                applicant=resident,
                submitter=resident,
                department=department,
                status=CaseStatus.SUBMITTED,
                stage="acceptance",
                stage_started_at=started,
                stage_due_at=now + datetime.timedelta(days=5),
                stage_yellow_at=now - datetime.timedelta(days=1),
                stage_orange_at=now + datetime.timedelta(days=3),
                submitted_at=started,
            )
            for i in range(n)
        ],
        batch_size=500,
    )


def start_worker_process(tmp_path, name: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "SECRET_KEY": "worker-test-only-" + "w" * 40,
        "DEBUG": "1",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": broker_url(SUBPROCESS_DB),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "YIWANG_VAR_DIR": str(tmp_path / "var"),
        "TEST_VISIBILITY_TIMEOUT": "5",
    }
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "portal.notifications.tests.worker_main",
            "worker",
            "--pool=prefork",
            "--concurrency=4",
            "--loglevel=WARNING",
            f"--hostname={name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: we kill all of it
    )


def kill_group(process: subprocess.Popen, sig=signal.SIGKILL) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
    process.wait(timeout=60)


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the worker runs in another process and must reach the test "
    "database: needs PostgreSQL (set DATABASE_URL; CI does)",
)
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_no_reminder_and_sends_none_twice(tmp_path):
    make_due_cases(BATCH)
    started = time.monotonic()
    first = second = None
    try:
        with project_app_on(SUBPROCESS_DB):
            assert scan_case_deadlines() == BATCH
            assert pending(SUBPROCESS_DB) == BATCH

            first = start_worker_process(tmp_path, "first")
            assert wait_for(lambda: Reminder.objects.count() >= 150, timeout=120), (
                tmp_path / "first.log"
            ).read_text()
            kill_group(first)  # SIGKILL: no goodbye, no acknowledgement
            at_kill = Reminder.objects.count()
            killed_at = time.monotonic()
            assert at_kill < BATCH, "the batch finished before the kill"
            assert pending(SUBPROCESS_DB) > 0

            second = start_worker_process(tmp_path, "second")
            done = wait_for(
                lambda: (
                    Reminder.objects.count() == BATCH
                    and Notification.objects.count() == BATCH
                    and pending(SUBPROCESS_DB) == 0
                ),
                timeout=300,
                step=0.5,
            )
            finished = time.monotonic()
            kill_group(second, signal.SIGTERM)
            assert done, (
                f"reminders {Reminder.objects.count()}, inbox "
                f"{Notification.objects.count()}, pending "
                f"{pending(SUBPROCESS_DB)}\n"
                + (tmp_path / "second.log").read_text()[-3000:]
            )
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                kill_group(process)

    print(
        f"\n1,000 reminders: killed at {at_kill}, all done "
        f"{finished - killed_at:.1f}s after the kill, "
        f"{finished - started:.1f}s in all"
    )
    # Exactly once: one Reminder per case, one timeline entry, one message.
    assert Reminder.objects.count() == BATCH
    assert Reminder.objects.values("case").distinct().count() == BATCH
    assert not Reminder.objects.filter(event__isnull=True).exists()
    notes = CaseEvent.objects.filter(kind=CaseEvent.Kind.NOTE)
    assert notes.count() == BATCH
    assert not notes.values("case").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert Notification.objects.filter(recipient__username="bulk_clerk").count() == (
        BATCH
    )
    assert not (
        Notification.objects.values("event").annotate(n=Count("id")).filter(n__gt=1)
    ).exists()
    # Every case's history has the one change, by the system user.
    assert (
        Case.history.filter(history_user__username=settings.SYSTEM_USERNAME).count()
        == BATCH
    )
