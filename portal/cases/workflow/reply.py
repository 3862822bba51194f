"""The reply and the applicant's verdict: resolve with an honest outcome,
confirm, dispute, rate, reopen, withdraw."""

import datetime

from django.db import transaction

from portal.cases import policies
from portal.cases.models import (
    Case,
    CaseEvent,
    Outcome,
    ResidentVerdict,
    Stage,
)
from portal.cases.workflow.core import (
    ALREADY_RATED,
    NOTHING_TO_RATE,
    BASIS_REQUIRED,
    DUPLICATE_REQUIRED,
    DUPLICATE_SELF,
    INVALID_TRANSITION,
    LEADER_REQUIRED,
    RATING_RANGE,
    REASON_REQUIRED,
    REDIRECT_REQUIRED,
    REOPEN_WINDOW_PASSED,
    REPLY_REQUIRED,
    S,
    WorkflowError,
    _lock,
    _now,
    _require,
    _require_applicant,
    _require_handler,
    _require_status,
    _save,
    _start_stage,
    _sync,
)

# --- reply and the applicant's verdict -------------------------------------


@transaction.atomic
def resolve_case(
    *,
    case: Case,
    actor,
    outcome: str,
    reply: str,
    basis: str = "",
    redirect: str = "",
    duplicate_of: Case | None = None,
) -> Case:
    """办结: reply, saying honestly what the outcome is."""
    errors = {}
    if not reply.strip():
        errors["reply"] = [REPLY_REQUIRED]
    if outcome == Outcome.EXPLAINED and not basis.strip():
        errors["basis"] = [BASIS_REQUIRED]
    if outcome == Outcome.NOT_OUR_REMIT and not redirect.strip():
        errors["redirect"] = [REDIRECT_REQUIRED]
    if outcome == Outcome.DUPLICATE and duplicate_of is None:
        errors["duplicate_of"] = [DUPLICATE_REQUIRED]
    if duplicate_of is not None and duplicate_of.pk == case.pk:
        errors["duplicate_of"] = [DUPLICATE_SELF]
    if outcome not in Outcome.values:
        errors["outcome"] = [INVALID_TRANSITION]
    if errors:
        raise WorkflowError(errors)
    locked = _lock(case)
    _require_status(locked, S.ACCEPTED)
    _require_handler(actor, locked)
    if outcome == Outcome.UNREASONABLE:
        _require(policies.can_lead(actor, locked), LEADER_REQUIRED, "leader_required")
    now, before = _now(), locked.status
    locked.status = S.RESOLVED
    locked.outcome = outcome
    locked.reply = reply.strip()
    locked.outcome_basis = basis.strip()
    locked.outcome_redirect = redirect.strip()
    locked.duplicate_of = duplicate_of
    locked.outcome_confirmed_by = actor if outcome == Outcome.UNREASONABLE else None
    locked.verdict = ResidentVerdict.NONE
    locked.resolved_at = now
    locked.first_response_at = locked.first_response_at or now
    _start_stage(locked, Stage.CONFIRMATION, now)
    _save(
        locked,
        actor=actor,
        kind=CaseEvent.Kind.RESOLVED,
        from_status=before,
        now=now,
        message=locked.reply,
        data={"outcome": outcome},
    )
    return _sync(case, locked)


@transaction.atomic
def confirm_case(*, case: Case, actor) -> Case:
    """The applicant accepts the reply; the case closes."""
    locked = _lock(case)
    _require_status(locked, S.RESOLVED)
    _require_applicant(actor, locked)
    now, before = _now(), locked.status
    locked.status = S.CLOSED
    locked.verdict = ResidentVerdict.CONFIRMED
    locked.closed_at = now
    _start_stage(locked, Stage.NONE, now)
    _save(
        locked, actor=actor, kind=CaseEvent.Kind.CONFIRMED, from_status=before, now=now
    )
    return _sync(case, locked)


@transaction.atomic
def dispute_case(*, case: Case, actor, reason: str) -> Case:
    """The applicant says the reply did not settle it: back to the department,
    counted against it."""
    _require(bool(reason.strip()), REASON_REQUIRED, "reason_required")
    locked = _lock(case)
    _require_status(locked, S.RESOLVED)
    _require_applicant(actor, locked)
    now, before = _now(), locked.status
    locked.status = S.ACCEPTED
    locked.verdict = ResidentVerdict.DISPUTED
    locked.dispute_count += 1
    _start_stage(locked, Stage.HANDLING, now)
    _save(
        locked,
        actor=actor,
        kind=CaseEvent.Kind.DISPUTED,
        from_status=before,
        now=now,
        message=reason.strip(),
    )
    return _sync(case, locked)


@transaction.atomic
def rate_case(*, case: Case, actor, stars: int, comment: str = "") -> Case:
    """评价: once, after the reply."""
    _require(isinstance(stars, int) and 1 <= stars <= 5, RATING_RANGE, "rating_range")
    locked = _lock(case)
    _require_status(locked, S.RESOLVED, S.CLOSED)
    _require_applicant(actor, locked)
    _require(locked.applicant_id is not None, NOTHING_TO_RATE, "nothing_to_rate")
    _require(locked.rating is None, ALREADY_RATED, "already_rated")
    now = _now()
    locked.rating, locked.rating_comment, locked.rated_at = stars, comment.strip(), now
    _save(
        locked,
        actor=actor,
        kind=CaseEvent.Kind.RATED,
        from_status=locked.status,
        now=now,
        message=f"{'★' * stars}{'☆' * (5 - stars)} {comment.strip()}".strip(),
        data={"stars": stars},
    )
    return _sync(case, locked)


@transaction.atomic
def reopen_case(*, case: Case, actor, reason: str) -> Case:
    """重新办理: the applicant (within the category's window) or a handler
    reopens a closed case; counted against the department that closed it."""
    _require(bool(reason.strip()), REASON_REQUIRED, "reason_required")
    locked = _lock(case)
    _require_status(locked, S.CLOSED)
    if not policies.can_handle(actor, locked):
        _require_applicant(actor, locked)
        window = locked.category.reopen_window_days
        _require(
            _now() <= locked.closed_at + datetime.timedelta(days=window),
            REOPEN_WINDOW_PASSED,
            "reopen_window",
            days=window,
        )
    now, before = _now(), locked.status
    locked.status = S.ACCEPTED
    locked.reopen_count += 1
    locked.closed_at = None
    locked.verdict = ResidentVerdict.NONE
    _start_stage(locked, Stage.HANDLING, now)
    _save(
        locked,
        actor=actor,
        kind=CaseEvent.Kind.REOPENED,
        from_status=before,
        now=now,
        message=reason.strip(),
    )
    return _sync(case, locked)


@transaction.atomic
def withdraw_case(*, case: Case, actor, reason: str = "") -> Case:
    """撤回: the applicant withdraws before a reply."""
    locked = _lock(case)
    _require_status(locked, S.SUBMITTED, S.NEEDS_MATERIAL, S.ACCEPTED)
    _require_applicant(actor, locked)
    now, before = _now(), locked.status
    locked.status = S.WITHDRAWN
    locked.closed_at = now
    _start_stage(locked, Stage.NONE, now)
    _save(
        locked,
        actor=actor,
        kind=CaseEvent.Kind.WITHDRAWN,
        from_status=before,
        now=now,
        message=reason.strip(),
    )
    return _sync(case, locked)
