from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class HolidayYear(models.Model):
    """Whether a year's holiday arrangement is the State Council's published one
    (official) or computed from the holiday law alone (provisional)."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    provisional = models.BooleanField(_("provisional"), default=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("holiday year")
        verbose_name_plural = _("holiday years")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


class HolidayCalendar(models.Model):
    """One row for each day that differs from the plain week: a statutory
    holiday (休) or a make-up workday on a weekend (调休上班)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("holiday (rest day)")
        WORKDAY = "workday", _("make-up workday")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    year = models.ForeignKey(
        HolidayYear,
        verbose_name=_("holiday year"),
        on_delete=models.PROTECT,
        related_name="days",
        editable=False,
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("holiday calendar day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}"

    def save(self, *args, **kwargs):
        if self.year_id is None and self.date:
            self.year, _created = HolidayYear.objects.get_or_create(year=self.date.year)
        super().save(*args, **kwargs)
