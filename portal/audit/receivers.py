"""Audit records written from Django's signals.

Login success and failure come from ``user_logged_in`` / ``user_login_failed``
(the site's and the admin's login forms, and the API token endpoint's
``authenticate`` call for failures); admin configuration changes from the
admin's own ``LogEntry`` rows, so every registered ModelAdmin is covered,
third-party ones included, without a mixin to forget. These are cross-cutting
security records, not business logic, which is why signals are used here.
"""

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from portal.audit import services
from portal.audit.models import AuditRecord

ADMIN_ACTIONS = {
    ADDITION: AuditRecord.Action.ADMIN_ADD,
    CHANGE: AuditRecord.Action.ADMIN_CHANGE,
    DELETION: AuditRecord.Action.ADMIN_DELETE,
}


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    services.login_succeeded(user=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password with stars; only the name
    # is read, and services.login_failed keeps it only if it names an account.
    attempted = credentials.get("username") or credentials.get("mobile") or ""
    services.login_failed(attempted=str(attempted), request=request)


def is_case_data(model) -> bool:
    """Cases and the rows that hang off one carry their own history
    (django-simple-history and the case timeline); the audit log records
    configuration: users, departments, categories, grids, the calendar."""
    if model is None:
        return False
    if model._meta.label_lower == "cases.case":
        return True
    return any(
        field.name == "case" and field.is_relation for field in model._meta.fields
    )


@receiver(post_save, sender=LogEntry, dispatch_uid="audit_admin_change")
def _admin_logged(sender, instance, created, **kwargs):
    if not created or instance.action_flag not in ADMIN_ACTIONS:
        return
    content_type = instance.content_type
    model = content_type.model_class() if content_type else None
    if is_case_data(model):
        return
    services.record(
        action=ADMIN_ACTIONS[instance.action_flag],
        actor=instance.user,
        object_type=(
            f"{content_type.app_label}.{content_type.model}" if content_type else ""
        ),
        object_id=instance.object_id or "",
        object_repr=instance.object_repr,
        detail={"change": instance.get_change_message()[:500]},
    )
