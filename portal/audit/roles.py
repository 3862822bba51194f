"""The three administrator roles of 等保 2.0 (三权分立, GB/T 22239-2019
8.1.4.2 / 8.1.5.4): each is a group with exactly the permissions its job
needs, so that no one role can act and also erase the trace of acting.

- system administrator: users (not their privileges), departments, and the
  configuration (categories, calendar, grids, Open311 clients);
- security administrator: who holds which permission: users' groups and
  permissions, the groups themselves; nothing else of a user;
- auditor: reads and exports the audit log, nothing else.

Neither administrator can read the audit log; the auditor can change
nothing. Superusers are for break-glass use only (docs/security.md).
"""

from django.contrib.auth.models import Group, Permission

SYSTEM_ADMINISTRATORS = "role:system-administrators"
SECURITY_ADMINISTRATORS = "role:security-administrators"
AUDITORS = "role:auditors"

_CONFIGURATION = [
    "accounts.department",
    "cases.servicecategory",
    "cases.deadlinepolicy",
    "cases.holidaycalendar",
    "cases.holidayyear",
    "grid.grid",
    "grid.open311client",
]

ROLE_PERMISSIONS = {
    SYSTEM_ADMINISTRATORS: [
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        *(
            f"{label.split('.')[0]}.{verb}_{label.split('.')[1]}"
            for label in _CONFIGURATION
            for verb in ("view", "add", "change")
        ),
    ],
    SECURITY_ADMINISTRATORS: [
        "accounts.view_user",
        "accounts.manage_grants",
        "auth.view_group",
        "auth.add_group",
        "auth.change_group",
    ],
    AUDITORS: [
        "audit.view_auditrecord",
        "audit.export_auditrecord",
    ],
}


def _permissions(names, *, using):
    wanted = {tuple(name.split(".")) for name in names}
    found = [
        permission
        for permission in Permission.objects.using(using)
        .filter(codename__in={codename for _app, codename in wanted})
        .select_related("content_type")
        if (permission.content_type.app_label, permission.codename) in wanted
    ]
    return found


def ensure_role_groups(*, using: str = "default") -> dict[str, Group]:
    """Create the three role groups and set their permissions (idempotent;
    a permission that does not exist yet is added on the next run)."""
    groups = {}
    for name, permission_names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set(_permissions(permission_names, using=using))
        groups[name] = group
    return groups


def is_system_administrator(user) -> bool:
    return _in_group(user, SYSTEM_ADMINISTRATORS)


def is_security_administrator(user) -> bool:
    return _in_group(user, SECURITY_ADMINISTRATORS)


def is_auditor(user) -> bool:
    return _in_group(user, AUDITORS)


def _in_group(user, name) -> bool:
    return bool(
        user.is_authenticated and user.groups.filter(name=name).exists()
    )
