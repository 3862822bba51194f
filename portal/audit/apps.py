from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_roles(sender, using="default", **kwargs):
    from portal.audit import roles

    roles.ensure_role_groups(using=using)


class AuditConfig(AppConfig):
    name = "portal.audit"
    label = "audit"
    verbose_name = _("Security audit log")

    def ready(self):
        # Login events and admin configuration changes are recorded from
        # Django's signals: they are cross-cutting (every login door, every
        # registered admin, third-party ones included), not business logic.
        from portal.audit import receivers  # noqa: F401

        # Like Django's own permissions, the three role groups are set up
        # after every migrate (and test flush). Connected here, in ready(),
        # so that it runs after auth has created this app's permissions.
        post_migrate.connect(_ensure_roles, sender=self, dispatch_uid="audit_roles")
