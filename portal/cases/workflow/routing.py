"""Who holds a case: assign, transfer (流转), escalate (上报), co-handle
(协办), and extending the running time limit (延期)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm

from portal.accounts.models import Department, DepartmentLink
from portal.audit import services as audit
from portal.cases import policies
from portal.cases.deadlines import add_period
from portal.cases.models import (
    Case,
    CaseEvent,
    CaseExtension,
    CoHandling,
    Stage,
)
from portal.cases.warnings import thresholds
from portal.cases.workflow.core import (
    ASSIGNEE_NOT_STAFF,
    EXTENSION_POSITIVE,
    EXTENSION_TOO_LONG,
    LEADER_REQUIRED,
    NO_EXTENSION,
    NO_SUPERVISOR,
    NOT_SUPERVISOR,
    REASON_REQUIRED,
    SAME_DEPARTMENT,
    S,
    _lock,
    _now,
    _require,
    _require_handler,
    _require_status,
    _save,
    _start_stage,
    _sync,
)

# --- routing --------------------------------------------------------------


@transaction.atomic
def assign_case(*, case: Case, actor, assignee) -> Case:
    locked = _lock(case)
    _require_status(locked, S.SUBMITTED, S.ACCEPTED)
    _require_handler(actor, locked)
    _require(
        policies.can_handle(assignee, locked),
        ASSIGNEE_NOT_STAFF,
        "assignee",
        user=str(assignee),
    )
    now = _now()
    locked.assignee = assignee
    _save(
        locked,
        actor=actor,
        kind=CaseEvent.Kind.ASSIGNED,
        from_status=locked.status,
        now=now,
        internal_note=str(assignee),
        is_public=False,
        data={"assignee": assignee.pk},
    )
    return _sync(case, locked)


def _hand_over(locked: Case, department: Department) -> None:
    """Move a case to another department; the one it leaves keeps read access
    for the record (a per-case exception grant)."""
    assign_perm("cases.view_case", locked.department.group, locked)
    audit.permission_changed(
        granted=True,
        permission="cases.view_case",
        holder=locked.department.group,
        target=locked,
    )
    locked.department = department
    locked.assignee = None


@transaction.atomic
def transfer_case(*, case: Case, actor, department: Department, reason: str) -> Case:
    """流转: the case belongs elsewhere; the receiving department decides on
    acceptance anew."""
    _require(bool(reason.strip()), REASON_REQUIRED, "reason_required")
    locked = _lock(case)
    _require_status(locked, S.SUBMITTED, S.ACCEPTED)
    _require_handler(actor, locked)
    _require(
        department.pk != locked.department_id,
        SAME_DEPARTMENT,
        "same_department",
        department=str(department),
    )
    now, before, source = _now(), locked.status, locked.department
    _hand_over(locked, department)
    locked.status = S.SUBMITTED
    _start_stage(locked, Stage.ACCEPTANCE, now)
    _save(
        locked,
        actor=actor,
        kind=CaseEvent.Kind.TRANSFERRED,
        from_status=before,
        now=now,
        message=str(
            _("Transferred from %(source)s to %(target)s.")
            % {"source": source, "target": department}
        ),
        internal_note=reason.strip(),
        data={"from": source.pk, "to": department.pk},
    )
    return _sync(case, locked)


@transaction.atomic
def escalate_case(
    *, case: Case, actor, reason: str, to_department: Department | None = None
) -> Case:
    """上报: hand the case up the tree (community → street → district). The
    stage clock keeps running."""
    _require(bool(reason.strip()), REASON_REQUIRED, "reason_required")
    locked = _lock(case)
    _require_status(locked, S.SUBMITTED, S.ACCEPTED)
    _require_handler(actor, locked)
    source = locked.department
    target = to_department or source.parent
    _require(target is not None, NO_SUPERVISOR, "no_supervisor")
    _require(
        target.pk != source.pk
        and DepartmentLink.objects.filter(ancestor=target, descendant=source).exists(),
        NOT_SUPERVISOR,
        "not_supervisor",
    )
    now = _now()
    _hand_over(locked, target)
    _save(
        locked,
        actor=actor,
        kind=CaseEvent.Kind.ESCALATED,
        from_status=locked.status,
        now=now,
        message=str(
            _("Passed up from %(source)s to %(target)s.")
            % {"source": source, "target": target}
        ),
        internal_note=reason.strip(),
        data={"from": source.pk, "to": target.pk},
    )
    return _sync(case, locked)


@transaction.atomic
def co_handle_case(
    *, case: Case, actor, department: Department, note: str = ""
) -> Case:
    """协办: another department helps and may act on this case."""
    locked = _lock(case)
    _require_status(locked, S.ACCEPTED)
    _require_handler(actor, locked)
    _require(
        department.pk != locked.department_id,
        SAME_DEPARTMENT,
        "same_department",
        department=str(department),
    )
    now = _now()
    CoHandling.objects.get_or_create(
        case=locked,
        department=department,
        defaults={"note": note, "requested_by": actor, "created_at": now},
    )
    assign_perm("cases.handle_case", department.group, locked)
    audit.permission_changed(
        granted=True,
        permission="cases.handle_case",
        holder=department.group,
        target=locked,
        actor=actor,
    )
    _save(
        locked,
        actor=actor,
        kind=CaseEvent.Kind.CO_HANDLING,
        from_status=locked.status,
        now=now,
        message=str(
            _("%(department)s is helping with this matter.")
            % {"department": department}
        ),
        internal_note=note,
        data={"department": department.pk},
    )
    return _sync(case, locked)


@transaction.atomic
def extend_deadline(*, case: Case, actor, amount: int, reason: str) -> Case:
    """延期: a leader extends the running stage within its legal maximum."""
    _require(bool(reason.strip()), REASON_REQUIRED, "reason_required")
    _require(amount >= 1, EXTENSION_POSITIVE, "extension_positive")
    locked = _lock(case)
    _require_status(locked, S.ACCEPTED)
    _require(policies.can_lead(actor, locked), LEADER_REQUIRED, "leader_required")
    policy = locked.category.policy_for(locked.stage)
    _require(
        policy is not None and policy.extension_max > 0, NO_EXTENSION, "no_extension"
    )
    used = sum(
        locked.extensions.filter(
            stage=locked.stage, created_at__gte=locked.stage_started_at
        ).values_list("amount", flat=True)
    )
    left = policy.extension_max - used
    _require(
        amount <= left,
        EXTENSION_TOO_LONG,
        "extension_too_long",
        left=left,
        max=policy.extension_max,
        unit=str(policy.get_unit_display()),
        basis=policy.extension_basis or policy.legal_basis,
    )
    now, previous = _now(), locked.stage_due_at
    locked.stage_due_at = add_period(previous, amount, policy.unit)
    locked.stage_yellow_at, locked.stage_orange_at = thresholds(
        locked.stage_started_at, locked.stage_due_at
    )
    extension = CaseExtension(
        case=locked,
        stage=locked.stage,
        amount=amount,
        unit=policy.unit,
        reason=reason.strip(),
        legal_basis=policy.extension_basis or policy.legal_basis,
        previous_due_at=previous,
        new_due_at=locked.stage_due_at,
        actor=actor,
        created_at=now,
    )
    extension._history_user = actor
    extension.save()
    _save(
        locked,
        actor=actor,
        kind=CaseEvent.Kind.EXTENDED,
        from_status=locked.status,
        now=now,
        message=str(
            _(
                "The time limit is extended by %(amount)d %(unit)s to %(due)s: "
                "%(reason)s"
            )
            % {
                "amount": amount,
                "unit": policy.get_unit_display(),
                "due": timezone.localtime(locked.stage_due_at).strftime("%Y-%m-%d"),
                "reason": reason.strip(),
            }
        ),
        data={"amount": amount, "unit": policy.unit},
    )
    return _sync(case, locked)
