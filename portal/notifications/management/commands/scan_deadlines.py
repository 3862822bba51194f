"""`manage.py scan_deadlines`: what beat does every few minutes, once, now.

With a broker it queues the tasks for the workers; in the embedded mode
(no broker, tasks eager) it makes the reminders and escalations itself, so a
cron line can stand in for beat.
"""

from django.core.management.base import BaseCommand

from portal.cases.tasks import scan_case_deadlines


class Command(BaseCommand):
    help = "Queue (or, without a broker, make) the due deadline reminders."

    def handle(self, *args, **options):
        queued = scan_case_deadlines()
        self.stdout.write(f"{queued} due reminders queued")
