from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from portal.bench import seed as seeder


class Command(BaseCommand):
    help = (
        "Generate a large district's ten years of cases for `make bench` "
        "(PostgreSQL: COPY in parallel; an empty, migrated database)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, required=True)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--workers",
            type=int,
            default=2,
            help="processes generating and COPYing (PostgreSQL)",
        )
        parser.add_argument(
            "--summary",
            default="",
            help="where to write the JSON summary "
            "(default var/bench/seed-<database>.json)",
        )

    def handle(self, *args, cases, seed: int, workers, summary, **options):
        if cases < 100:
            raise CommandError("Seed at least 100 cases.")
        name = Path(str(connection.settings_dict["NAME"])).stem
        path = (
            Path(summary)
            if summary
            else (Path(settings.VAR_DIR) / "bench" / f"seed-{name}.json")
        )
        try:
            result = seeder.seed(cases, seed=seed, workers=workers, summary_path=path)
        except seeder.SeedError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{result['cases']:,} cases, {result['rows_total']:,} rows in "
            f"{result['seconds']:.1f}s; cases written at "
            f"{result['cases_per_second_write']:,}/s "
            f"({result['rows_per_second_write']:,} rows/s); summary in {path}"
        )
