"""The demo district's auditor (demo only: fixed password)."""

from portal.accounts.demo import DEMO_PASSWORD
from portal.accounts.models import User
from portal.audit import roles


def load(context: dict) -> None:
    groups = roles.ensure_role_groups()
    user, created = User.objects.get_or_create(
        username="auditor1", defaults={"real_name": "审计员", "is_staff": True}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    user.groups.add(groups[roles.AUDITORS])
    context.setdefault("people", {})["auditor1"] = user
