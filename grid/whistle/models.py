"""Whistle and report (吹哨报到): a street blows the whistle on one matter to
named departments; each must report within two wall-clock hours and claim a
task; whoever does not, or leaves the task undone, goes on the negative list.

Only grid.whistle.services writes these rows.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# Local policy, not national law: the two hours come from the district's own
# implementing rules for "the street blows the whistle, departments report".
REPORT_HOURS = 2
# The summoned departments that have not reported yet are reminded this long
# before their two hours run out.
REMIND_MINUTES_BEFORE = 30
REPORT_LEGAL_BASIS = _(
    "The district's local implementing rules for “streets and townships blow "
    "the whistle, departments report” (《“街乡吹哨、部门报到”工作实施办法》): a "
    "summoned department reports within 2 hours, counted by the clock through "
    "nights, weekends and holidays. This is a local policy, not a national law."
)


class ReportState(models.TextChoices):
    """How a summoned department stands, read from due_at and reported_at."""

    PENDING = "pending", _("Awaiting report")
    ON_TIME = "on_time", _("Reported on time")
    LATE = "late", _("Reported late")
    MISSING = "missing", _("Not reported")


class Whistle(models.Model):
    """One whistle on one matter (一事一哨一档): the file of who was summoned,
    who approved, who was notified, and when it was struck off."""

    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("matter"),
        on_delete=models.PROTECT,
        related_name="whistle",
    )
    street = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("street or township"),
        on_delete=models.PROTECT,
        related_name="whistles_blown",
    )
    reason = models.TextField(_("what the matter needs"))
    blown_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("blown by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    blown_at = models.DateTimeField(_("blown at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by (party secretary)"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"))
    committee_notified_at = models.DateTimeField(_("filed with the committee at"))
    committee_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filing acknowledged by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    committee_acknowledged_at = models.DateTimeField(
        _("filing acknowledged at"), null=True, blank=True
    )
    reminded_at = models.DateTimeField(
        _("report reminder sent at"), null=True, blank=True
    )
    struck_off_at = models.DateTimeField(_("struck off at"), null=True, blank=True)
    struck_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("struck off by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("whistle")
        verbose_name_plural = _("whistles")
        ordering = ["-blown_at", "-id"]
        indexes = [
            models.Index(fields=["-blown_at", "-id"], name="whistle_blown"),
            models.Index(fields=["struck_off_at"], name="whistle_struck_off"),
        ]

    def __str__(self):
        return f"{self.case} ({self.street})"

    def get_absolute_url(self):
        return reverse("whistle:detail", args=[self.pk])

    @property
    def is_struck_off(self) -> bool:
        return self.struck_off_at is not None


class WhistleSummons(models.Model):
    """One department named in a whistle, and its report (报到)."""

    whistle = models.ForeignKey(
        Whistle,
        verbose_name=_("whistle"),
        on_delete=models.PROTECT,
        related_name="summonses",
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="whistle_summonses",
    )
    due_at = models.DateTimeField(_("report due"))
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    task = models.TextField(_("task claimed"), blank=True)
    task_due_at = models.DateTimeField(_("task due"), null=True, blank=True)
    task_done_at = models.DateTimeField(_("task done at"), null=True, blank=True)
    task_done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("task done by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("summoned department")
        verbose_name_plural = _("summoned departments")
        ordering = ["whistle", "department__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["whistle", "department"], name="whistle_summons_once"
            ),
            models.CheckConstraint(
                condition=models.Q(reported_at__isnull=True)
                | models.Q(reported_by__isnull=False, task_due_at__isnull=False),
                name="whistle_report_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["due_at"], name="whistle_summons_due"),
            models.Index(fields=["task_due_at"], name="whistle_summons_task_due"),
        ]

    def __str__(self):
        return f"{self.whistle_id}: {self.department}"

    def report_state(self, now=None) -> str:
        if self.reported_at is not None:
            if self.reported_at <= self.due_at:
                return ReportState.ON_TIME
            return ReportState.LATE
        if (now or timezone.now()) > self.due_at:
            return ReportState.MISSING
        return ReportState.PENDING

    @property
    def report_state_label(self):
        return ReportState(self.report_state()).label

    @property
    def task_overdue(self) -> bool:
        if self.task_due_at is None:
            return False
        return (self.task_done_at or timezone.now()) > self.task_due_at


class NegativeListEntry(models.Model):
    """A department on the negative list (负面清单) for one summons, made by the
    scan, once per (summons, reason). The facts it shows (report time, task,
    task done) are read from the summons, which only moves forward."""

    class Reason(models.TextChoices):
        NO_REPORT_IN_TIME = "no_report_in_time", _("Did not report within 2 hours")
        TASK_OVERDUE = "task_overdue", _("Left its task undone past its due date")

    summons = models.ForeignKey(
        WhistleSummons,
        verbose_name=_("summoned department"),
        on_delete=models.PROTECT,
        related_name="negative_entries",
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="negative_entries",
    )
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    due_at = models.DateTimeField(_("missed deadline"))
    year = models.PositiveSmallIntegerField(_("assessment year"))
    recorded_at = models.DateTimeField(_("recorded at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("negative list entry")
        verbose_name_plural = _("negative list")
        ordering = ["-due_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["summons", "reason"], name="negative_entry_once"
            )
        ]
        indexes = [
            models.Index(fields=["year", "-due_at", "-id"], name="negative_year"),
            models.Index(fields=["department", "year"], name="negative_dept_year"),
        ]

    def __str__(self):
        return f"{self.department} {self.get_reason_display()} ({self.year})"
