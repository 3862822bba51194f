"""Grids hang on the department tree (district → street → community → grid),
each with its members; grid events are Cases (kind grid_event) with the
grid-specific facts beside them in GridEvent."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from grid.geo import validate_boundary

GRID_NOT_UNDER_COMMUNITY = _("A grid belongs to a community.")
CENTRE_INCOMPLETE = _(
    "Give both the latitude and the longitude of the centre, or neither."
)


class Grid(models.Model):
    """A grid (网格): the smallest unit of the district tree, under a community."""

    community = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="grids",
        limit_choices_to={"kind": "community"},
    )
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    boundary = models.JSONField(
        _("boundary"),
        null=True,
        blank=True,
        validators=[validate_boundary],
        help_text=_(
            "A GeoJSON Polygon or MultiPolygon geometry, positions as "
            "[longitude, latitude]."
        ),
    )
    centre_latitude = models.DecimalField(
        _("centre latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    centre_longitude = models.DecimalField(
        _("centre longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["community__code", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(centre_latitude__isnull=True, centre_longitude__isnull=True)
                | Q(centre_latitude__isnull=False, centre_longitude__isnull=False),
                name="grid_centre_both_or_neither",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.community_id and self.community.kind != "community":
            raise ValidationError({"community": GRID_NOT_UNDER_COMMUNITY})
        if (self.centre_latitude is None) != (self.centre_longitude is None):
            raise ValidationError(CENTRE_INCOMPLETE)


class GridMember(models.Model):
    """A person's role in a grid."""

    class Role(models.TextChoices):
        HEAD = "head", _("Grid head")
        WORKER = "worker", _("Grid worker")
        INFORMANT = "informant", _("Information worker")

    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="grid_memberships",
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("grid member")
        verbose_name_plural = _("grid members")
        ordering = ["grid", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "user"], name="grid_member_once")
        ]
        indexes = [models.Index(fields=["user", "grid"], name="grid_member_user")]

    def __str__(self):
        return f"{self.user} @ {self.grid} ({self.get_role_display()})"


class GridEvent(models.Model):
    """The grid facts of a grid event (事件上报): where it is, who reported it
    from which grid, and the idempotency key of the report. The matter itself
    (status, department, timeline) is the Case."""

    class Source(models.TextChoices):
        APP = "app", _("Grid worker's phone")
        OPEN311 = "open311", _("Open311 client")

    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="grid_event",
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="events",
        null=True,
        blank=True,
        db_index=False,  # grid_event_grid starts with it
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="grid_events_reported",
    )
    idempotency_key = models.CharField(max_length=100, blank=True, editable=False)
    # Empty only for an Open311 request filed with an address alone.
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    source = models.CharField(
        _("source"),
        max_length=10,
        choices=Source.choices,
        default=Source.APP,
        editable=False,
    )
    open311_client = models.ForeignKey(
        "grid.Open311Client",
        verbose_name=_("Open311 client"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        editable=False,
    )
    # Open311 contact fields (name, e-mail, phone): personal data, never output.
    contact = models.JSONField(default=dict, blank=True, editable=False)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("grid event")
        verbose_name_plural = _("grid events")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A phone retrying a report creates one event: the database, not a
            # check-then-write, decides which of two racing requests wins.
            models.UniqueConstraint(
                fields=["reporter", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="grid_event_idempotent_report",
            )
        ]
        indexes = [models.Index(fields=["grid", "-created_at"], name="grid_event_grid")]

    def __str__(self):
        return str(self.case_id)


class Open311Client(models.Model):
    """An Open311 client allowed to file requests. Only the SHA-256 of its API
    key is stored; the key is shown once, when the client is created."""

    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(_("key starts with"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    acts_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("files requests as"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the system account."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["key_hash"])

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")
        ordering = ["name"]

    def __str__(self):
        return self.name
