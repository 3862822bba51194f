"""Load the demo district (idempotent) and print the demo logins."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from portal.accounts.demo import DEMO_PASSWORD, LOGINS, prepare_staff_logins


class Command(BaseCommand):
    help = "Load the demo district: departments, people, services and cases."

    def handle(self, *args, **options):
        context: dict = {}
        with transaction.atomic():
            for path in settings.DEMO_LOADERS:
                import_string(path)(context)
            usernames = [username for username, _role in LOGINS]
            codes = prepare_staff_logins(usernames + list(context.get("people", {})))
        if context.get("cases_made"):
            self.stdout.write(f"Demo district loaded: {context['cases_made']} cases.")
        self.stdout.write("")
        self.stdout.write("Yiwang demo logins (demo only), password: " + DEMO_PASSWORD)
        self.stdout.write(
            "Staff logins then ask for a second factor: type the backup code "
            "printed beside the login (new codes at each `make run`)."
        )
        for username, role in LOGINS:
            code = codes.get(username)
            backup = f"   backup code: {code}" if code else ""
            self.stdout.write(f"  {username:<16} {role}{backup}")
        self.stdout.write("")
        self.stdout.write("Site:  http://127.0.0.1:8000/   Admin: http://127.0.0.1:8000/admin/")
