from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "portal.audit"
    label = "audit"
    verbose_name = _("Security audit log")

    def ready(self):
        # Login events and admin configuration changes are recorded from
        # Django's signals: they are cross-cutting (every login door, every
        # registered admin, third-party ones included), not business logic.
        from portal.audit import receivers  # noqa: F401
