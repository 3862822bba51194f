"""Test settings: the production settings with fast hashing and eager Celery."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-" + "k" * 40)
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# Field encryption: the public development keys (see portal/settings.py).
os.environ.setdefault(
    "FIELD_ENCRYPTION_KEYS", "eWl3YW5nLWRldi1vbmx5LWZpZWxkLWtleS0zMmJ5dGU="
)
os.environ.setdefault(
    "FIELD_BLIND_INDEX_KEY", "eWl3YW5nLWRldi1vbmx5LWJsaW5kLWluZGV4LWtleSE="
)

from portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}

if DATABASES["default"]["ENGINE"] == "portal.postgresql":  # noqa: F405
    # The test runner empties every table (TRUNCATE) after a transactional
    # test; the audit log's trigger lets that through only when asked
    # (portal/audit/migrations/0003). Production connections never ask.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (  # noqa: F405
        "-c yiwang.audit_truncate=on"
    )
