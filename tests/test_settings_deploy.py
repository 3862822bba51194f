"""Production settings: what a deployment gets when it sets only the environment.

These run `manage.py` in a subprocess with a clean environment, so that the
test settings (and whatever the developer's shell exports) cannot leak in.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

# Variables of the developer's or CI's shell that must not reach the subprocess.
_SETTINGS_VARS = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "CACHE_URL",
    "CELERY_BROKER_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "BEHIND_TLS_PROXY",
    "DJANGO_SETTINGS_MODULE",
    "YIWANG_VAR_DIR",
    "STATIC_ROOT",
    "MEDIA_ROOT",
}


def _production_env(tmp_path, **overrides):
    env = {k: v for k, v in os.environ.items() if k not in _SETTINGS_VARS}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "yiwang.example.gov.cn",
            "CSRF_TRUSTED_ORIGINS": "https://yiwang.example.gov.cn",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
            "YIWANG_VAR_DIR": str(tmp_path / "var"),
        }
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("debug", [None, "false"], ids=["DEBUG unset", "DEBUG=false"])
def test_check_deploy_passes_with_production_environment(tmp_path, debug):
    result = _manage(
        _production_env(tmp_path, DEBUG=debug),
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNING" not in output and "security.W" not in output, output


_PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
names = [
    "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE",
    "X_FRAME_OPTIONS", "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY", "MIDDLEWARE", "CONTENT_SECURITY_POLICY",
]
print(json.dumps({name: getattr(settings, name) for name in names}))
"""


def _production_settings(tmp_path, script=_PRINT_SETTINGS, **overrides):
    """What ``script`` prints (its last line, JSON) under production settings."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=_production_env(tmp_path, **overrides),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_web_layer_settings(tmp_path):
    """HTTPS only, a year of HSTS with subdomains and preload, cookies the
    browser sends only over HTTPS, never to scripts, never cross-site."""
    values = _production_settings(tmp_path)
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    for cookie in ("SESSION", "CSRF"):
        assert values[f"{cookie}_COOKIE_SECURE"] is True
        assert values[f"{cookie}_COOKIE_HTTPONLY"] is True
        assert values[f"{cookie}_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    assert "csp.middleware.CSPMiddleware" in values["MIDDLEWARE"]
    directives = values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_hsts_subdomains_and_preload_are_configurable(tmp_path):
    """A district whose parent domain serves plain-HTTP hosts turns these off."""
    values = _production_settings(
        tmp_path, SECURE_HSTS_INCLUDE_SUBDOMAINS="false", SECURE_HSTS_PRELOAD="false"
    )
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert values["SECURE_HSTS_PRELOAD"] is False
    assert values["SECURE_HSTS_SECONDS"] >= 31536000


def test_settings_refuse_to_load_without_secret_key_when_debug_is_off(tmp_path):
    result = _manage(_production_env(tmp_path, SECRET_KEY=None), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set" in result.stderr


def test_settings_refuse_an_empty_secret_key_too(tmp_path):
    result = _manage(_production_env(tmp_path, SECRET_KEY=""), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_embedded_mode_runs_without_secret_key(tmp_path):
    """`make run` (DEBUG=1) needs no secrets on a fresh machine."""
    result = _manage(_production_env(tmp_path, SECRET_KEY=None, DEBUG="1"), "check")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_test_database_is_utf8_with_a_utf8_collation():
    """pg_trgm and sorting of Chinese text need a UTF-8 database, not C/SQL_ASCII."""
    if connection.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL only (set DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_encoding")
        (encoding,) = cursor.fetchone()
        cursor.execute("SHOW lc_collate")
        (collate,) = cursor.fetchone()
        cursor.execute("SHOW lc_ctype")
        (ctype,) = cursor.fetchone()
    assert encoding == "UTF8"
    for value in (collate, ctype):
        assert value.replace("-", "").lower().endswith(".utf8"), (collate, ctype)
