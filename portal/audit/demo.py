"""The demo district's auditor joins the auditors' role (demo only). The
account itself is one of the demo people (portal/accounts/demo.py), so that
it gets its second-factor backup code like the other staff logins."""

from portal.accounts.demo import DEMO_PASSWORD
from portal.accounts.models import User
from portal.audit import roles


def load(context: dict) -> None:
    groups = roles.ensure_role_groups()
    user = context.get("people", {}).get("auditor1")
    if user is None:
        user, created = User.objects.get_or_create(
            username="auditor1", defaults={"real_name": "郭审", "is_staff": True}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        context.setdefault("people", {})["auditor1"] = user
    user.groups.add(groups[roles.AUDITORS])
