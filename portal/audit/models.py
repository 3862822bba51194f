"""The security audit log (等保 2.0 安全审计): one row per security-relevant
event, append-only, each row chaining the hash of the one before it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditRecord(models.Model):
    """Who did what to which object, from where, and how it ended.

    Written only through ``portal.audit.services.record``; never updated or
    deleted by the application (on PostgreSQL a trigger refuses it, see
    migration 0002), except by ``prune_audit`` after the retention period.
    """

    class Action(models.TextChoices):
        LOGIN = "login", _("Login")
        LOGOUT = "logout", _("Logout")
        ACCESS = "access", _("Access to a case")
        PERMISSION_GRANT = "permission_grant", _("Permission granted")
        PERMISSION_REVOKE = "permission_revoke", _("Permission removed")
        EXPORT = "export", _("Export")
        REVEAL = "reveal", _("Reveal of sensitive data")
        ADMIN_ADD = "admin_add", _("Admin: added")
        ADMIN_CHANGE = "admin_change", _("Admin: changed")
        ADMIN_DELETE = "admin_delete", _("Admin: deleted")
        AUDIT_PRUNE = "audit_prune", _("Audit log pruned")

    class Result(models.TextChoices):
        SUCCESS = "success", _("Success")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Failed")

    created_at = models.DateTimeField(_("time"), db_index=True)
    # No database constraint and no cascade: a user who is deleted later
    # leaves their records (and the username snapshot) untouched.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(_("actor (username)"), max_length=150)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    action = models.CharField(
        _("action"), max_length=30, choices=Action.choices, db_index=True
    )
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-id"]
        permissions = [("export_auditrecord", _("Can export the audit log"))]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        when = f"{self.created_at:%Y-%m-%d %H:%M:%S}"
        return f"{when} {self.actor_username} {self.action}"


class AuditChainHead(models.Model):
    """A single row: the hash of the newest record. Writers lock it
    (select_for_update), which serialises them so the chain never forks, and
    the verifier compares it with the last record, which shows a cut-off tail.
    """

    last_hash = models.CharField(max_length=64)
    last_record_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")

    def __str__(self):
        return self.last_hash
