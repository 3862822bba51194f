"""The in-site inbox (站内信), channel preferences, the delivery log and the
deadline reminders that must each happen once."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message in one person's in-site inbox. Always written, whatever
    the person's channel preferences; SMS and e-mail are extra copies."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # notif_recipient_read and notif_recipient_time start with it
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    event = models.ForeignKey(
        "cases.CaseEvent",
        verbose_name=_("timeline entry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=30, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notif_recipient_read"),
            models.Index(
                fields=["recipient", "-created_at"], name="notif_recipient_time"
            ),
        ]
        constraints = [
            # Delivering an event twice (a redelivered task) adds nothing.
            models.UniqueConstraint(
                fields=["recipient", "event"],
                condition=models.Q(event__isnull=False),
                name="notification_once_per_event",
            )
        ]

    def __str__(self):
        return f"{self.recipient_id}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """Which extra channels a person wants. The inbox is always on; SMS goes
    only to a verified mobile number, e-mail only to a stored address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    sms = models.BooleanField(_("by SMS"), default=True)
    email = models.BooleanField(_("by e-mail"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.user)


class Delivery(models.Model):
    """One copy of a notification sent through SMS or e-mail. The unique
    constraint is the claim: whoever inserts the row sends the copy."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    class Status(models.TextChoices):
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=254)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SENDING
    )
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("time"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_once_per_channel"
            )
        ]

    def __str__(self):
        return f"{self.notification_id} {self.channel} {self.status}"


class DeliveredEvent(models.Model):
    """A timeline entry whose notifications have all been written. The beat
    task re-sends what has no row here, so an event whose task was lost (the
    broker down at commit, a web process killed after commit) is not dropped."""

    event = models.OneToOneField(
        "cases.CaseEvent", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    delivered_at = models.DateTimeField()

    class Meta:
        verbose_name = _("delivered timeline entry")
        verbose_name_plural = _("delivered timeline entries")

    def __str__(self):
        return str(self.event_id)


class Reminder(models.Model):
    """A deadline reminder or escalation that happened. One per case, stage
    (identified by when it started) and level: the database refuses a second,
    however often or concurrently the beat task runs."""

    class Level(models.TextChoices):
        YELLOW = "yellow", _("Past half the time")
        ORANGE = "orange", _("Last fifth of the time")
        RED = "red", _("Overdue")

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="+", verbose_name=_("case")
    )
    stage = models.CharField(_("stage"), max_length=20)
    stage_started_at = models.DateTimeField(_("stage started"))
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    event = models.ForeignKey(
        "cases.CaseEvent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("timeline entry"),
    )
    sent_at = models.DateTimeField(_("sent"))

    class Meta:
        verbose_name = _("deadline reminder")
        verbose_name_plural = _("deadline reminders")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "stage_started_at", "level"],
                name="reminder_once_per_stage_level",
            )
        ]

    def __str__(self):
        return f"{self.case_id} {self.stage} {self.level}"
