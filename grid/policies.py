"""Who may do what with grids and grid events. The API, the admin and the
services ask here; each answer is one query."""

from django.db.models import Exists, OuterRef, Q

from grid.models import Grid, GridMember
from portal.accounts.models import (
    DepartmentGroupObjectPermission,
    DepartmentLink,
    DepartmentUserObjectPermission,
)
from portal.cases.selectors import VIEW_DEPARTMENT_PERMS, sees_all_cases


def is_grid_member(user, grid: Grid) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and GridMember.objects.filter(user=user, grid=grid).exists()
    )


def is_any_grid_member(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and GridMember.objects.filter(user=user, grid__is_active=True).exists()
    )


def _supervised_communities(user) -> Q:
    """Grids whose community lies strictly below a department whose cases the
    user sees through a department grant (a street, the district, the command
    centre's district), or whose community the user leads."""
    codes = VIEW_DEPARTMENT_PERMS
    granted = [
        DepartmentGroupObjectPermission.objects.filter(
            group__user=user, permission__codename__in=codes
        ).values("content_object_id"),
        DepartmentUserObjectPermission.objects.filter(
            user=user, permission__codename__in=codes
        ).values("content_object_id"),
    ]
    led = DepartmentUserObjectPermission.objects.filter(
        user=user, permission__codename="lead_cases_of"
    ).values("content_object_id")
    links = DepartmentLink.objects.filter(descendant=OuterRef("community_id"))
    return Q(
        Exists(links.filter(depth__gte=1, ancestor_id__in=granted[0]))
        | Exists(links.filter(depth__gte=1, ancestor_id__in=granted[1]))
        | Exists(links.filter(ancestor_id__in=led))
    )


def viewable_grids(user):
    """Grids whose event list the user may open: the grids they belong to, and
    the grids of communities they lead or supervise. A clerk of a community
    who works another grid is not a member of this one and is refused."""
    if not user.is_authenticated or not user.is_active:
        return Grid.objects.none()
    if sees_all_cases(user):
        return Grid.objects.all()
    member = Exists(GridMember.objects.filter(grid=OuterRef("pk"), user=user))
    if not user.is_staff:
        return Grid.objects.filter(member)
    return Grid.objects.filter(Q(member) | _supervised_communities(user))


def can_view_grid(user, grid: Grid) -> bool:
    return viewable_grids(user).filter(pk=grid.pk).exists()


def can_report_in(user, grid: Grid) -> bool:
    """Every member of an active grid (head, worker, information worker)."""
    return grid.is_active and is_grid_member(user, grid)


def administrable_grids(user):
    """Grids the admin lists to a user: all for superusers and the committee,
    else the grids of communities at or below a department whose cases the
    user sees through a department grant."""
    if not user.is_authenticated or not user.is_active:
        return Grid.objects.none()
    if sees_all_cases(user):
        return Grid.objects.all()
    granted = [
        DepartmentGroupObjectPermission.objects.filter(
            group__user=user, permission__codename__in=VIEW_DEPARTMENT_PERMS
        ).values("content_object_id"),
        DepartmentUserObjectPermission.objects.filter(
            user=user, permission__codename__in=VIEW_DEPARTMENT_PERMS
        ).values("content_object_id"),
    ]
    links = DepartmentLink.objects.filter(descendant=OuterRef("community_id"))
    return Grid.objects.filter(
        Exists(links.filter(ancestor_id__in=granted[0]))
        | Exists(links.filter(ancestor_id__in=granted[1]))
    )
