"""Production settings that decide what every request costs (issue 8): where
sessions are read from and how database connections are kept."""

import subprocess
import sys

import pytest

from tests.test_settings_deploy import ROOT, _production_env, _production_settings

_PRINT = """
import json, django
django.setup()
from django.conf import settings
default = settings.DATABASES["default"]
print(json.dumps({
    "SESSION_ENGINE": settings.SESSION_ENGINE,
    "CACHE": settings.CACHES["default"]["BACKEND"],
    "CONN_MAX_AGE": default.get("CONN_MAX_AGE"),
    "CONN_HEALTH_CHECKS": default.get("CONN_HEALTH_CHECKS"),
    "DB_OPTIONS": default.get("OPTIONS", {}).get("options"),
    "STATIC_STORAGE": settings.STORAGES["staticfiles"]["BACKEND"],
}))
"""


def _settings(tmp_path, **overrides):
    # Nothing from the developer's shell: only what the test names.
    overrides = {
        "SESSION_ENGINE": None,
        "DB_CONN_HEALTH_CHECKS": None,
        "DB_WORK_MEM": None,
    } | overrides
    return _production_settings(tmp_path, _PRINT, **overrides)


def test_static_urls_are_worked_out_once_per_name(tmp_path):
    """The manifest storage whose URLs are remembered (tests/test_static_storage.py)."""
    values = _settings(tmp_path)
    assert values["STATIC_STORAGE"] == "portal.static_storage.StaticFilesStorage"


def test_sessions_stay_in_the_database_without_a_shared_cache(tmp_path):
    """A local-memory cache belongs to one worker: a session cached there
    would be stale in the others (a second factor passed in one worker, a
    session ended in another)."""
    values = _settings(tmp_path, CACHE_URL=None)
    assert values["CACHE"].endswith("LocMemCache")
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


def test_sessions_are_read_from_the_shared_cache_when_there_is_one(tmp_path):
    values = _settings(tmp_path, CACHE_URL="redis://127.0.0.1:6379/1")
    # Django's Redis cache, with its redis-py client kept (portal.redis_cache).
    assert values["CACHE"] == "portal.redis_cache.KeptClientRedisCache"
    # Written through to the database: a restarted Redis loses no session.
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"


def test_session_engine_can_be_chosen(tmp_path):
    values = _settings(
        tmp_path,
        CACHE_URL="redis://127.0.0.1:6379/1",
        SESSION_ENGINE="django.contrib.sessions.backends.db",
    )
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


@pytest.mark.parametrize("health", [None, "false"])
def test_postgres_connections_are_kept_and_health_checked(tmp_path, health):
    values = _settings(
        tmp_path,
        DATABASE_URL="postgres://yiwang@db.internal:5432/yiwang",
        DB_CONN_HEALTH_CHECKS=health,
    )
    assert values["CONN_MAX_AGE"] == 60
    assert values["CONN_HEALTH_CHECKS"] is (health is None)


@pytest.mark.parametrize(
    ("url", "work_mem", "options"),
    [
        ("", None, "-c work_mem=32MB"),
        ("?options=-c%20jit%3Doff", "64MB", "-c jit=off -c work_mem=64MB"),
        ("", "", None),
    ],
)
def test_postgres_connections_get_work_mem(tmp_path, url, work_mem, options):
    """The case lists' bitmaps stay exact at 10M cases with 32 MB
    (docs/deployment.md); options already in DATABASE_URL are kept, and an
    empty DB_WORK_MEM leaves the server's setting."""
    values = _settings(
        tmp_path,
        DATABASE_URL="postgres://yiwang@db.internal:5432/yiwang" + url,
        DB_WORK_MEM=work_mem,
    )
    assert values["DB_OPTIONS"] == options


_WARM_WORKER = """
import portal.wsgi
from django.db import connections
from django.urls import get_resolver
from django.utils.translation import trans_real
assert all(c.connection is None for c in connections.all()), "a connection"
assert {"zh-hans", "en"} <= set(trans_real._translations), "no catalogues"
assert get_resolver()._populated, "no URL patterns"
from django.forms.renderers import get_default_renderer
from django.template import engines
def cached(engine):
    (loader,) = engine.engine.template_loaders
    return set(loader.get_template_cache)
site = cached(engines["django"])
for name in ("cases/detail.html", "base.html", "admin/change_list.html",
             "admin/cases/case/change_list.html", "admin/filter.html"):
    assert name in site, name
widgets = cached(get_default_renderer().engine)
assert "django/forms/widgets/hidden.html" in widgets, "no widget templates"
import gc
assert gc.get_freeze_count() > 100_000, "the loaded objects are not frozen"
print("ok")
"""


def test_the_wsgi_module_warms_up_without_a_database(tmp_path):
    """portal/wsgi.py loads the URL patterns and the translations and
    compiles the templates when it is imported (in gunicorn's master, with
    --preload), then freezes what it loaded out of the garbage collector's
    full collections: it must not open a database connection there, which
    the forked workers would share."""
    result = subprocess.run(
        [sys.executable, "-c", _WARM_WORKER],
        cwd=ROOT,
        env=_production_env(
            tmp_path,
            DATABASE_URL="postgres://yiwang@db.invalid:5432/yiwang",
            SESSION_ENGINE=None,
            CACHE_URL=None,
        ),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")
