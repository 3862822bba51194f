"""Import grids, members and boundaries from a CSV or XLSX file (see
grid.importers for the columns). With --dry-run nothing is saved; without it
the file is saved only if no row has a problem, all in one transaction."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from grid.importers import grid_import
from portal.accounts.services import get_system_user


class Command(BaseCommand):
    help = "Import grids, their members and boundaries from a CSV or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("path", help="a .csv or .xlsx file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row, save nothing"
        )

    def handle(self, *args, path, dry_run, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}")
        report = grid_import(
            content=file.read_bytes(),
            filename=file.name,
            actor=get_system_user(),
            dry_run=dry_run,
        )
        for problem in report.problems:
            column = f", {problem.column}" if problem.column else ""
            self.stdout.write(f"row {problem.row}{column}: {problem.message}")
        if report.problems:
            raise CommandError(f"{len(report.problems)} problem(s); nothing was saved.")
        if dry_run:
            self.stdout.write(f"Dry run: {len(report.rows)} grid(s) without problems.")
        else:
            self.stdout.write(
                f"Imported: {report.created} created, {report.updated} updated, "
                f"{report.members} member role(s)."
            )
