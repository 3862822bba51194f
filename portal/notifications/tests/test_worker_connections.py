"""A worker keeps its database connection from task to task, under Django's
rule for requests (CONN_MAX_AGE, health checks), instead of Celery's Django
fixup closing it around every task: each filing's notification task opened a
new PostgreSQL backend."""

import time
from types import SimpleNamespace

import pytest
from django.db import connection

from portal.celery import app, connections_as_for_a_request

WORKER_TASK = SimpleNamespace(request=SimpleNamespace(is_eager=False))
EAGER_TASK = SimpleNamespace(request=SimpleNamespace(is_eager=True))


def test_the_fixup_does_not_close_the_connection_around_each_task():
    assert app.conf.get("CELERY_DB_REUSE_MAX") >= 100


@pytest.mark.django_db(transaction=True)
def test_a_worker_task_reuses_a_young_connection_and_closes_an_old_one(
    monkeypatch,
):
    closed = []
    monkeypatch.setattr(connection, "close", lambda: closed.append(True))
    connection.ensure_connection()
    connection.close_at = time.monotonic() + 60  # as CONN_MAX_AGE = 60 sets it
    connections_as_for_a_request(task=WORKER_TASK)
    assert closed == []
    connection.close_at = time.monotonic() - 1  # older than CONN_MAX_AGE
    connections_as_for_a_request(task=WORKER_TASK)
    assert closed == [True]


@pytest.mark.django_db
def test_an_eager_task_leaves_the_callers_connection_alone(monkeypatch):
    """Eager tasks run inside the caller's transaction (a request, a test):
    closing the connection there would lose it."""
    closed = []
    monkeypatch.setattr(connection, "close", lambda: closed.append(True))
    connection.ensure_connection()
    connection.close_at = time.monotonic() - 1
    connections_as_for_a_request(task=EAGER_TASK)
    assert closed == []
