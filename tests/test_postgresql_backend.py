"""portal.postgresql: Django's PostgreSQL backend with timestamps read by
psycopg's own loader. The values are Django's, faster."""

import datetime

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the backend is PostgreSQL's"
    ),
]

VALUES = """
    SELECT now(), NULL::timestamptz, '2026-01-01 10:00:00+08'::timestamptz,
           '2026-10-01 00:00:00.000001+00'::timestamptz,
           '0001-01-01 00:00:00+00'::timestamptz,
           '9999-12-31 23:59:59.999999+00'::timestamptz,
           ARRAY['2026-02-17 08:30:00+08'::timestamptz]
"""


def fetch(cursor):
    cursor.execute(VALUES)
    return cursor.fetchone()


def test_the_site_reads_timestamps_with_psycopgs_loader():
    from psycopg.pq import Format

    from portal.postgresql.base import (
        PSYCOPG_TIMESTAMPTZ_LOADER,
        TIMESTAMPTZ_OID,
        UtcTimestamptzLoader,
    )

    connection.ensure_connection()
    adapters = connection.connection.adapters
    assert adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT) is UtcTimestamptzLoader
    with connection.cursor() as cursor:
        # Django's cursor did not put its own loader back.
        loader = cursor.cursor.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        assert loader is UtcTimestamptzLoader
        cursor.execute("SELECT now()")
        # psycopg's own loader (C code with psycopg-binary) does the parsing.
        row_loader = cursor.cursor._tx.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        assert isinstance(row_loader.load.__self__, PSYCOPG_TIMESTAMPTZ_LOADER)
        assert PSYCOPG_TIMESTAMPTZ_LOADER.__module__.startswith("psycopg_binary")


def test_timestamps_are_the_values_djangos_loader_gives():
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    with connection.cursor() as cursor:
        ours = fetch(cursor)
    with connection.cursor() as cursor:
        register_tzloader(connection.timezone, cursor.cursor)
        djangos = fetch(cursor)
    assert ours[1:] == djangos[1:]
    assert ours[2] == datetime.datetime(2026, 1, 1, 2, 0, tzinfo=datetime.UTC)
    assert ours[3].microsecond == 1
    for value in (ours[0], ours[2], ours[3], ours[4], ours[5], ours[6][0]):
        assert value.tzinfo is datetime.UTC
        assert value.utcoffset() == datetime.timedelta(0)


# -- prepared_cursor: the constant queries prepared on the connection ---------


def test_prepared_cursor_prepares_its_queries_and_is_logged_like_djangos():
    """portal.prepared.prepared_cursor: the query is prepared on the
    connection, gives the rows an ordinary cursor gives, and is logged (and
    counted) with its values in place."""
    from django.test.utils import CaptureQueriesContext

    from portal.prepared import prepared_cursor

    sql = "SELECT %s::int + 1, %s::text WHERE %s::bool"
    with connection.cursor() as cursor:
        cursor.execute(sql, [41, "丰财街道", True])
        expected = cursor.fetchall()
    with CaptureQueriesContext(connection) as queries:
        for _run in range(7):
            with prepared_cursor(connection) as cursor:
                cursor.execute(sql, [41, "丰财街道", True])
                assert cursor.fetchall() == expected == [(42, "丰财街道")]
    assert len(queries) == 7
    assert queries.captured_queries[-1]["sql"] == (
        "SELECT 41::int + 1, '丰财街道'::text WHERE true::bool"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement = 'SELECT $1::int + 1, $2::text WHERE $3::bool'"
        )
        (runs,) = cursor.fetchone()
    assert runs >= 7


def test_django_queries_are_not_prepared():
    """Only prepared_cursor's queries are: Django's own cursors bind on the
    client (the case lists' plans depend on their values)."""
    with connection.cursor() as cursor:
        for _run in range(7):
            cursor.execute("SELECT %s::int * 3", [14])
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%* 3%"],
        )
        assert cursor.fetchone() == (0,)


def test_prepared_statements_can_be_turned_off(tmp_path):
    """DB_PREPARE_THRESHOLD empty (a transaction-pooling PgBouncer before
    1.21): psycopg prepares nothing."""
    from tests.test_settings_deploy import _production_settings

    script = (
        "import json, django\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "print(json.dumps(settings.DATABASES['default']['OPTIONS']"
        ".get('prepare_threshold', 'unset')))\n"
    )
    url = "postgres://postgres@127.0.0.1:5432/postgres"
    on = _production_settings(
        tmp_path, script, DATABASE_URL=url, DB_PREPARE_THRESHOLD=None
    )
    assert on == 0  # the default: on their first run
    off = _production_settings(
        tmp_path, script, DATABASE_URL=url, DB_PREPARE_THRESHOLD=""
    )
    assert off is None


def test_prepared_cursor_reads_timestamps_as_djangos_cursors():
    from portal.prepared import prepared_cursor

    with connection.cursor() as cursor:
        expected = fetch(cursor)
    with prepared_cursor(connection) as cursor:
        assert fetch(cursor)[1:] == expected[1:]  # (now() moves on)
        assert fetch(cursor)[0].tzinfo == expected[0].tzinfo


def test_the_session_user_is_read_with_a_prepared_query():
    """portal.accounts.backends.user_by_pk: prepared on the connection."""
    from portal.accounts.backends import user_by_pk
    from portal.accounts.tests.factories import UserFactory

    user = UserFactory(username="prepared")
    for _run in range(6):
        assert user_by_pk(user.pk) == user
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ['SELECT "accounts_user"."id"%WHERE "accounts_user"."id" = $1%'],
        )
        (runs,) = cursor.fetchone()
    assert runs >= 6
