"""Who may do what with a case. The admin, the views, the templates and the
workflow all ask here; each answer is built on the selectors.

A "yes" that the request already knows is given without a query: the case's
department is under one of the user's department grants (the ids the
selectors read once per request, selectors.granted_department_ids), or the
user is its applicant. Anything else asks the selector, whose answer is the
definition; the shortcut only ever says yes where the selector's department
or ownership arm would, for the same users (active staff for a grant)."""

from portal.cases.models import Case
from portal.cases.selectors import (
    HANDLE_DEPARTMENT_PERMS,
    LEAD_DEPARTMENT_PERMS,
    VIEW_DEPARTMENT_PERMS,
    case_is_visible,
    granted_department_ids,
    handleable_cases,
    leadable_cases,
    sees_all_cases,
    staff_visible_cases,
)


def _under_known_grant(user, case: Case, codenames) -> bool:
    """The case's department is under a department grant of the user's that
    this request has already read (no query; False when none was read)."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if getattr(user, "_granted_department_ids", None) is None:
        return False
    return case.department_id in granted_department_ids(user, codenames)


def can_view(user, case: Case) -> bool:
    """The selectors' own answer for a case already read (case_is_visible:
    visible_cases, told from the row where it can be)."""
    return case_is_visible(user, case)


def can_view_internal(user, case: Case) -> bool:
    """Internal timeline entries, internal files and the audit history."""
    if not (user.is_staff or user.is_superuser):
        # staff_visible_cases is empty for them (a resident's case page):
        # no query to build for nothing, ~0.3 ms of the page's CPU.
        return False
    if _under_known_grant(user, case, VIEW_DEPARTMENT_PERMS):
        return True
    return staff_visible_cases(user).filter(pk=case.pk).exists()


def can_handle(user, case: Case) -> bool:
    if _under_known_grant(user, case, HANDLE_DEPARTMENT_PERMS):
        return True
    return handleable_cases(user).filter(pk=case.pk).exists()


def can_lead(user, case: Case) -> bool:
    if _under_known_grant(user, case, LEAD_DEPARTMENT_PERMS):
        return True
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
