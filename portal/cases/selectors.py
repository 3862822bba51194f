"""Reads of cases. `visible_cases` is the one answer to "which cases may this
user see"; every list, page, download and export starts from it."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from portal.accounts.models import (
    DepartmentGroupObjectPermission,
    DepartmentLink,
    DepartmentUserObjectPermission,
)
from portal.cases.models import (
    Case,
    CaseEvent,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    ServiceCategory,
)

VIEW_DEPARTMENT_PERMS = ("view_cases_of", "handle_cases_of")
HANDLE_DEPARTMENT_PERMS = ("handle_cases_of",)
VIEW_CASE_PERMS = ("view_case", "handle_case")
HANDLE_CASE_PERMS = ("handle_case",)


def _department_grant(user, codenames) -> Q:
    """Cases whose department is, or is below, a department on which the user
    (directly or through a group) holds one of the codenames."""
    granted_to_groups = DepartmentGroupObjectPermission.objects.filter(
        group__user=user,
        permission__codename__in=codenames,
        permission__content_type__app_label="accounts",
    ).values("content_object_id")
    granted_to_user = DepartmentUserObjectPermission.objects.filter(
        user=user,
        permission__codename__in=codenames,
        permission__content_type__app_label="accounts",
    ).values("content_object_id")
    links = DepartmentLink.objects.filter(descendant=OuterRef("department_id"))
    return Q(
        Exists(links.filter(ancestor_id__in=granted_to_groups))
        | Exists(links.filter(ancestor_id__in=granted_to_user))
    )


def _case_grant(user, codenames) -> Q:
    return Q(
        Exists(
            CaseUserObjectPermission.objects.filter(
                content_object_id=OuterRef("pk"),
                user=user,
                permission__codename__in=codenames,
            )
        )
        | Exists(
            CaseGroupObjectPermission.objects.filter(
                content_object_id=OuterRef("pk"),
                group__user=user,
                permission__codename__in=codenames,
            )
        )
    )


def sees_all_cases(user) -> bool:
    """The committee (read-only) and superusers see every case."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.has_perm("cases.view_all_cases"))
    )


def visible_cases(user) -> QuerySet[Case]:
    """Every case the user may see, as one queryset: ownership OR a grant on
    the case's department (or one above it) OR a per-case exception grant."""
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    if sees_all_cases(user):
        return Case.objects.all()
    own = Q(applicant=user) | Q(submitter=user)
    if not user.is_staff:
        return Case.objects.filter(own)
    return Case.objects.filter(
        own | _department_grant(user, VIEW_DEPARTMENT_PERMS) | _case_grant(user, VIEW_CASE_PERMS)
    )


def staff_visible_cases(user) -> QuerySet[Case]:
    """Cases the user sees as staff, through a grant, not as the applicant:
    these users may read the internal timeline and the audit history."""
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    if sees_all_cases(user):
        return Case.objects.all()
    if not user.is_staff:
        return Case.objects.none()
    return Case.objects.filter(
        _department_grant(user, VIEW_DEPARTMENT_PERMS) | _case_grant(user, VIEW_CASE_PERMS)
    )


def handleable_cases(user) -> QuerySet[Case]:
    """Cases the user may act on as staff (not as the applicant)."""
    if not user.is_authenticated or not user.is_active or not user.is_staff:
        return Case.objects.none()
    if user.is_superuser:
        return Case.objects.all()
    return Case.objects.filter(
        _department_grant(user, HANDLE_DEPARTMENT_PERMS)
        | _case_grant(user, HANDLE_CASE_PERMS)
    )


def leadable_cases(user) -> QuerySet[Case]:
    """Cases whose department the user leads (or a department above it)."""
    if not user.is_authenticated or not user.is_active or not user.is_staff:
        return Case.objects.none()
    if user.is_superuser:
        return Case.objects.all()
    return Case.objects.filter(_department_grant(user, ("lead_cases_of",)))


def case_list_for_user(user) -> QuerySet[Case]:
    """The visible cases with what a list row shows, joined once."""
    return visible_cases(user).select_related("category", "department")


def case_get_for_user(*, user, pk) -> Case:
    """One visible case, or 404 exactly as if it did not exist."""
    try:
        return (
            visible_cases(user)
            .select_related("category", "department", "applicant", "assignee")
            .get(pk=pk)
        )
    except (Case.DoesNotExist, ValueError, TypeError) as error:
        raise Http404 from error


def public_timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.filter(is_public=True).select_related("actor")


def full_timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor")


def categories_for_catalogue() -> QuerySet[ServiceCategory]:
    return (
        ServiceCategory.objects.filter(is_active=True)
        .select_related("department")
        .prefetch_related("deadline_policies")
    )


__all__ = [
    "case_get_for_user",
    "case_list_for_user",
    "categories_for_catalogue",
    "full_timeline",
    "handleable_cases",
    "leadable_cases",
    "public_timeline",
    "sees_all_cases",
    "staff_visible_cases",
    "visible_cases",
]
