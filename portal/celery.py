"""The Celery app: eager in the embedded mode, Redis or RabbitMQ in deployment."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Celery's Django fixup closes the database connection before and after
# every task unless CELERY_DB_REUSE_MAX is set, so each task connected
# anew: a new PostgreSQL backend per filing's notification task, and ~1.3 ms
# more of the worker's CPU (the task 4.0 -> 5.3 ms in process at 100k). A
# worker's connections follow Django's rule for requests instead
# (connections_as_for_a_request); the fixup then closes only after this
# many tasks, which is harmless.
app.conf.CELERY_DB_REUSE_MAX = 1000


@task_prerun.connect(dispatch_uid="portal_task_connections_before")
@task_postrun.connect(dispatch_uid="portal_task_connections_after")
def connections_as_for_a_request(sender=None, task=None, **kwargs):
    """Before and after each task run by a worker, what Django does before
    and after each request: close a connection that is older than
    CONN_MAX_AGE or broke, and check a reused one before its first query
    (CONN_HEALTH_CHECKS), so a database restart costs no failed task. Not
    for eager tasks: they run inside the caller's request or transaction."""
    task = task or sender
    if task is None or getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
