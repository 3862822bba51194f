"""The `make bench` harness (bench/run.py, bench/report.py): the parts that
decide what is measured and what the report keeps, without a server."""

import importlib.util
import json
from pathlib import Path

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.models import Department
from portal.accounts.tests.factories import make_clerk, make_department

BENCH = Path(__file__).resolve().parents[3] / "bench"


def _module(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run = _module("run")
report = _module("report")


def test_sizes():
    assert run.size_cases("100k") == 100_000
    assert run.size_cases("10m") == 10_000_000
    assert run.size_cases("20k") == 20_000
    with pytest.raises(SystemExit):
        run.size_cases("big")


def test_totp_code_is_django_otps():
    at = 1_790_000_000.0
    code, step = run.totp_code(run.TOTP_KEY, at)
    expected = TOTP(bytes.fromhex(run.TOTP_KEY), step=30, t0=0, digits=6, drift=0)
    expected.time = at
    assert (code, step) == (f"{expected.token():06d}", expected.t())


@pytest.mark.django_db
def test_a_bench_device_accepts_the_harness_code_once():
    """What the token endpoint checks for a grid worker (staff): the code
    from the bench's device, each time step once."""
    clerk = make_clerk(make_department("minzhu", kind=Department.Kind.COMMUNITY))
    device = TOTPDevice.objects.create(
        user=clerk, name="bench", key=run.TOTP_KEY, confirmed=True
    )
    code, _step = run.totp_code(run.TOTP_KEY)
    assert device.verify_token(code)
    device.refresh_from_db()
    assert not device.verify_token(code)  # replayed


def test_a_seeded_database_without_its_summary_is_never_dropped(
    monkeypatch, tmp_path
):
    monkeypatch.setattr(run, "VAR", tmp_path)
    calls = []

    def psql(sql, db="postgres"):
        calls.append(sql)
        if "pg_database" in sql:
            return "1"
        return "1"  # one case found

    monkeypatch.setattr(run, "psql", psql)
    monkeypatch.delenv("BENCH_RESEED", raising=False)
    with pytest.raises(SystemExit, match="BENCH_VAR_DIR"):
        run.ensure_seeded("10m")
    assert not any("DROP" in sql for sql in calls)


SECTION_100K = """### 100k: 100,000 cases (measured 2026-11-30 05:18:36 +0000)

Seeder: 1 rows.

| scenario | conns | req/s | bare req/s | share of bare | p50 ms | p95 ms | p99 ms \
| queries | peak RSS/worker MiB | errors | load avg |
|---|---|---|---|---|---|---|---|---|---|---|---|
| clerk_changelist | 4 | 2.1 | 62.0 | 3.77% | 1,395.9 | 2,000.0 | 2,090.5 | 7 \
| 149.0 | 0 | 6.92→9.98 |
| mixed_50 | 50 | 2.9 | 44.8 | 6.56% | 2,624.2 | 5,903.8 | 5,903.8 | – \
| 157.5 | 0 | 11.65→18.07 |"""


def _result(size, cases, p95):
    stats = {
        "connections": 4,
        "rps": 10.0,
        "bare_rps": 50.0,
        "share_of_bare": 0.2,
        "p50_ms": p95 / 2,
        "p95_ms": p95,
        "p99_ms": p95,
        "queries": 7,
        "peak_rss_mib": 150.0,
        "errors": 0,
        "non_2xx_3xx": 0,
        "loadavg": [1.0, 1.5],
        "rounds": [],
    }
    return {
        "size": size,
        "cases": cases,
        "started": "2026-11-30 09:00:00 +0000",
        "finished": "2026-11-30 09:40:00 +0000",
        "commit": "abc1234",
        "loadavg_start": 1.0,
        "loadavg_end": 2.0,
        "seed": {},
        "db_bytes": 2**30,
        "db_gib_per_million": 0.1,
        "queries": {},
        "scenarios": {"clerk_changelist": stats},
    }


def test_report_keeps_the_sizes_this_run_did_not_measure():
    document = (
        "# Benchmarks\n\nnotes\n\n"
        + report.BEGIN
        + "\n\nGenerated earlier.\n\n"
        + SECTION_100K
        + "\n\n### Scaling: old\n\n"
        + report.END
        + "\n\nafter\n"
    )
    results = report.merge([_result("10m", 10_000_000, 3000.0)], document)
    assert [r["size"] for r in results] == ["100k", "10m"]
    kept = results[0]
    assert kept["scenarios"]["clerk_changelist"]["p95_ms"] == 2000.0
    assert kept["scenarios"]["clerk_changelist"]["share_of_bare"] == pytest.approx(
        0.0377
    )
    assert kept["scenarios"]["mixed_50"]["queries"] is None
    report.machine = lambda: "test machine"
    text = report.render(results)
    assert SECTION_100K in text  # as it was, with its own date
    assert "### 10m: 10,000,000 cases (measured 2026-11-30 09:00:00 +0000)" in text
    assert "load average 1.0 at the start, 2.0 at the end" in text
    assert "### Scaling: p95 at 10m ÷ p95 at 100k" in text
    assert "| clerk_changelist | 1.50 |" in text
    assert "at the largest size measured: 10m" in text
    assert "### Scaling: old" not in text


def test_report_replaces_a_size_it_measured_again():
    document = report.BEGIN + "\n" + SECTION_100K + "\n" + report.END
    results = report.merge([_result("100k", 100_000, 40.0)], document)
    assert len(results) == 1 and "text" not in results[0]


def test_report_reads_the_latest_results_of_every_size(monkeypatch, tmp_path):
    for size, cases in (("1m", 1_000_000), ("100k", 100_000)):
        (tmp_path / f"results-{size}.json").write_text(
            json.dumps(_result(size, cases, 50.0))
        )
    monkeypatch.setattr(report, "VAR", tmp_path)
    assert [r["size"] for r in report.load()] == ["100k", "1m"]


def test_the_filing_target_reads_the_rate_with_the_notifications_delivered():
    """With a Celery worker, a filing rate counts only once the worker has
    delivered the filings' notifications: the sustained rate is judged."""
    result = _result("100k", 100_000, 40.0)
    filing = dict(result["scenarios"]["clerk_changelist"])
    filing.update(
        filings_per_second=120.0,
        worker_drain_s=30.0,
        filings_per_second_sustained=60.0,
        cases_created=3240,
    )
    result["scenarios"] = {"filing": filing}
    verdict = [line for line in report.verdicts([result]) if "filing" in line]
    assert verdict and "60.0/s" in verdict[0] and "missed" in verdict[0]
    report.machine = lambda: "test machine"
    assert "60.0 filings/s sustained" in report.render([result])


def test_the_server_under_test_runs_tasks_on_the_broker_when_there_is_one(
    monkeypatch,
):
    monkeypatch.setattr(run, "BROKER_URL", "redis://127.0.0.1:6379/3")
    env = run.server_env("yiwang_bench_100k")
    assert env["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/3"
    assert env["CELERY_TASK_ALWAYS_EAGER"] == "0"
    monkeypatch.setattr(run, "BROKER_URL", "")
    assert run.server_env("yiwang_bench_100k")["CELERY_TASK_ALWAYS_EAGER"] == "1"


def test_cpu_steal_reads_the_hypervisors_share_from_proc_stat(tmp_path):
    """/proc/stat's first line: the steal ticks (8th) and the sum of the
    first eight (guest times are already in user and nice)."""
    stat = tmp_path / "stat"
    stat.write_text(
        "cpu  100 5 50 800 10 2 3 30 40 0\ncpu0 50 2 25 400 5 1 1 15 20 0\n"
    )
    assert run.cpu_steal(str(stat)) == (30, 1000)
    stat.write_text("intr 1 2 3\n")
    assert run.cpu_steal(str(stat)) is None
    assert run.cpu_steal(str(tmp_path / "missing")) is None
    assert run.steal_percent((30, 1000), (80, 2000)) == 5.0
    assert run.steal_percent(None, (80, 2000)) is None
    assert run.steal_percent((30, 1000), (30, 1000)) is None  # no time passed


def test_report_shows_the_steal_and_reads_its_own_table_back():
    """The steal column is the table's last: an earlier report's table
    without it, and one with it, are read back alike."""
    result = _result("100k", 100_000, 40.0)
    result["scenarios"]["clerk_changelist"]["steal_pct"] = 3.25
    report.machine = lambda: "test machine"
    text = report.render([result])
    assert "| load avg | steal |" in text
    row = next(line for line in text.splitlines() if line.startswith("| clerk_"))
    assert row.endswith("| 1.0→1.5 | 3.2% |")
    read = report.from_document(text)[0]["scenarios"]["clerk_changelist"]
    assert read["p95_ms"] == 40.0 and read["errors"] == 0
    del result["scenarios"]["clerk_changelist"]["steal_pct"]  # an older run
    assert report.render([result]).count("| 1.0→1.5 | – |") == 1
