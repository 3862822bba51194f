from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from portal.cases.models.category import PeriodUnit, ServiceCategory, Stage
from portal.kept_urls import kept_reverse


class CaseKind(models.TextChoices):
    MATTER = "matter", _("Matter")
    CERTIFICATE = "certificate", _("Certificate request")
    COURT_FILING = "court_filing", _("Court filing")
    CONSULTATION = "consultation", _("Legal consultation")
    LEGAL_AID = "legal_aid", _("Legal aid application")
    MEDIATION = "mediation", _("Mediation")
    PETITION = "petition", _("Petition")
    GRID_EVENT = "grid_event", _("Grid event")
    BOARD_QUESTION = "board_question", _("Public board question")


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting acceptance")
    NEEDS_MATERIAL = "needs_material", _("More material requested")
    ACCEPTED = "accepted", _("Being handled")
    DECLINED = "declined", _("Not accepted")
    RESOLVED = "resolved", _("Replied, awaiting confirmation")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (
    CaseStatus.SUBMITTED,
    CaseStatus.NEEDS_MATERIAL,
    CaseStatus.ACCEPTED,
    CaseStatus.RESOLVED,
)


class Outcome(models.TextChoices):
    """What a reply honestly says happened."""

    SOLVED = "solved", _("Solved")
    EXPLAINED = "explained", _("Explained, with the legal basis")
    NOT_OUR_REMIT = "not_our_remit", _("Not our remit")
    DUPLICATE = "duplicate", _("Duplicate of another case")
    UNREASONABLE = "unreasonable", _("Unreasonable request (confirmed by a leader)")


class ResidentVerdict(models.TextChoices):
    NONE = "", _("not yet given")
    CONFIRMED = "confirmed", _("confirmed")
    DISPUTED = "disputed", _("disputed")


# The copied columns of a case's history rows that need no index (Case.history).
UNREAD_CASE_HISTORY_INDEXES = [
    "tracking_number",
    "category",
    "applicant",
    "submitter",
    "department",
    "assignee",
    "duplicate_of",
    "outcome_confirmed_by",
]


def case_name(tracking_number: str, title: str) -> str:
    """What a case is called wherever it is named by itself (Case.__str__,
    the rows of its history page): its tracking number and title."""
    return f"{tracking_number} {title}"


class Case(models.Model):
    """Every matter a resident or grid worker submits, whatever its kind.

    Only portal.cases.workflow writes status, stage and the deadline fields.
    """

    tracking_number = models.CharField(
        _("tracking number"), max_length=20, unique=True, editable=False
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=CaseKind.choices, default=CaseKind.MATTER
    )
    category = models.ForeignKey(
        ServiceCategory,
        verbose_name=_("service category"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="cases_applied",
        null=True,
        blank=True,
        db_index=False,  # case_applicant starts with it
    )
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="cases_submitted",
        db_index=False,  # case_submitter starts with it
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="cases_assigned",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, editable=False
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, blank=True, editable=False
    )
    stage_started_at = models.DateTimeField(_("stage started"), null=True, editable=False)
    stage_due_at = models.DateTimeField(_("due"), null=True, editable=False)
    # Thresholds of the four-colour warning, fixed when the stage starts (50% and
    # 80% of the stage's time), so that the colour is a plain comparison with now
    # that both databases index and compute the same way.
    stage_yellow_at = models.DateTimeField(null=True, editable=False)
    stage_orange_at = models.DateTimeField(null=True, editable=False)
    version = models.PositiveIntegerField(default=0, editable=False)

    submitted_at = models.DateTimeField(_("submitted"), editable=False)
    accepted_at = models.DateTimeField(_("accepted"), null=True, editable=False)
    first_response_at = models.DateTimeField(
        _("first response"), null=True, editable=False
    )
    resolved_at = models.DateTimeField(_("replied"), null=True, editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, blank=True, editable=False
    )
    reply = models.TextField(_("reply"), blank=True, editable=False)
    outcome_basis = models.TextField(_("legal basis of the reply"), blank=True)
    outcome_redirect = models.CharField(
        _("where it belongs"), max_length=200, blank=True
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # case_duplicate_of, partial
    )
    outcome_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by leader"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # case_outcome_confirmed_by, partial
    )
    verdict = models.CharField(
        _("applicant's verdict"),
        max_length=10,
        choices=ResidentVerdict.choices,
        blank=True,
        editable=False,
    )
    dispute_count = models.PositiveSmallIntegerField(
        _("times disputed"), default=0, editable=False
    )
    reopen_count = models.PositiveSmallIntegerField(
        _("times reopened"), default=0, editable=False
    )
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, editable=False)
    rating_comment = models.TextField(_("rating comment"), blank=True, editable=False)
    rated_at = models.DateTimeField(_("rated"), null=True, editable=False)

    # History rows are read by case (``id``) in time order, never by their
    # other columns: simple-history's default index on every foreign key and
    # unique field of the copy (8 of the 13 indexes) was written on every
    # workflow step and read by nothing. At 10M cases the history table has
    # 50M rows; see docs/benchmarks.md, round 4.
    history = HistoricalRecords(no_db_index=UNREAD_CASE_HISTORY_INDEXES)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-submitted_at", "-id"]
        permissions = [
            ("view_all_cases", _("Can view every case (committee, read only)")),
            ("handle_case", _("Can handle this case (exception grant)")),
        ]
        indexes = [
            models.Index(
                fields=["department", "status", "-submitted_at"],
                name="case_dept_status_sub",
            ),
            models.Index(fields=["department", "-submitted_at"], name="case_dept_sub"),
            models.Index(fields=["applicant", "-submitted_at"], name="case_applicant"),
            models.Index(fields=["submitter", "-submitted_at"], name="case_submitter"),
            models.Index(fields=["status", "stage_due_at"], name="case_status_due"),
            models.Index(fields=["-submitted_at", "-id"], name="case_submitted"),
            # Running cases only (stage_due_at set: 5.7 % of the 10M bench's
            # rows), for the changelist filtered by warning colour
            # (warnings.colour_q implies the predicate). The first counts a
            # department's cases of a colour by an index-only scan that stops
            # at the paginator's cap; the second is the list's order, covering
            # the visibility and overdue conditions, so the newest overdue
            # page is an index-only walk of running cases, not of every case
            # (the busiest unit at 10M: 18,172 buffers, ~76 ms, instead of a
            # walk of 523,136 cases, 56,860 buffers, 1,244 ms; the walk still
            # passes the newest running cases, which are not overdue yet).
            models.Index(
                fields=["department", "stage_due_at"],
                name="case_running_dept_due",
                condition=models.Q(stage_due_at__isnull=False),
                include=["stage_orange_at", "stage_yellow_at"],
            ),
            models.Index(
                fields=["-submitted_at", "-id"],
                name="case_running_submitted",
                condition=models.Q(stage_due_at__isnull=False),
                include=["department", "applicant", "submitter", "stage_due_at"],
            ),
            # A department's running cases newest first, with the colour's
            # thresholds: the list of one colour read arm by arm
            # (newest_of_arms) walks each unit's own running cases,
            # index-only, instead of the district's running cases or the
            # unit's cases by heap. Overdue list of bench_clerk_19 (13
            # units) at 10M: 30 ms, 16,503 buffers -> 6.6 ms, 3,368.
            models.Index(
                fields=["department", "-submitted_at", "-id"],
                name="case_running_dept_sub",
                condition=models.Q(stage_due_at__isnull=False),
                include=["stage_due_at", "stage_orange_at", "stage_yellow_at"],
            ),
            # Two foreign keys that few cases fill (a duplicate's original, the
            # leader who confirmed a reply): only the filled rows are indexed,
            # which is all that PROTECT's check on a deletion reads
            # (``duplicate_of_id IN (...)`` implies IS NOT NULL). Django's
            # default index held every case's NULL: 7 MB each at 1M cases.
            models.Index(
                fields=["duplicate_of"],
                name="case_duplicate_of",
                condition=models.Q(duplicate_of__isnull=False),
            ),
            models.Index(
                fields=["outcome_confirmed_by"],
                name="case_outcome_confirmed_by",
                condition=models.Q(outcome_confirmed_by__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True)
                | models.Q(rating__gte=1, rating__lte=5),
                name="case_rating_1_to_5",
            )
        ]

    def __str__(self):
        return case_name(self.tracking_number, self.title)

    def get_absolute_url(self):
        return kept_reverse("cases:detail", [self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseEvent(models.Model):
    """One entry of a case's timeline, written by the workflow beside the
    history row. Public entries are what the applicant sees."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Not accepted")
        MATERIAL_REQUESTED = "material_requested", _("More material requested")
        RESUBMITTED = "resubmitted", _("Material supplied")
        ASSIGNED = "assigned", _("Assigned")
        TRANSFERRED = "transferred", _("Transferred")
        CO_HANDLING = "co_handling", _("Co-handling requested")
        ESCALATED = "escalated", _("Escalated")
        EXTENDED = "extended", _("Time limit extended")
        RESOLVED = "resolved", _("Replied")
        CONFIRMED = "confirmed", _("Confirmed by the applicant")
        DISPUTED = "disputed", _("Disputed by the applicant")
        RATED = "rated", _("Rated")
        REOPENED = "reopened", _("Reopened")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        NOTE = "note", _("Note")

    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,  # event_case_time starts with it
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    is_public = models.BooleanField(_("shown to the applicant"), default=True)
    message = models.TextField(_("message"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    from_status = models.CharField(_("status before"), max_length=20, blank=True)
    to_status = models.CharField(_("status after"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("time"), db_index=False)

    history = HistoricalRecords(no_db_index=["case", "actor"])  # see Case.history

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="event_case_time")]

    def __str__(self):
        return f"{self.case_id} {self.get_kind_display()}"


def attachment_path(instance, filename):
    # The stored name never carries the user's file name.
    return f"cases/{instance.case_id}/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    """A file attached to a case, kept outside the web root and served only
    through a permission-checked view."""

    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256 checksum"), max_length=64)
    is_internal = models.BooleanField(_("internal (not shown to the applicant)"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return kept_reverse("cases:attachment", [self.case_id, self.pk])


class MaterialRequest(models.Model):
    """The one consolidated list of missing material (一次性告知)."""

    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="material_requests",
    )
    items = models.JSONField(_("missing material"))
    note = models.TextField(_("note"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"))
    answered_at = models.DateTimeField(
        _("material supplied at"), null=True, blank=True
    )
    answer = models.TextField(_("answer"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("request for more material")
        verbose_name_plural = _("requests for more material")
        ordering = ["requested_at", "id"]

    def __str__(self):
        return f"{self.case_id}: {len(self.items)}"


class CaseExtension(models.Model):
    """An extension (延期) of a stage's time limit, within its legal maximum."""

    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="extensions",
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    amount = models.PositiveIntegerField(_("extension"))
    unit = models.CharField(_("unit"), max_length=20, choices=PeriodUnit.choices)
    reason = models.TextField(_("reason"))
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    previous_due_at = models.DateTimeField(_("due before"))
    new_due_at = models.DateTimeField(_("due after"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("time"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")

    def __str__(self):
        return f"{self.case_id} +{self.amount} {self.unit}"


class CoHandling(models.Model):
    """A department asked to help with a case (协办)."""

    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="co_handlers",
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="co_handled",
    )
    note = models.TextField(_("what is asked"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("co-handling department")
        verbose_name_plural = _("co-handling departments")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "department"], name="co_handling_once"
            )
        ]

    def __str__(self):
        return f"{self.case_id} + {self.department}"


class CaseSequence(models.Model):
    """The last tracking number handed out in a year."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class CaseUserObjectPermission(UserObjectPermissionBase):
    """Per-case grants to a person: the exception, not the rule."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    """Per-case grants to a department's group (co-handling, transferred away)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)
