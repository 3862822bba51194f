from django.core.management.base import BaseCommand

from portal.audit import services


class Command(BaseCommand):
    help = (
        "Delete audit records older than AUDIT_RETENTION_DAYS (never fewer "
        "than 180 days) and anchor the hash chain at the oldest record kept."
    )

    def handle(self, *args, **options):
        deleted = services.prune()
        self.stdout.write(
            f"Deleted {deleted} audit records older than "
            f"{services.retention_days()} days."
        )
