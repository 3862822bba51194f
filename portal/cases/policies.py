"""Who may do what with a case. The admin, the views, the templates and the
workflow all ask here; each answer is one query built on the selectors."""

from portal.cases.models import Case
from portal.cases.selectors import (
    handleable_cases,
    leadable_cases,
    sees_all_cases,
    staff_visible_cases,
    visible_cases,
)


def can_view(user, case: Case) -> bool:
    return visible_cases(user).filter(pk=case.pk).exists()


def can_view_internal(user, case: Case) -> bool:
    """Internal timeline entries, internal files and the audit history."""
    return staff_visible_cases(user).filter(pk=case.pk).exists()


def can_handle(user, case: Case) -> bool:
    return handleable_cases(user).filter(pk=case.pk).exists()


def can_lead(user, case: Case) -> bool:
    return leadable_cases(user).filter(pk=case.pk).exists()


def acts_for_applicant(user, case: Case) -> bool:
    """The applicant, or whoever submitted for them (a proxy agent, a grid
    worker), may supply material, confirm, dispute, rate and withdraw."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.pk in (case.applicant_id, case.submitter_id)
    )


def is_read_only_overseer(user) -> bool:
    return sees_all_cases(user) and not user.is_superuser
