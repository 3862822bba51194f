from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WhistleConfig(AppConfig):
    name = "grid.whistle"
    label = "whistle"
    verbose_name = _("Whistle and report")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The periodic scans live with the app that owns them; settings.py
        # stays one file of environment values.
        from grid.whistle.tasks import register_beat_schedule

        register_beat_schedule()
