"""Periodic scans of whistles. Tasks hold no logic: each calls one service,
which is idempotent, so a retried or doubled run changes nothing more."""

from celery import shared_task
from celery.schedules import crontab

from grid.whistle import services

# The two-hour report is checked every five minutes: a department is on the
# list at most five minutes after its deadline, and is reminded between 30
# and 25 minutes before it.
BEAT_SCHEDULE = {
    "whistle-negative-list-scan": {
        "task": "grid.whistle.tasks.scan_negative_list",
        "schedule": crontab(minute="*/5"),
    },
    "whistle-report-reminders": {
        "task": "grid.whistle.tasks.remind_whistles",
        "schedule": crontab(minute="*/5"),
    },
    "whistle-strike-off-closed": {
        "task": "grid.whistle.tasks.strike_off_closed_whistles",
        "schedule": crontab(minute="*/5"),
    },
}


def register_beat_schedule() -> None:
    """Add the scans to Celery beat's schedule (called from AppConfig.ready)."""
    from portal.celery import app

    schedule = dict(app.conf.beat_schedule or {})
    for name, entry in BEAT_SCHEDULE.items():
        schedule.setdefault(name, entry)
    app.conf.beat_schedule = schedule


@shared_task(name="grid.whistle.tasks.scan_negative_list")
def scan_negative_list() -> int:
    return services.negative_list_scan()


@shared_task(name="grid.whistle.tasks.strike_off_closed_whistles")
def strike_off_closed_whistles() -> int:
    return services.strike_off_closed_whistles()


@shared_task(name="grid.whistle.tasks.remind_whistles")
def remind_whistles() -> int:
    return services.whistle_reminder_scan()
