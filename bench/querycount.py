"""Queries per request, measured apart from the load run.

Run by bench/run.py with the same environment as gunicorn (same database,
production settings). Reads a JSON list of requests on stdin; for each, logs
its user in with Django's test Client (force_login: the login itself is not
measured), makes the request once to warm caches, then once more inside
CaptureQueriesContext, and prints {name: {"status", "queries"}} as JSON.
Gunicorn itself runs with no query logging, so the load figures carry no
instrumentation cost.
"""

import json
import os
import sys

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def pass_second_factor(client, user) -> None:
    """Where staff pass a second factor (django-otp), give the bench user a
    confirmed authenticator device named "bench" and put its id in the
    session, as the site's second-factor step does once a code is accepted
    (bench databases only; the same as bench/run.py's verify_second_factor,
    with the same key)."""
    from django.conf import settings

    if not user.is_staff:
        return
    if "django_otp.plugins.otp_totp" not in settings.INSTALLED_APPS:
        return
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    key = os.environ.get("BENCH_TOTP_KEY", b"yiwang-bench-totp-k!".hex())
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"key": key}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def main() -> None:
    requests = json.load(sys.stdin)
    users = get_user_model().objects
    results = {}
    for item in requests:
        client = Client(HTTP_HOST="127.0.0.1")
        if item.get("user"):
            user = users.get(username=item["user"])
            client.force_login(user)
            pass_second_factor(client, user)
        headers = item.get("headers", {})
        call = client.post if item.get("method") == "POST" else client.get
        kwargs = {"data": item["data"]} if item.get("data") else {}
        try:
            call(item["path"], headers=headers, **kwargs)  # warm
            with CaptureQueriesContext(connection) as queries:
                response = call(item["path"], headers=headers, **kwargs)
            results[item["name"]] = {
                "status": response.status_code,
                "queries": len(queries),
                "sql": [q["sql"][:300] for q in queries.captured_queries]
                if item.get("keep_sql")
                else [],
            }
        except Exception as error:  # noqa: BLE001 - report, never stop the bench
            results[item["name"]] = {
                "status": 500,
                "queries": None,
                "error": repr(error)[:300],
            }
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
