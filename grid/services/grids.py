"""Grids and their members."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from grid.geo import validate_boundary
from grid.models import CENTRE_INCOMPLETE, GRID_NOT_UNDER_COMMUNITY, Grid, GridMember
from portal.accounts.models import Department, StaffMembership
from portal.accounts.services import staff_member_add


def _check(community: Department, boundary, centre) -> None:
    if community.kind != Department.Kind.COMMUNITY:
        raise ValidationError({"community": [GRID_NOT_UNDER_COMMUNITY]})
    if centre is not None and (centre[0] is None) != (centre[1] is None):
        raise ValidationError(CENTRE_INCOMPLETE)
    validate_boundary(boundary)


@transaction.atomic
def grid_save(
    *,
    actor,
    community: Department,
    code: str,
    name: str,
    boundary: dict | None = None,
    centre: tuple[Decimal | None, Decimal | None] | None = None,
    is_active: bool | None = None,
) -> tuple[Grid, bool]:
    """Create the grid with this code, or update it. Returns (grid, created)."""
    _check(community, boundary, centre)
    grid = Grid.objects.select_for_update().filter(code=code).first()
    created = grid is None
    if created:
        grid = Grid(code=code)
    grid.community, grid.name = community, name
    grid.boundary = boundary or None
    grid.centre_latitude, grid.centre_longitude = centre or (None, None)
    if is_active is not None:
        grid.is_active = is_active
    grid._history_user = actor
    grid.save()
    return grid, created


@transaction.atomic
def grid_member_add(*, actor, grid: Grid, user, role: str) -> GridMember:
    """Make the user a head, worker or information worker of the grid. A grid
    member handles what lands in the grid's community, so they become a clerk
    of the community too (unless they already hold a role there)."""
    member = GridMember.objects.filter(grid=grid, user=user).first()
    if member is None:
        member = GridMember(grid=grid, user=user)
    member.role = role
    member._history_user = actor
    member.save()
    if not StaffMembership.objects.filter(
        user=user, department=grid.community
    ).exists():
        staff_member_add(user=user, department=grid.community)
    return member


@transaction.atomic
def grid_member_remove(*, actor, grid: Grid, user) -> None:
    """Remove a member (the community role, if any, is the community's to end)."""
    for member in GridMember.objects.filter(grid=grid, user=user):
        member._history_user = actor
        member.delete()
