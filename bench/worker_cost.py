#!/usr/bin/env python3
"""What a notification task costs a real Celery worker, in CPU per task.

Starts the bench's worker (bench/run.py ``worker_command``: prefork,
BENCH_CELERY_CONCURRENCY processes, default 2) on a database of your own,
queues BENCH_TASKS (default 400) ``notifications.deliver_event`` tasks for
the newest filings' "submitted" entries on a Redis broker of its own
(BENCH_WORKER_BROKER_URL, default redis://127.0.0.1:6379/9, emptied first),
waits until every entry is marked delivered, and reads the CPU time of the
worker's parent process and of its children from /proc. Two rounds by
default (BENCH_ROUNDS). The task's work in process (without Celery) is
what ``BENCH_PAGES=filing bench/overhead.py`` adds to a filing.

It DELETES the inbox messages and delivery marks of those entries before
each round, so that every round delivers them anew: run it on a copy of a
seeded database, never on the bench's own (it refuses yiwang_bench_*):

    psql -h 127.0.0.1 -U postgres -c \\
        "CREATE DATABASE yiwang_filing TEMPLATE yiwang_bench_100k"
    BENCH_DB=yiwang_filing .venv/bin/python bench/worker_cost.py
"""

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT, server_env, worker_command  # noqa: E402

DB = os.environ.get("BENCH_DB", "")
if not DB or DB.startswith("yiwang_bench_"):
    raise SystemExit("BENCH_DB must name a database of your own (see the docstring)")
BROKER = os.environ.get("BENCH_WORKER_BROKER_URL", "redis://127.0.0.1:6379/9")
TASKS = int(os.environ.get("BENCH_TASKS", "400"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))

ENV = server_env(DB) | {
    "CELERY_BROKER_URL": BROKER,
    "CELERY_TASK_ALWAYS_EAGER": "0",
    "DJANGO_SETTINGS_MODULE": "portal.settings",
}
os.environ.update(ENV)
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

import redis  # noqa: E402

from portal.cases.models import CaseEvent  # noqa: E402
from portal.notifications.models import DeliveredEvent, Notification  # noqa: E402
from portal.notifications.tasks import deliver_event_notifications  # noqa: E402


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_cpu(pid: int) -> tuple[float, float]:
    """The CPU seconds of the worker's parent and of its children."""
    children = subprocess.run(
        ["ps", "--ppid", str(pid), "-o", "pid="],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return cpu_seconds(pid), sum(cpu_seconds(int(child)) for child in children)


def main() -> None:
    redis.Redis.from_url(BROKER).flushdb()
    ids = list(
        CaseEvent.objects.filter(kind=CaseEvent.Kind.SUBMITTED)
        .order_by("-pk")
        .values_list("pk", flat=True)[:TASKS]
    )
    worker = subprocess.Popen(
        worker_command(), cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL
    )
    try:
        time.sleep(6)  # the worker's start
        print(f"database {DB}, {len(ids)} tasks a round, broker {BROKER}")
        print("| round | tasks/s | parent CPU ms/task | children CPU ms/task |")
        print("|---|---|---|---|")
        for round_number in range(1, ROUNDS + 1):
            Notification.objects.filter(event_id__in=ids).delete()
            DeliveredEvent.objects.filter(event_id__in=ids).delete()
            before, started = worker_cpu(worker.pid), time.monotonic()
            for event_id in ids:
                deliver_event_notifications.delay(event_id)
            while DeliveredEvent.objects.filter(event_id__in=ids).count() < len(ids):
                time.sleep(0.05)
            elapsed = time.monotonic() - started
            after = worker_cpu(worker.pid)
            parent, children = (
                (after[i] - before[i]) * 1000 / len(ids) for i in (0, 1)
            )
            print(
                f"| {round_number} | {len(ids) / elapsed:.0f} "
                f"| {parent:.2f} | {children:.2f} |"
            )
    finally:
        worker.terminate()
        worker.wait()


if __name__ == "__main__":
    main()
