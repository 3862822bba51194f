from django.core.management.base import BaseCommand, CommandError

from portal.accounts.services import get_system_user
from portal.cases.calendar_seed import default_years, seed_holiday_calendar


class Command(BaseCommand):
    help = (
        "Seed the holiday calendar (statutory holidays and make-up workdays) from "
        "python-holidays. Idempotent; leaves confirmed years and days edited in "
        "the admin alone. Default range: 2004 to two years from now."
    )

    def add_arguments(self, parser):
        years = default_years()
        parser.add_argument(
            "--from", dest="first", type=int, default=years.start, metavar="YEAR"
        )
        parser.add_argument(
            "--to", dest="last", type=int, default=years.stop - 1, metavar="YEAR"
        )

    def handle(self, *args, first: int, last: int, **options):
        if first > last:
            raise CommandError("--from must not be after --to.")
        result = seed_holiday_calendar(
            years=range(first, last + 1), actor=get_system_user()
        )
        self.stdout.write(
            f"Holiday calendar {first}-{last}: {result.created} days created, "
            f"{result.updated} updated, {result.deleted} deleted."
        )
        if result.provisional_years:
            years = ", ".join(map(str, result.provisional_years))
            self.stdout.write(
                self.style.WARNING(f"Provisional (statutory days only): {years}.")
            )
        if result.skipped_years:
            years = ", ".join(map(str, result.skipped_years))
            self.stdout.write(f"Confirmed by an admin, left alone: {years}.")
