"""Who may hold, and who may give, groups and permissions (等保 三权分立,
GB/T 22239-2019 8.1.4.2 d), 8.1.5.4): the policy and the services that
the user and group admins call.

The three administrator roles are defined in portal/audit/roles.py. The
rules:

- nobody holds two of them at once: not through the role groups, and not
  through a permission that only one role has (``audit.view_auditrecord``
  makes an auditor wherever it comes from: a user permission, another
  group);
- an auditor is read-only: besides the auditors' group, no other group and
  no permission of their own;
- a group never carries the permissions of two roles, and the role groups'
  permissions are those roles.py gives them, changed in code only;
- nobody but a superuser changes their own groups, permissions or staff
  status, or the permissions of a group they belong to: another security
  administrator does it.

Every grant and removal writes one audit record.
"""

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal.audit import roles
from portal.audit import services as audit

ROLE_LABELS = {
    roles.SYSTEM_ADMINISTRATORS: _("system administrator"),
    roles.SECURITY_ADMINISTRATORS: _("security administrator"),
    roles.AUDITORS: _("auditor"),
}
TWO_ROLES = _(
    "%(user)s would hold two administrator roles at once (%(roles)s). System "
    "administrator, security administrator and auditor must be different "
    "people (三权分立). Nothing was saved."
)
AUDITOR_ONLY = _(
    "%(user)s is an auditor: an auditor holds no other group and no "
    "permission of their own, so that the audit log is read by someone who "
    "can change nothing. Nothing was saved."
)
GROUP_TWO_ROLES = _(
    "The group would carry the permissions of two administrator roles "
    "(%(roles)s). Nothing was saved."
)
ROLE_GROUP_FIXED = _(
    "The permissions and the name of an administrator role's group are set "
    "by the system and cannot be changed here."
)
NOT_YOUR_OWN = _(
    "You cannot change your own groups, permissions or staff status: another "
    "security administrator must do it. Nothing was saved."
)
NOT_YOUR_GROUP = _(
    "You cannot change the permissions of a group you belong to: another "
    "security administrator must do it. Nothing was saved."
)


def _label(permission: Permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


def _role_of_permission() -> dict[str, str]:
    """The permissions that only one role has, and that role: holding one
    of them is holding (part of) that role."""
    holders: dict[str, set[str]] = {}
    for role, names in roles.ROLE_PERMISSIONS.items():
        for name in names:
            holders.setdefault(name, set()).add(role)
    return {name: next(iter(who)) for name, who in holders.items() if len(who) == 1}


def roles_of(*, groups, permissions) -> set[str]:
    """The administrator roles that these groups and direct permissions
    make of their holder."""
    marks = _role_of_permission()
    held = {group.name for group in groups if group.name in ROLE_LABELS}
    labels = {_label(p) for p in permissions}
    for group in groups:
        labels |= {
            _label(p) for p in group.permissions.select_related("content_type")
        }
    return held | {marks[label] for label in labels if label in marks}


def _role_names(held) -> str:
    return "、".join(str(ROLE_LABELS[role]) for role in sorted(held))


def check_user_grants(*, actor, user, groups, permissions) -> None:
    """Raise ValidationError if the user may not hold these groups and
    permissions, or the actor may not give them."""
    groups, permissions = list(groups), list(permissions)
    if actor is not None and actor.pk == user.pk and not actor.is_superuser:
        current = set(user.groups.all()), set(user.user_permissions.all())
        if current != (set(groups), set(permissions)):
            raise ValidationError(NOT_YOUR_OWN, code="own_grants")
    held = roles_of(groups=groups, permissions=permissions)
    if len(held) > 1:
        raise ValidationError(
            TWO_ROLES,
            code="two_roles",
            params={"user": user.get_username(), "roles": _role_names(held)},
        )
    if roles.AUDITORS in held and (
        permissions or any(group.name != roles.AUDITORS for group in groups)
    ):
        raise ValidationError(
            AUDITOR_ONLY, code="auditor_only", params={"user": user.get_username()}
        )


def check_group_permissions(*, actor, group, name, permissions) -> None:
    """Raise ValidationError if the group may not carry these permissions
    (under this name), or the actor may not give them."""
    permissions = set(permissions)
    if group.pk is not None:
        current = set(group.permissions.all())
        if group.name in ROLE_LABELS and (
            name != group.name or permissions != current
        ):
            raise ValidationError(ROLE_GROUP_FIXED, code="role_group")
        changed = permissions != current
        if (
            changed
            and actor is not None
            and not actor.is_superuser
            and actor.groups.filter(pk=group.pk).exists()
        ):
            raise ValidationError(NOT_YOUR_GROUP, code="own_group")
    elif name in ROLE_LABELS:
        raise ValidationError(ROLE_GROUP_FIXED, code="role_group")
    held = roles_of(groups=[], permissions=permissions)
    if len(held) > 1:
        raise ValidationError(
            GROUP_TWO_ROLES, code="two_roles", params={"roles": _role_names(held)}
        )
    if group.pk is None or not held:
        return
    # Each member, with the group's new permissions.
    for member in group.user_set.prefetch_related("groups", "user_permissions"):
        others = [g for g in member.groups.all() if g.pk != group.pk]
        member_roles = held | roles_of(
            groups=others, permissions=member.user_permissions.all()
        )
        if len(member_roles) > 1:
            raise ValidationError(
                TWO_ROLES,
                code="two_roles",
                params={
                    "user": member.get_username(),
                    "roles": _role_names(member_roles),
                },
            )
        if roles.AUDITORS in member_roles and (
            len(others) or member.user_permissions.exists()
        ):
            raise ValidationError(
                AUDITOR_ONLY,
                code="auditor_only",
                params={"user": member.get_username()},
            )


def check_joins_group(*, user, group=None) -> None:
    """For the services that put a user in a group (a department's, the
    committee's): the user must not end up with two roles. group=None is a
    group not made yet (a new department's): it carries no role, so only
    the auditor's rule can be broken."""
    permissions = list(user.user_permissions.all())
    groups = list(user.groups.all())
    if group is None:
        if roles.AUDITORS in roles_of(groups=groups, permissions=permissions):
            raise ValidationError(
                AUDITOR_ONLY,
                code="auditor_only",
                params={"user": user.get_username()},
            )
        return
    check_user_grants(
        actor=None, user=user, groups={*groups, group}, permissions=permissions
    )


# -- services ----------------------------------------------------------------


@transaction.atomic
def user_grants_set(
    *, actor, user, groups=None, permissions=None, is_staff=None
) -> None:
    """Give the user exactly these groups, direct permissions and staff
    status (None: leave as is), after the checks above; one audit record for
    each group, permission or staff status given or taken away."""
    old_groups = set(user.groups.all())
    old_permissions = set(user.user_permissions.select_related("content_type"))
    new_groups = old_groups if groups is None else set(groups)
    new_permissions = old_permissions if permissions is None else set(permissions)
    old_staff = type(user).objects.filter(pk=user.pk).values_list(
        "is_staff", flat=True
    ).first()
    if actor is not None and actor.pk == user.pk and not actor.is_superuser:
        if is_staff is not None and is_staff != old_staff:
            raise ValidationError(NOT_YOUR_OWN, code="own_grants")
    check_user_grants(
        actor=actor, user=user, groups=new_groups, permissions=new_permissions
    )
    if is_staff is not None and is_staff != old_staff:
        type(user).objects.filter(pk=user.pk).update(is_staff=is_staff)
        user.is_staff = is_staff
        _record(actor, user, "is_staff", granted=is_staff)
    if groups is not None:
        user.groups.set(new_groups)
    if permissions is not None:
        user.user_permissions.set(new_permissions)
    for group in sorted(new_groups ^ old_groups, key=lambda g: g.name):
        _record(actor, user, f"group:{group.name}", granted=group in new_groups)
    for permission in sorted(new_permissions ^ old_permissions, key=_label):
        _record(
            actor, user, _label(permission), granted=permission in new_permissions
        )


@transaction.atomic
def group_permissions_set(*, actor, group, permissions) -> None:
    """Give the group exactly these permissions, after the checks above;
    one audit record for each permission given or taken away."""
    permissions = set(permissions)
    check_group_permissions(
        actor=actor, group=group, name=group.name, permissions=permissions
    )
    old = set(group.permissions.select_related("content_type"))
    group.permissions.set(permissions)
    for permission in sorted(permissions ^ old, key=_label):
        _record(actor, group, _label(permission), granted=permission in permissions)


def _record(actor, holder, permission: str, *, granted: bool) -> None:
    audit.permission_changed(
        granted=granted, permission=permission, holder=holder, actor=actor
    )

