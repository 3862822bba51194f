"""Reporting a grid event (事件上报) and writing notes on it."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from grid import policies
from grid.models import Grid, GridEvent
from grid.photos import prepare_photos
from grid.selectors import event_by_idempotency_key
from portal.cases import workflow
from portal.cases.models import Case, CaseEvent, CaseKind, ServiceCategory

NOT_IN_GRID = _("You can only report events in a grid you belong to.")
CATEGORY_NOT_FOR_GRID = _("This category is not one for grid events.")
DESCRIPTION_REQUIRED = _("Describe what you found.")
NOTE_REQUIRED = workflow.NOTE_REQUIRED
NOTE_NOT_ALLOWED = workflow.NOTE_NOT_ALLOWED
KEY_TOO_LONG = _("The idempotency key may be at most 100 characters.")

TITLE_LENGTH = 40


class _Duplicate(Exception):
    """Raised inside the report's transaction to roll it back when another
    request with the same idempotency key has already been saved."""


def _title(category: ServiceCategory, description: str, title: str) -> str:
    if title.strip():
        return title.strip()
    first_line = description.strip().splitlines()[0] if description.strip() else ""
    if len(first_line) > TITLE_LENGTH:
        first_line = first_line[: TITLE_LENGTH - 1] + "…"
    return f"{category.name}：{first_line}"


def event_report(
    *,
    reporter,
    grid: Grid,
    category: ServiceCategory,
    description: str,
    latitude,
    longitude,
    photos=(),
    keep_location: bool = False,
    idempotency_key: str = "",
    title: str = "",
    address: str = "",
    details: dict | None = None,
) -> tuple[GridEvent, bool]:
    """File a grid event at the grid's community. Returns (event, created).

    A report repeated with the same idempotency key by the same reporter
    returns the first event and creates nothing: the unique constraint on
    (reporter, idempotency_key) decides; the look-up before it only saves the
    work of a retry that arrives after the first report was saved.
    """
    idempotency_key = (idempotency_key or "").strip()
    if len(idempotency_key) > 100:
        raise ValidationError({"idempotency_key": [KEY_TOO_LONG]})
    existing = event_by_idempotency_key(reporter=reporter, key=idempotency_key)
    if existing is not None:
        return existing, False
    if not policies.can_report_in(reporter, grid):
        raise ValidationError(NOT_IN_GRID, code="not_allowed")
    if category.case_kind != CaseKind.GRID_EVENT or not category.is_active:
        raise ValidationError({"category": [CATEGORY_NOT_FOR_GRID]})
    if not description.strip():
        raise ValidationError({"description": [DESCRIPTION_REQUIRED]})
    ready = prepare_photos(photos, keep_location=keep_location)
    try:
        with transaction.atomic():
            case = workflow.submit_case(
                category=category,
                submitter=reporter,
                # The worker reports what they found; no resident is the
                # applicant (they follow it as its submitter and grid member).
                applicant=None,
                title=_title(category, description, title),
                description=description,
                details=details or {},
                files=ready,
                department=grid.community,
                kind=CaseKind.GRID_EVENT,
            )
            try:
                with transaction.atomic():
                    event = GridEvent(
                        case=case,
                        grid=grid,
                        reporter=reporter,
                        idempotency_key=idempotency_key,
                        latitude=latitude,
                        longitude=longitude,
                        address=address.strip()[:200],
                    )
                    event._history_user = reporter
                    event.save()
            except IntegrityError as error:
                if not idempotency_key:
                    raise
                raise _Duplicate from error
    except _Duplicate:
        first = event_by_idempotency_key(reporter=reporter, key=idempotency_key)
        return first, False
    return event, True


def event_note_add(
    *, case: Case, actor, text: str, is_public: bool = False
) -> CaseEvent:
    """A note on the timeline: internal by default, shown to the applicant when
    is_public. The workflow's note_case writes it (timeline, history row,
    notifications) and checks who may."""
    return workflow.note_case(case=case, actor=actor, text=text, public=is_public)
