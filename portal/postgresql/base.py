"""Django's PostgreSQL backend, with ``timestamptz`` values read by psycopg's
own loader (C code in psycopg-binary) instead of Django's.

Django 5.2 registers on every connection a loader of ``timestamptz`` derived
from psycopg's pure-Python one (``psycopg_any.BaseTzLoader``), because
psycopg's optimised loader is a final class (Django ticket #36960, psycopg
issue #1273): every timestamp of every row is parsed in Python, 5.3-8.7 µs
a value here against 0.3-0.7 µs for psycopg's own (200,000 values fetched
in one query). A page reads hundreds (the grid API's list 205, the case
page's history more).

Django's loader only replaces the parsed value's time zone by the
connection's (``DatabaseWrapper.timezone``). With the site's settings
(USE_TZ, no TIME_ZONE in the database settings) that is UTC, the time zone
Django also sets on the session (``ensure_timezone``), and psycopg's loader
already gives aware datetimes in ``datetime.timezone.utc`` there: the same
values, which tests/test_postgresql_backend.py compares with Django's. Any
other configuration keeps Django's loader.
"""

import datetime

import psycopg
from django.db.backends.postgresql import base, operations
from psycopg.adapt import Loader
from psycopg.pq import Format

TIMESTAMPTZ_OID = base.TIMESTAMPTZ_OID  # what Django's create_cursor looks up
# The loader psycopg registers by default: its C class with psycopg-binary.
PSYCOPG_TIMESTAMPTZ_LOADER = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


class UtcTimestamptzLoader(Loader):
    """psycopg's own loader, for a session in UTC. ``timezone`` is what
    Django's ``create_cursor`` compares with the connection's before
    registering its loader again on the cursor."""

    timezone = datetime.UTC

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        # The optimised loader's method itself, called once per value.
        self.load = PSYCOPG_TIMESTAMPTZ_LOADER(oid, context).load

    def load(self, data):  # replaced on each instance (Loader requires it)
        raise NotImplementedError


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        """A query of prepared_cursor's as Django logs a query of a server-
        binding connection (its values in place): its own reading of the
        cursor's last query finds nothing for a prepared statement."""
        if isinstance(cursor, base.ServerBindingCursor):
            try:
                return self.compose_sql(sql, params)
            except psycopg.errors.DataError:
                return None
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def prepared_cursor(self):
        """A cursor binding its parameters on the server (Django's
        ``ServerBindingCursor``, psycopg's ``Cursor``; Django's own cursors
        bind on the client, which psycopg never prepares), so that psycopg
        prepares its queries on the connection once they have run
        ``prepare_threshold`` times (OPTIONS, DB_PREPARE_THRESHOLD: 0, on
        the first run) and PostgreSQL skips parsing them and, once it has
        settled on a generic plan (after five runs), planning them.

        For the few constant queries of a fixed shape that every request of
        a kind makes (portal.prepared): their planning took longer than
        their execution (the user's permissions and department grants on
        every staff page: 0.5 and 0.7 ms planning against 0.14 and 0.17 ms
        execution at 10M cases on the bench machine). Not for the case
        lists, whose plans depend on which units they read. Made and
        wrapped as Django makes and wraps its own cursors: the same time
        zone, health check and error translation, logged and counted the
        same."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            cursor = base.ServerBindingCursor(self.connection)
        # The time zone as Django's create_cursor sets it on its cursors.
        loader = self.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if self.timezone != loader.timezone:
            base.register_tzloader(self.timezone, cursor)
        return self._prepare_cursor(cursor)

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if self.timezone == datetime.UTC:
            connection.adapters.register_loader(TIMESTAMPTZ_OID, UtcTimestamptzLoader)
        return connection
