"""`seed_bench`: a large district's ten years of cases, written in bulk.

Units go through the real service (group, closure rows, grants); categories
and people are bulk rows; cases are generated in independent chunks and
COPYed, in parallel processes on PostgreSQL. While the people and cases
load, the secondary indexes of the four big tables and of the users are
dropped and built again at the end (two at a time), and the loading sessions run with session_replication_role = replica so
that foreign keys are not checked row by row: the generator makes them
consistent by construction (the test checks them on PostgreSQL with the
constraints on). Two cases are then made through the workflow itself: one
with a long history (for the admin page's query count) and one short.
"""

import datetime
import json
import multiprocessing
import random
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from portal.accounts.models import User
from portal.bench import district
from portal.bench.cases import (
    BIG_TABLES,
    TABLES,
    ChunkGenerator,
    ChunkSpec,
    Context,
)
from portal.bench.writer import NULL, Writer
from portal.cases import workflow
from portal.cases.models import Case, CaseEvent, CaseSequence, ServiceCategory

YEARS = 10
WEEKDAY_FACTOR = [1.0, 1.0, 0.95, 0.95, 0.9, 0.35, 0.25]
CHUNK_CASES = 25_000
# Tables whose secondary indexes are dropped during the load. The users: at
# 1M (255,000 users) the people phase took 33 s with the bigram GIN index of
# real_name (an SQL function per row) and three more secondary b-trees in
# place, 27 s without them; rebuilding them afterwards took 6.3 s of a session.
LOADED_TABLES = (*BIG_TABLES, "accounts_user")
# Title of the two cases made through the workflow itself.
WORKFLOW_TITLE = "东门路灯不亮（基准测试）"


class SeedError(Exception):
    pass


class Progress:
    """A progress bar as plain stderr text (one line, redrawn)."""

    def __init__(self, total: int, stream=None, label="cases"):
        self.total, self.done, self.label = total, 0, label
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last < 0.5 and self.done < self.total:
            return
        self.last = now
        rate = self.done / max(now - self.started, 1e-6)
        share = self.done / max(self.total, 1)
        bar = "#" * int(share * 30)
        self.stream.write(
            f"\r{self.label} [{bar:<30}] {self.done:,}/{self.total:,} "
            f"{share:5.1%} {rate:,.0f}/s"
        )
        if self.done >= self.total:
            self.stream.write("\n")
        self.stream.flush()


def plan_days(n_cases: int, today: datetime.date, rng: random.Random):
    """Cases per local day over ten years ending yesterday: weekday rhythm,
    slow growth, and peak days (storms, holidays' aftermath)."""
    first = today - datetime.timedelta(days=round(365.25 * YEARS))
    days = (today - first).days
    weights = []
    for d in range(days):
        date = first + datetime.timedelta(days=d)
        weight = WEEKDAY_FACTOR[date.weekday()] * (1 + 0.6 * d / days)
        weights.append(weight)
    for _ in range(YEARS * 15):
        weights[rng.randrange(days)] *= rng.uniform(2.0, 4.0)
    total = sum(weights)
    exact = [n_cases * w / total for w in weights]
    counts = [int(x) for x in exact]
    short = n_cases - sum(counts)
    by_remainder = sorted(range(days), key=lambda d: exact[d] - counts[d], reverse=True)
    for d in by_remainder[:short]:
        counts[d] += 1
    return first, counts


def _labels() -> tuple[dict, dict]:
    """Event labels and message patterns in the site's language, exactly as
    the workflow renders them."""
    with translation.override(settings.LANGUAGE_CODE):
        labels = {kind.value: str(kind.label) for kind in CaseEvent.Kind}
        texts = {
            "transferred": gettext("Transferred from %(source)s to %(target)s."),
            "co_handling": gettext("%(department)s is helping with this matter."),
        }
    return labels, texts


def _conninfo() -> dict:
    s = connection.settings_dict
    info = {
        "dbname": s["NAME"],
        "user": s.get("USER") or None,
        "password": s.get("PASSWORD") or None,
        "host": s.get("HOST") or None,
        "port": s.get("PORT") or None,
    }
    return {k: v for k, v in info.items() if v}


_GENERATOR = None


def _worker_init(ctx: Context, conninfo: dict) -> None:
    global _GENERATOR, _CONN
    import psycopg

    _GENERATOR = ChunkGenerator(ctx)
    _CONN = psycopg.connect(**conninfo)
    with _CONN.cursor() as cursor:
        cursor.execute("SET TimeZone = 'UTC'")
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET synchronous_commit = off")
    _CONN.commit()


def _worker_run(spec: ChunkSpec) -> tuple[int, dict, float]:
    cpu = time.process_time()
    with _CONN.cursor() as cursor:
        writer = Writer(cursor, "postgresql")
        counts = _GENERATOR.run(spec, writer)
    _CONN.commit()
    return spec.index, counts, time.process_time() - cpu


def _in_parallel(statements, conninfo: dict, settings_sql=(), sessions: int = 2):
    """Run independent statements (CREATE INDEX, VACUUM ANALYZE <table>) on
    `sessions` connections at once, in the given order (put the longest
    first); return each statement's seconds. Each statement holds only its
    own table's lock, and the server does the work: threads are enough."""
    import queue
    import threading

    import psycopg

    todo, seconds, errors = queue.Queue(), {}, []
    for statement in statements:
        todo.put(statement)

    def session():
        try:
            with psycopg.connect(**conninfo, autocommit=True) as conn:
                for setting in settings_sql:
                    conn.execute(setting)
                while True:
                    try:
                        statement = todo.get_nowait()
                    except queue.Empty:
                        return
                    started = time.monotonic()
                    conn.execute(statement)
                    seconds[statement] = round(time.monotonic() - started, 3)
        except Exception as error:  # noqa: BLE001 - re-raised below
            errors.append(error)

    threads = [threading.Thread(target=session) for _ in range(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return seconds


def _by_table_size(cursor, definitions: list[str]) -> list[str]:
    """Index definitions, those on the largest tables first (a greedy order
    that keeps both sessions busy until the end)."""
    cursor.execute(
        "SELECT relname, pg_relation_size(oid) FROM pg_class WHERE relname = ANY(%s)",
        [list(LOADED_TABLES)],
    )
    size = dict(cursor.fetchall())
    # The GIN index of bigrams costs several b-trees of the same table.
    return sorted(
        definitions,
        key=lambda d: -size.get(d.split(" ON public.")[1].split(" ")[0], 0)
        * (4 if " USING gin " in d else 1),
    )


def _drop_indexes(cursor) -> list[str]:
    """Drop the secondary (non-unique, non-constraint) indexes of the big
    tables and of the users; return their definitions."""
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY(%s) AND NOT i.indisprimary AND NOT i.indisunique
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        [list(LOADED_TABLES)],
    )
    found = cursor.fetchall()
    for name, _definition in found:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in found]


def seed(
    n_cases: int,
    *,
    seed: int = 2026,
    workers: int = 2,
    stream=None,
    summary_path: Path | None = None,
) -> dict:
    stream = stream if stream is not None else sys.stderr
    vendor = connection.vendor
    if (
        Case.objects.exists()
        or ServiceCategory.objects.filter(code__startswith="bench-").exists()
    ):
        raise SeedError("The database already holds cases: seed an empty database.")
    parallel = vendor == "postgresql" and workers > 1
    rng = random.Random(seed)
    timings, started = {}, time.monotonic()
    labels, texts = _labels()
    now_aware = timezone.now()
    today = timezone.localtime(now_aware).date()

    def phase(name, since):
        timings[name] = round(time.monotonic() - since, 3)
        stream.write(f"{name}: {timings[name]:.1f}s\n")
        return time.monotonic()

    t = time.monotonic()
    units = district.build_units()
    district.assign_shares(units, rng)
    t = phase("units", t)
    categories = district.build_categories(units, rng)
    t = phase("categories", t)

    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SET TimeZone = 'UTC'")
        writer = Writer(cursor, vendor)
        first, counts = plan_days(n_cases, today, rng)
        base_local = datetime.datetime.combine(
            first, datetime.time.min, tzinfo=timezone.get_default_timezone()
        )
        now_t = int((now_aware - base_local).total_seconds())
        now_text = now_aware.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
        dropped = []
        if parallel:
            dropped = _drop_indexes(cursor)
            if summary_path:  # so that a crash leaves the definitions behind
                summary_path.parent.mkdir(parents=True, exist_ok=True)
                summary_path.with_suffix(".indexes.sql").write_text(
                    ";\n".join(dropped) + ";\n"
                )
        people = district.build_people(
            units, n_cases=n_cases, writer=writer, rng=rng, now_text=now_text
        )
        t = phase("people", t)

        # Tracking numbers: per local year, in filing order.
        day_year, day_first_seq, per_year = [], [], {}
        for d, n in enumerate(counts):
            year = (first + datetime.timedelta(days=d)).year
            day_year.append(year)
            day_first_seq.append(per_year.get(year, 0) + 1)
            per_year[year] = per_year.get(year, 0) + n

        active = [u for u in units if u.share > 0]
        cum, total = [], 0.0
        for unit in active:
            total += unit.share
            cum.append(total)
        three_years_ago = max(0, len(counts) - round(3 * 365.25))
        overdue_start = sum(counts[:three_years_ago])
        open_start = n_cases - round(n_cases * 0.05)
        eligible = max(1, open_start - overdue_start)
        perms = {
            p.codename: p.pk
            for p in Permission.objects.filter(
                content_type__app_label="cases",
                codename__in=["view_case", "handle_case"],
            )
        }
        bench_residents = [people.bench[f"bench_resident_{n:02d}"] for n in range(10)]
        ctx = Context(
            seed=seed,
            n_cases=n_cases,
            base_ordinal=first.toordinal(),
            now=now_t,
            day_counts=counts,
            day_first_seq=day_first_seq,
            day_year=day_year,
            units=[
                (u.id, u.group_id, u.kind, u.categories, u.clerks, u.grid_workers)
                for u in active
            ],
            unit_cum=cum,
            unit_names={u.id: u.name for u in units},
            categories={
                pk: (c["kind"], c["titles"], c["acc"], c["handle"])
                for pk, c in categories.items()
            },
            residents=(people.residents.start, len(people.residents)),
            frequent=people.frequent,
            bench_residents=bench_residents,
            staff_names=people.staff_names,
            labels=labels,
            texts=texts,
            perms=perms,
            open_start=open_start,
            overdue_start=overdue_start,
            p_overdue=min(1.0, 0.02 * n_cases / eligible),
        )
        first_case_id = (
            Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        ) + 1
        specs, index, lo = [], 0, 0
        for d in range(len(counts) + 1):
            size = sum(counts[lo:d])
            if d == len(counts) or size >= CHUNK_CASES:
                if size:
                    specs.append(
                        ChunkSpec(len(specs), lo, d, index, first_case_id + index)
                    )
                index += size
                lo = d

        progress = Progress(n_cases, stream)
        totals = dict.fromkeys(TABLES, 0)
        t_cases, worker_cpu = time.monotonic(), 0.0
        if parallel:
            with multiprocessing.get_context("fork").Pool(
                workers, initializer=_worker_init, initargs=(ctx, _conninfo())
            ) as pool:
                for spec_index, chunk_counts, cpu in pool.imap_unordered(
                    _worker_run, specs
                ):
                    worker_cpu += cpu
                    for table, n in chunk_counts.items():
                        totals[table] += n
                    progress(
                        sum(counts[specs[spec_index].day_lo : specs[spec_index].day_hi])
                    )
        else:
            generator = ChunkGenerator(ctx)
            worker_cpu = time.process_time()
            for spec in specs:
                for table, n in generator.run(spec, writer, progress=progress).items():
                    totals[table] += n
            worker_cpu = time.process_time() - worker_cpu
        timings["cases_write"] = round(time.monotonic() - t_cases, 3)
        stream.write(f"cases_write: {timings['cases_write']:.1f}s\n")
        t = time.monotonic()
        index_seconds = {}
        if dropped:
            # Two sessions build at once (the 35 builds are independent), the
            # largest tables first; a build alone on the machine at the end
            # still gets parallel workers.
            index_seconds = _in_parallel(
                _by_table_size(cursor, dropped),
                _conninfo(),
                settings_sql=(
                    "SET maintenance_work_mem = '1GB'",
                    "SET max_parallel_maintenance_workers = 2",
                ),
                sessions=workers,
            )
            t = phase("indexes", t)
        writer.reset_sequences(
            [
                ("cases_case", "id"),
                ("cases_caseevent", "id"),
                ("cases_historicalcase", "history_id"),
                ("cases_historicalcaseevent", "history_id"),
                "cases_casegroupobjectpermission",
                "cases_caseuserobjectpermission",
                "cases_cohandling",
                "cases_materialrequest",
            ]
        )
        for year, last in per_year.items():
            if last:
                CaseSequence.objects.update_or_create(
                    year=year, defaults={"last": last}
                )
        # Grids before VACUUM ANALYZE, so that the planner knows their size
        # (a first run analysed before them and planned the grid API's joins
        # on an estimate of 23,068 grid events for 167,433).
        totals.update(_grids(cursor, vendor, units, now_text, trusted=parallel))
        t = phase("grids", t)
        if vendor == "postgresql" and parallel:
            # The big tables one a session, in parallel, then the others in
            # one statement (the whole database's VACUUM ANALYZE was serial).
            cursor.execute(
                "SELECT relname FROM pg_stat_user_tables"
                " WHERE schemaname = 'public' AND relname <> ALL(%s)",
                [list(BIG_TABLES)],
            )
            rest = ", ".join(name for (name,) in cursor.fetchall())
            _in_parallel(
                [f"VACUUM ANALYZE {table}" for table in BIG_TABLES]
                + [f"VACUUM ANALYZE {rest}"],
                _conninfo(),
                sessions=workers,
            )
            t = phase("vacuum_analyze", t)


    extra = _workflow_cases(people, units)
    phase("workflow_cases", t)
    elapsed = time.monotonic() - started
    rows = sum(totals.values()) + people.counts["users"] + people.counts["memberships"]
    busiest = max(units, key=lambda u: u.share)
    summary = {
        "cases": n_cases,
        "seed": seed,
        "vendor": vendor,
        "workers": workers,
        "parallel": parallel,
        "timings": timings,
        "seconds": round(elapsed, 3),
        "rows": totals
        | {
            "users": people.counts["users"],
            "memberships": people.counts["memberships"],
        },
        "rows_total": rows,
        # CPU of the processes generating the case rows (their database
        # sessions' CPU is not in it: measure the server's share outside).
        "cases_cpu_seconds": round(worker_cpu, 3),
        "index_seconds": index_seconds,
        "cases_per_second_write": round(n_cases / max(timings["cases_write"], 1e-6)),
        "cases_per_second_total": round(n_cases / max(elapsed, 1e-6)),
        "rows_per_second_write": round(
            sum(totals.values()) / max(timings["cases_write"], 1e-6)
        ),
        "people": people.counts,
        "units": len(units),
        "categories": len(categories),
        "busiest_department": {
            "id": busiest.id,
            "code": busiest.code,
            "name": busiest.name,
        },
        "bench_users": people.bench,
        "password_hint": "district.BENCH_PASSWORD",
        "filing_category": categories_for_filing(categories),
        "search_word": "漏水",
        **extra,
    }
    if summary_path:
        summary_path.parent.mkdir(parents=True, exist_ok=True)
        summary_path.write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    return summary


def _grids(cursor, vendor: str, units, now_text: str, trusted=False) -> dict:
    """One grid per community that has grid workers, its workers as members,
    and a GridEvent row for every grid-event case of the community (reported
    by the case's submitter, the grid worker), so that the phone API's list
    reads a real list. Written in SQL after the cases: the events follow from
    the case rows already in the database, so with `trusted` (the parallel
    load) their three foreign keys are not checked row by row (the checks
    were queued and run at commit: at 100k the grids took 1.2-2.4 s with
    them, 0.5 s without; at 1M the phase still takes 10-15 s, not measured
    further)."""
    grids, members = [], []
    grid_ids = {}
    for unit in units:
        if unit.kind != "community" or not unit.grid_workers:
            continue
        grid_id = len(grids) + 1
        grid_ids[unit.id] = grid_id
        grids.append(
            f"{grid_id}\t{unit.id}\tbench-grid-{unit.id}\t{unit.name}第一网格"
            f"\t{NULL}\t{NULL}\t{NULL}\t1\t{now_text}\n"
        )
        for user_id in unit.grid_workers:
            members.append(
                f"{len(members) + 1}\t{grid_id}\t{user_id}\tworker\t{now_text}\n"
            )
    writer = Writer(cursor, vendor)
    writer.write(
        "grid_grid",
        (
            "id",
            "community_id",
            "code",
            "name",
            "boundary",
            "centre_latitude",
            "centre_longitude",
            "is_active",
            "created_at",
        ),
        grids,
    )
    writer.write(
        "grid_gridmember", ("id", "grid_id", "user_id", "role", "created_at"), members
    )
    if vendor == "postgresql":
        token, jitter = "gen_random_uuid()", "(random() - 0.5) / 50"
    else:  # Django stores a UUID as 32 hex digits on SQLite
        token = "lower(hex(randomblob(16)))"
        jitter = "((abs(random()) % 20000) - 10000) / 1000000.0"
    if trusted:
        cursor.execute("SET session_replication_role = replica")
    cursor.execute(
        "INSERT INTO grid_gridevent (case_id, grid_id, reporter_id, idempotency_key,"
        " latitude, longitude, address, source, contact, token, created_at)"
        f" SELECT c.id, g.id, c.submitter_id, '', 30.27 + {jitter},"
        f" 120.15 + {jitter}, '', 'app', '{{}}', {token}, c.submitted_at"
        " FROM cases_case c JOIN grid_grid g ON g.community_id = c.department_id"
        " WHERE c.kind = 'grid_event'"
    )
    events = cursor.rowcount
    if trusted:
        cursor.execute("RESET session_replication_role")
    writer.reset_sequences(["grid_grid", "grid_gridmember", "grid_gridevent"])
    return {
        "grid_grid": len(grids),
        "grid_gridmember": len(members),
        "grid_gridevent": events,
    }


def categories_for_filing(categories: dict) -> str:
    """A busy category without extra form fields, for the filing scenario."""
    for item in categories.values():
        if item["code"].startswith("bench-housing-housing-"):
            return item["code"]
    return next(iter(categories.values()))["code"]


def _workflow_cases(people, units) -> dict:
    """A long-history and a short-history case through the real workflow, in
    the busiest unit, filed by the first bench resident."""
    busiest = max(units, key=lambda u: u.share)
    clerk = User.objects.get(pk=people.bench["bench_clerk_00"])
    other = User.objects.get(pk=people.bench["bench_clerk_01"])
    resident = User.objects.get(pk=people.bench["bench_resident_00"])
    category = ServiceCategory.objects.filter(department_id=busiest.id).first()
    category = (
        category or ServiceCategory.objects.filter(code__startswith="bench-").first()
    )
    from portal.accounts.models import Department

    department = Department.objects.get(pk=busiest.id)
    made = {}
    for name, assignments in (("short", 0), ("long", 40)):
        case = workflow.submit_case(
            category=category,
            submitter=resident,
            title=WORKFLOW_TITLE,
            description="小区东门路灯不亮，晚上出行不便。",
            department=department,
        )
        case = workflow.accept_case(case=case, actor=clerk)
        for n in range(assignments):
            case = workflow.assign_case(
                case=case, actor=clerk, assignee=other if n % 2 == 0 else clerk
            )
        made[f"{name}_case_id"] = case.pk
    latest = Case.objects.filter(applicant=resident).order_by("-submitted_at").first()
    made["resident_case_id"] = latest.pk if latest else made["short_case_id"]
    return made
