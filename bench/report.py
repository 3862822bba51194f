#!/usr/bin/env python3
"""Write the measured part of docs/benchmarks.md and the latency chart from
the latest results of each size (var/bench/results-<size>.json, or
BENCH_VAR_DIR). Only the text between the two result markers is replaced;
the notes around it (findings, EXPLAIN excerpts) are kept.

A size with no results file (a run of one size from a fresh snapshot of the
tree, or results measured elsewhere) keeps its section as the document had
it: its table is read back for the scaling ratios and the targets, and its
heading keeps the date it was measured. Every section says when it was
measured and at what load average."""

import json
import os
import platform
import re
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("BENCH_VAR_DIR", str(ROOT / "var" / "bench"))).resolve()
DOC = ROOT / "docs" / "benchmarks.md"
CHART = ROOT / "docs" / "benchmarks-latency.png"
BEGIN, END = "<!-- bench:results -->", "<!-- /bench:results -->"

# scenario -> (p95 target ms, minimum share of bare, maximum queries)
TARGETS = {
    "clerk_changelist": (60, 0.15, 8),
    "clerk_overdue": (60, 0.15, 8),
    "clerk_search": (60, 0.15, 8),
    "clerk_page200": (60, 0.15, 8),
    "clerk_page1": (60, 0.15, 8),
    "case_admin_long": (50, None, None),
    "case_history_long": (50, None, None),
    "resident_my_matters": (25, 0.30, None),
    "resident_case": (25, 0.30, None),
    "api_grid_events": (40, None, None),
    "filing": (None, None, None),
    "mixed_50": (None, None, None),
}


def load() -> list[dict]:
    results = [json.loads(p.read_text()) for p in VAR.glob("results-*.json")]
    return sorted(results, key=lambda r: r["cases"])


SECTION = re.compile(
    r"^### (?P<size>\d+[km]): (?P<cases>[\d,]+) cases \(measured (?P<started>[^)]*)\)",
    re.M,
)


def _number(text: str):
    text = text.strip().rstrip("%").replace(",", "")
    try:
        return float(text)
    except ValueError:
        return None


def from_document(block: str) -> list[dict]:
    """The size sections of an earlier report, each as its text and the
    figures of its table (enough for the scaling ratios and the targets)."""
    found = []
    matches = list(SECTION.finditer(block))
    for match in matches:
        end = block.find("\n### ", match.end())
        text = block[match.start() : end if end != -1 else len(block)].rstrip()
        scenarios = {}
        for line in text.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) < 12 or cells[0] in ("scenario",) or cells[0].startswith("-"):
                continue
            share = _number(cells[4])
            scenarios[cells[0]] = {
                "connections": int(_number(cells[1]) or 0),
                "rps": _number(cells[2]),
                "bare_rps": _number(cells[3]),
                "share_of_bare": share / 100 if share is not None else None,
                "p50_ms": _number(cells[5]),
                "p95_ms": _number(cells[6]),
                "p99_ms": _number(cells[7]),
                "queries": int(_number(cells[8])) if _number(cells[8]) else None,
                "peak_rss_mib": _number(cells[9]),
                "errors": int(_number(cells[10]) or 0),
                "non_2xx_3xx": 0,
            }
        filing = re.search(r"≈ ([\d.]+) filings/s", text)
        if filing and "filing" in scenarios:
            scenarios["filing"]["filings_per_second"] = float(filing.group(1))
        found.append(
            {
                "size": match.group("size"),
                "cases": int(match.group("cases").replace(",", "")),
                "started": match.group("started"),
                "scenarios": scenarios,
                "queries": {},
                "text": text,
            }
        )
    return found


def merge(measured: list[dict], document: str) -> list[dict]:
    """The measured results, and the document's sections of the other sizes."""
    if BEGIN not in document or END not in document:
        return measured
    block = document.split(BEGIN, 1)[1].split(END, 1)[0]
    sizes = {r["size"] for r in measured}
    kept = [r for r in from_document(block) if r["size"] not in sizes]
    return sorted(measured + kept, key=lambda r: r["cases"])


def machine() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().split()[1]
    pg = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW server_version"],
        capture_output=True,
        text=True,
    ).stdout
    return (
        f"{platform.node()}: {cpu}, {subprocess.getoutput('nproc')} cores, "
        f"{int(mem) // 1024 // 1024} GiB RAM, Python {platform.python_version()}, "
        f"PostgreSQL {pg.strip()} (default settings, shared_buffers 128MB)"
    )


def fmt(value, digits=1, suffix=""):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}{suffix}"


def share(s: dict) -> float:
    """Median of the per-round shares of the bare view, unrounded."""
    rounds = s.get("rounds", [])
    values = sorted(r["share"] for r in rounds if r.get("share") is not None)
    if not values:
        return s.get("share_of_bare") or 0.0
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


def verdicts(results: list[dict]) -> list[str]:
    big, small = results[-1], results[0]
    lines = []
    for name, (p95, minimum, queries) in TARGETS.items():
        s = big["scenarios"].get(name)
        if not s:
            lines.append(f"| {name} | not measured (page missing) | – |")
            continue
        checks = []
        if s["p95_ms"] is None:
            lines.append(f"| {name} | any | **missed** (no request completed) |")
            continue
        if p95 is not None:
            checks.append(
                (f"p95 ≤ {p95} ms", s["p95_ms"] <= p95, f"{s['p95_ms']:.1f} ms")
            )
        if minimum is not None:
            checks.append(
                (f"≥ {minimum:.0%} of bare", share(s) >= minimum, f"{share(s):.2%}")
            )
        if queries is not None and s.get("queries") is not None:
            checks.append(
                (f"≤ {queries} queries", s["queries"] <= queries, str(s["queries"]))
            )
        if name == "clerk_page200" and "clerk_page1" in big["scenarios"]:
            ratio = s["p95_ms"] / (big["scenarios"]["clerk_page1"]["p95_ms"] or 1e-9)
            checks.append(("page 200 ≤ 1.5× page 1", ratio <= 1.5, f"{ratio:.2f}×"))
        q = big.get("queries", {})
        long_, short = (
            q.get("case_admin_long", {}).get("queries"),
            q.get("case_admin_short", {}).get("queries"),
        )
        if name == "case_admin_long" and None not in (long_, short):
            checks.append(
                (
                    "queries independent of history",
                    long_ == short,
                    f"{long_} (42 events) vs {short} (2 events)",
                )
            )
        if name == "filing":
            # With a worker, the rate that includes delivering the
            # notifications (the queue emptied) is the one that is sustained.
            rate = s.get("filings_per_second_sustained", s.get("filings_per_second"))
            checks.append(("≥ 100 filings/s", (rate or 0) >= 100, f"{rate}/s"))
        if name == "mixed_50":
            checks.append(("≥ 300 req/s", s["rps"] >= 300, f"{s['rps']:.0f}/s"))
            checks.append(
                (
                    "no errors",
                    s["errors"] + s["non_2xx_3xx"] == 0,
                    f"{s['errors']} errors, {s['non_2xx_3xx']} non-2xx/3xx",
                )
            )
            if s["p99_ms"] is not None:
                checks.append(
                    ("p99 ≤ 250 ms", s["p99_ms"] <= 250, f"{s['p99_ms']:.0f} ms")
                )
        first = small["scenarios"].get(name)
        if first and big is not small and first["p95_ms"] and s["p95_ms"]:
            ratio = s["p95_ms"] / first["p95_ms"]
            checks.append(
                (
                    f"p95 {big['size']} ÷ {small['size']} ≤ 1.5",
                    ratio <= 1.5,
                    f"{ratio:.2f}",
                )
            )
        for label, ok, value in checks:
            lines.append(
                f"| {name} | {label} | {'met' if ok else '**missed**'} ({value}) |"
            )
    return lines


def run_line(r: dict) -> str:
    parts = []
    if r.get("commit"):
        parts.append(f"commit {r['commit']}")
    if r.get("finished"):
        parts.append(f"finished {r['finished']}")
    if r.get("loadavg_start") is not None:
        parts.append(
            f"load average {r['loadavg_start']} at the start, "
            f"{r.get('loadavg_end', '?')} at the end"
        )
    if r.get("gunicorn"):
        parts.append(f"gunicorn `{r['gunicorn']}`")
    if r.get("cache"):
        parts.append(f"cache {r['cache']}")
    if r.get("celery"):
        parts.append(f"Celery {r['celery']}")
    for partial in r.get("partial_runs", []):
        parts.append(
            f"re-measured {', '.join(partial['only'])} on {partial['started']}"
        )
    return "Run: " + ("; ".join(parts) or "no details recorded") + "."


def seeder_line(r: dict) -> str:
    seed, timings = r.get("seed", {}), r.get("seed", {}).get("timings", {})
    try:
        line = (
            f"Seeder: {seed['rows_total']:,} rows in {seed['seconds']:.0f} s "
            f"(cases phase {timings['cases_write']:.0f} s: "
            f"{seed['cases_per_second_write']:,} cases/s, "
            f"{seed['rows_per_second_write']:,} rows/s; end to end "
            f"{seed['cases_per_second_total']:,} cases/s; index rebuild "
            f"{timings.get('indexes', 0):.0f} s). "
        )
    except (KeyError, TypeError, ValueError):
        line = "Seeder: no complete summary. "
    if r.get("db_bytes"):
        line += (
            f"Database {r['db_bytes'] / 2**30:.2f} GiB = "
            f"**{r['db_gib_per_million']:.2f} GiB per million cases**."
        )
    return line


def render(results: list[dict]) -> str:
    out = [
        BEGIN,
        "",
        f"Generated by `bench/report.py` on {time.strftime('%Y-%m-%d %H:%M %z')}.",
        "",
        f"Machine: {machine()}.",
        "",
    ]
    for r in results:
        if "text" in r:  # not measured in this run: as the document had it
            out += [r["text"], ""]
            continue
        out += [
            f"### {r['size']}: {r['cases']:,} cases (measured {r['started']})",
            "",
            run_line(r),
            "",
            seeder_line(r),
            "",
            "| scenario | conns | req/s | bare req/s | share of bare | p50 ms | p95 ms "
            "| p99 ms | queries | peak RSS/worker MiB | errors | load avg | steal |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for name, s in r["scenarios"].items():
            out.append(
                f"| {name} | {s['connections']} | {fmt(s['rps'])} "
                f"| {fmt(s['bare_rps'])} "
                f"| {fmt(share(s) * 100, 2, '%')} "
                f"| {fmt(s['p50_ms'])} "
                f"| {fmt(s['p95_ms'])} | {fmt(s['p99_ms'])} | {s.get('queries', '–')} "
                f"| {fmt(s['peak_rss_mib'])} | {s['errors'] + s['non_2xx_3xx']} "
                f"| {'→'.join(str(x) for x in s.get('loadavg', []))} "
                f"| {fmt(s.get('steal_pct'), 1, '%')} |"
            )
        q = r.get("queries", {})
        counted = ", ".join(
            f"{k} {v.get('queries')}" for k, v in q.items() if k.endswith("_short")
        )
        if counted:
            out += ["", f"Queries, short-history case for comparison: {counted}."]
        if "filing" in r["scenarios"]:
            f = r["scenarios"]["filing"]
            out += [
                "",
                f"Filing: {f.get('cases_created')} cases created during the "
                f"filing runs ≈ {f.get('filings_per_second')} filings/s.",
            ]
            if "worker_drain_s" in f:
                out[-1] += (
                    f" The worker delivered their notifications "
                    f"{f['worker_drain_s']} s after the last round: "
                    f"{f.get('filings_per_second_sustained')} filings/s sustained."
                )
        if r.get("missing"):
            out += [
                "",
                "Not measured (page answered with this status for its user): "
                + ", ".join(f"{k} ({v})" for k, v in r["missing"].items())
                + ".",
            ]
        out.append("")
    if len(results) > 1:
        big, small = results[-1], results[0]
        out += [
            f"### Scaling: p95 at {big['size']} ÷ p95 at {small['size']}",
            "",
            f"{big['size']} measured {big['started']}, {small['size']} measured "
            f"{small['started']}: read the ratios with both load averages.",
            "",
            "| scenario | ratio |",
            "|---|---|",
        ]
        for name, s in big["scenarios"].items():
            first = small["scenarios"].get(name)
            if first and first["p95_ms"] and s["p95_ms"]:
                out.append(f"| {name} | {s['p95_ms'] / first['p95_ms']:.2f} |")
        out.append("")
    out += [
        "### Targets (issue 8), at the largest size measured: "
        f"{results[-1]['size']} (measured {results[-1]['started']})",
        "",
        "| scenario | target | result |",
        "|---|---|---|",
        *verdicts(results),
        "",
        "![p95 latency against data size](benchmarks-latency.png)",
        "",
        END,
    ]
    return "\n".join(out)


def chart(results: list[dict]) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: pip install -r requirements-bench.txt")
        return
    sizes = [r["cases"] for r in results]
    names = sorted({n for r in results for n in r["scenarios"]})
    fig, ax = plt.subplots(figsize=(9, 5.5), dpi=110)
    colours = plt.cm.tab20.colors
    markers = "osD^v<>ph*"
    for index, name in enumerate(names):
        points = [
            (r["cases"], r["scenarios"][name]["p95_ms"])
            for r in results
            if name in r["scenarios"] and r["scenarios"][name]["p95_ms"]
        ]
        ax.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            marker=markers[index % len(markers)],
            color=colours[index % len(colours)],
            label=name,
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(sizes, [f"{s:,}" for s in sizes])
    ax.set_xlabel("cases in the database")
    ax.set_ylabel("p95 latency, ms (log)")
    ax.set_title("Yiwang: p95 latency against data size (wrk over loopback, 2 cores)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    fig.savefig(CHART)


def main() -> None:
    text = (
        DOC.read_text()
        if DOC.exists()
        else "# Benchmarks\n\n" + BEGIN + "\n" + END + "\n"
    )
    measured = load()
    if not measured:
        print(f"no results in {VAR}")
        return
    results = merge(measured, text)
    if BEGIN not in text:
        text += "\n" + BEGIN + "\n" + END + "\n"
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    DOC.write_text(head + render(results) + tail)
    chart(results)
    print(f"wrote {DOC} and {CHART}")


if __name__ == "__main__":
    main()
