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
