from django.core.management.base import BaseCommand, CommandError

from portal.audit import chain


class Command(BaseCommand):
    help = (
        "Check the audit log's hash chain; report the first broken record "
        "and exit with status 1 if there is one."
    )

    def handle(self, *args, **options):
        report = chain.verify()
        if not report.ok:
            raise CommandError(
                f"Audit chain broken at record {report.broken_id}: {report.reason} "
                f"({report.checked} records checked before it)."
            )
        self.stdout.write(f"Audit chain intact: {report.checked} records.")
