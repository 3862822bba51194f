from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "portal.bench"
    label = "bench"
    verbose_name = "Benchmark support"
    default_auto_field = "django.db.models.BigAutoField"
