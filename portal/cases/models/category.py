from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.cases.form_fields import validate_field_definitions


class PeriodUnit(models.TextChoices):
    CALENDAR_DAYS = "calendar_days", _("calendar days")
    WORKING_DAYS = "working_days", _("working days")
    HOURS = "hours", _("hours")


class Stage(models.TextChoices):
    """The stage of a case whose clock is running."""

    NONE = "", _("no running time limit")
    ACCEPTANCE = "acceptance", _("acceptance decision")
    HANDLING = "handling", _("handling")
    CONFIRMATION = "confirmation", _("confirmation by the applicant")


class OverdueEscalation(models.TextChoices):
    NONE = "none", _("Remind only")
    SUPERVISOR = "supervisor", _("Escalate to the supervising department")
    COMMAND_CENTRE = "command_centre", _("Escalate to the district command centre")


class ServiceCategory(models.Model):
    """A kind of matter (办事事项) with its service guide (办事指南).

    New categories that need no new workflow are added in the admin: the guide,
    the default department, the time limit of each stage and any extra form
    fields (stored in Case.details) are all data.
    """

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    topic = models.CharField(_("topic"), max_length=50, blank=True)
    case_kind = models.CharField(
        _("kind of case"), max_length=20, default="matter"
    )
    summary = models.TextField(_("what it is for"), blank=True)
    materials = models.TextField(
        _("required materials"), blank=True, help_text=_("One item per line.")
    )
    legal_basis = models.TextField(_("legal basis"), blank=True)
    fee = models.CharField(_("fee"), max_length=200, default="不收费")
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("handling department"),
        on_delete=models.PROTECT,
        related_name="categories",
    )
    form_fields = models.JSONField(
        _("extra form fields"),
        default=list,
        blank=True,
        help_text=_(
            'A list such as [{"code": "address", "label": "地址", "type": "text", '
            '"required": true}]. Types: text, textarea, integer, date, choice, '
            "boolean."
        ),
    )
    reopen_window_days = models.PositiveSmallIntegerField(
        _("days after closing in which the applicant may reopen"), default=15
    )
    overdue_escalation = models.CharField(
        _("when overdue"),
        max_length=20,
        choices=OverdueEscalation.choices,
        default=OverdueEscalation.SUPERVISOR,
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=100)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        try:
            validate_field_definitions(self.form_fields)
        except ValidationError as error:
            raise ValidationError({"form_fields": error.messages}) from error

    def materials_list(self) -> list[str]:
        return [line.strip() for line in self.materials.splitlines() if line.strip()]

    def policy_for(self, stage: str) -> "DeadlinePolicy | None":
        for policy in self.deadline_policies.all():
            if policy.stage == stage:
                return policy
        return None


class DeadlinePolicy(models.Model):
    """How long one stage of a category may take, and on what legal basis."""

    category = models.ForeignKey(
        ServiceCategory,
        on_delete=models.CASCADE,
        related_name="deadline_policies",
        verbose_name=_("service category"),
    )
    stage = models.CharField(
        _("stage"),
        max_length=20,
        choices=[c for c in Stage.choices if c[0]],
    )
    amount = models.PositiveIntegerField(_("time limit"))
    unit = models.CharField(_("unit"), max_length=20, choices=PeriodUnit.choices)
    legal_basis = models.CharField(_("legal basis of the time limit"), max_length=300)
    extension_max = models.PositiveIntegerField(
        _("longest extension allowed by law (same unit, 0 for none)"), default=0
    )
    extension_basis = models.CharField(
        _("legal basis of the extension"), max_length=300, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "stage"], name="deadline_policy_one_per_stage"
            )
        ]

    def __str__(self):
        return f"{self.get_stage_display()}: {self.amount} {self.get_unit_display()}"
