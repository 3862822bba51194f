"""Filing and the acceptance decision: submit, accept, decline, request
more material (一次性告知), resubmit."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Department
from portal.cases.attachments import check_uploads, store_attachment
from portal.cases.form_fields import clean_details
from portal.cases.models import (
    Case,
    CaseEvent,
    CaseKind,
    MaterialRequest,
    ServiceCategory,
    Stage,
)
from portal.cases.workflow.core import (
    ITEMS_REQUIRED,
    MATERIAL_ALREADY_REQUESTED,
    REASON_REQUIRED,
    TITLE_REQUIRED,
    S,
    WorkflowError,
    _insert_new,
    _lock,
    _next_tracking_number,
    _now,
    _require,
    _require_applicant,
    _require_handler,
    _require_status,
    _save,
    _start_stage,
    _sync,
)

# --- submission -----------------------------------------------------------

NO_APPLICANT_NOT_ALLOWED = _(
    "Only staff or a grid report may file a matter without an applicant."
)


class _AsSubmitter:
    """submit_case's default applicant: the submitter files for themselves.
    A sentinel, so that applicant=None can mean "no applicant"."""

    def __repr__(self):
        return "AS_SUBMITTER"


AS_SUBMITTER = _AsSubmitter()


def submit_case(
    *,
    category: ServiceCategory,
    submitter,
    title: str,
    description: str = "",
    details: dict | None = None,
    files=(),
    applicant=AS_SUBMITTER,
    department: Department | None = None,
    kind: str | None = None,
) -> Case:
    """File a matter. The applicant is the submitter unless given: a proxy
    agent names the resident; applicant=None files a matter that concerns no
    resident (a grid worker's event report, a staff report), allowed only for
    grid events and staff submitters, so that nobody becomes the "resident"
    of what they only reported."""
    kind = kind or category.case_kind or CaseKind.MATTER
    if applicant is AS_SUBMITTER:
        applicant = submitter
    elif applicant is None:
        _require(
            kind == CaseKind.GRID_EVENT or bool(submitter.is_staff),
            NO_APPLICANT_NOT_ALLOWED,
            "applicant_required",
        )
    cleaned = clean_details(category.form_fields, details or {})
    checked = check_uploads(files)
    if not title.strip():
        raise WorkflowError({"title": [TITLE_REQUIRED]})
    now = _now()
    with transaction.atomic():
        case = Case(
            tracking_number=_next_tracking_number(now),
            kind=kind,
            category=category,
            title=title.strip()[:200],
            description=description.strip(),
            details=cleaned,
            applicant=applicant,
            submitter=submitter,
            department=department or category.department,
            status=S.SUBMITTED,
            submitted_at=now,
        )
        _start_stage(case, Stage.ACCEPTANCE, now)
        _insert_new(case, actor=submitter, kind=CaseEvent.Kind.SUBMITTED, now=now)
        for upload, content_type, sha256 in checked:
            store_attachment(
                case=case,
                upload=upload,
                content_type=content_type,
                sha256=sha256,
                uploaded_by=submitter,
            )
    return case


# --- acceptance -----------------------------------------------------------


@transaction.atomic
def accept_case(*, case: Case, actor, note: str = "") -> Case:
    locked = _lock(case)
    _require_status(locked, S.SUBMITTED)
    _require_handler(actor, locked)
    now, before = _now(), locked.status
    locked.status = S.ACCEPTED
    locked.accepted_at = now
    locked.first_response_at = locked.first_response_at or now
    _start_stage(locked, Stage.HANDLING, now)
    _save(
        locked,
        actor=actor,
        kind=CaseEvent.Kind.ACCEPTED,
        from_status=before,
        now=now,
        message=note,
    )
    return _sync(case, locked)


@transaction.atomic
def decline_case(*, case: Case, actor, reason: str) -> Case:
    """不予受理: refuse to accept, with the reason the applicant is told."""
    _require(bool(reason.strip()), REASON_REQUIRED, "reason_required")
    locked = _lock(case)
    _require_status(locked, S.SUBMITTED, S.NEEDS_MATERIAL)
    _require_handler(actor, locked)
    now, before = _now(), locked.status
    locked.status = S.DECLINED
    locked.closed_at = now
    locked.first_response_at = locked.first_response_at or now
    _start_stage(locked, Stage.NONE, now)
    _save(
        locked,
        actor=actor,
        kind=CaseEvent.Kind.DECLINED,
        from_status=before,
        now=now,
        message=reason.strip(),
    )
    return _sync(case, locked)


@transaction.atomic
def request_material(*, case: Case, actor, items: list[str], note: str = "") -> Case:
    """补正: one consolidated list of everything missing (一次性告知). The
    acceptance clock stops and starts again when the material arrives."""
    items = [item.strip() for item in items if item and item.strip()]
    _require(bool(items), ITEMS_REQUIRED, "items_required")
    locked = _lock(case)
    _require_status(locked, S.SUBMITTED)
    _require_handler(actor, locked)
    _require(
        not locked.material_requests.exists(),
        MATERIAL_ALREADY_REQUESTED,
        "material_once",
    )
    now, before = _now(), locked.status
    MaterialRequest(
        case=locked, items=items, note=note, requested_by=actor, requested_at=now
    ).save()
    locked.status = S.NEEDS_MATERIAL
    locked.first_response_at = locked.first_response_at or now
    _start_stage(locked, Stage.NONE, now)
    _save(
        locked,
        actor=actor,
        kind=CaseEvent.Kind.MATERIAL_REQUESTED,
        from_status=before,
        now=now,
        message="\n".join(items) + (f"\n{note}" if note else ""),
        data={"items": items},
    )
    return _sync(case, locked)


@transaction.atomic
def resubmit_case(*, case: Case, actor, answer: str = "", files=()) -> Case:
    """The applicant supplies the requested material."""
    checked = check_uploads(files)
    locked = _lock(case)
    _require_status(locked, S.NEEDS_MATERIAL)
    _require_applicant(actor, locked)
    now, before = _now(), locked.status
    request = locked.material_requests.filter(answered_at__isnull=True).last()
    if request is not None:
        request.answered_at, request.answer = now, answer
        request._history_user = actor
        request.save()
    for upload, content_type, sha256 in checked:
        store_attachment(
            case=locked,
            upload=upload,
            content_type=content_type,
            sha256=sha256,
            uploaded_by=actor,
        )
    locked.status = S.SUBMITTED
    _start_stage(locked, Stage.ACCEPTANCE, now)
    _save(
        locked,
        actor=actor,
        kind=CaseEvent.Kind.RESUBMITTED,
        from_status=before,
        now=now,
        message=answer,
    )
    return _sync(case, locked)
