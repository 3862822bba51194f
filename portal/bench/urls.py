"""Included by portal/urls.py under "bench/". Empty unless BENCH_ENABLED is
true (the setting, or the environment variable of that name), so a deployment
never serves the bare view."""

import os

from django.conf import settings
from django.urls import path

from portal.bench import views


def bench_enabled() -> bool:
    value = getattr(settings, "BENCH_ENABLED", None)
    if value is None:
        value = os.environ.get("BENCH_ENABLED", "")
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


app_name = "bench"
urlpatterns = [path("bare/", views.bare, name="bare")] if bench_enabled() else []
