"""State changes for accounts and departments."""

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from portal.accounts import grants
from portal.accounts.models import (
    Department,
    DepartmentLink,
    StaffMembership,
    User,
)
from portal.audit import services as audit

COMMITTEE_GROUP = "committee"


def get_system_user() -> User:
    """The named account that commands and Celery tasks act as."""
    user, _created = User.objects.get_or_create(
        username=settings.SYSTEM_USERNAME,
        # An unusable password: nobody can ever log in as the system user.
        defaults={
            "real_name": "系统",
            "is_active": False,
            "password": make_password(None),
        },
    )
    return user


@transaction.atomic
def department_create(
    *,
    name: str,
    code: str,
    kind: str,
    parent: Department | None = None,
    phone: str = "",
    address: str = "",
) -> Department:
    """Create a department with its own group, its place in the tree, and the
    group's grants to view and handle the department's cases."""
    group = Group.objects.create(name=f"dept:{code}")
    department = Department.objects.create(
        name=name,
        code=code,
        kind=kind,
        parent=parent,
        group=group,
        phone=phone,
        address=address,
    )
    links = [DepartmentLink(ancestor=department, descendant=department, depth=0)]
    if parent is not None:
        links += [
            DepartmentLink(
                ancestor_id=link.ancestor_id, descendant=department, depth=link.depth + 1
            )
            for link in DepartmentLink.objects.filter(descendant=parent)
        ]
    DepartmentLink.objects.bulk_create(links)
    assign_perm("accounts.view_cases_of", group, department)
    assign_perm("accounts.handle_cases_of", group, department)
    return department


@transaction.atomic
def department_grant_supervision(
    *, supervisor: Department, department: Department, handle: bool = False
) -> None:
    """Let a department outside the tree (say, a functional bureau over the
    stations it runs) see, and optionally handle, another department's cases."""
    assign_perm("accounts.view_cases_of", supervisor.group, department)
    audit.permission_changed(
        granted=True,
        permission="accounts.view_cases_of",
        holder=supervisor.group,
        target=department,
    )
    if handle:
        assign_perm("accounts.handle_cases_of", supervisor.group, department)
        audit.permission_changed(
            granted=True,
            permission="accounts.handle_cases_of",
            holder=supervisor.group,
            target=department,
        )


@transaction.atomic
def staff_member_add(
    *, user: User, department: Department, role: str = StaffMembership.Role.CLERK
) -> StaffMembership:
    """Make a user a clerk or leader of a department."""
    grants.check_joins_group(user=user, group=department.group)
    membership, _created = StaffMembership.objects.update_or_create(
        user=user, department=department, defaults={"role": role}
    )
    user.groups.add(department.group)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    if role == StaffMembership.Role.LEADER:
        assign_perm("accounts.lead_cases_of", user, department)
    else:
        remove_perm("accounts.lead_cases_of", user, department)
    audit.permission_changed(
        granted=True,
        permission=f"staff_membership:{role}",
        holder=user,
        target=department,
    )
    return membership


@transaction.atomic
def staff_member_remove(*, user: User, department: Department) -> None:
    StaffMembership.objects.filter(user=user, department=department).delete()
    user.groups.remove(department.group)
    remove_perm("accounts.lead_cases_of", user, department)
    audit.permission_changed(
        granted=False,
        permission="staff_membership",
        holder=user,
        target=department,
    )


def committee_group() -> Group:
    group, created = Group.objects.get_or_create(name=COMMITTEE_GROUP)
    if created:
        group.permissions.add(
            Permission.objects.get(
                codename="view_all_cases", content_type__app_label="cases"
            )
        )
    return group


@transaction.atomic
def committee_member_add(*, user: User) -> None:
    """Give a user the committee's read-only view of every case."""
    group = committee_group()
    grants.check_joins_group(user=user, group=group)
    user.groups.add(group)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    audit.permission_changed(
        granted=True, permission=f"group:{group.name}", holder=user, target=group
    )
