#!/usr/bin/env python3
"""`make bench`: every page measured side by side with a bare view.

For each data size (BENCH_SIZES, default "100k 1m"; "10m" when there is the
disk and the time), on its own database yiwang_bench_<size>:

1. seed it with `manage.py seed_bench` if it has no seed summary yet;
2. for each scenario whose page exists, start gunicorn afresh (production
   settings: DEBUG off, a SECRET_KEY, no SSL redirect on loopback), log the
   bench users in over HTTP for session cookies (a JWT for the API), warm up,
   then three rounds of: wrk on the bare view, wrk on the scenario, with the
   same connections and cookies; medians are reported;
3. peak RSS per worker from /proc/<pid>/status (VmHWM) after the scenario;
4. queries per request in a separate process with Django's test Client
   (bench/querycount.py), so the load run carries no instrumentation.

Results go to var/bench/results-<size>.json; bench/report.py writes
docs/benchmarks.md and the chart. The load tool is wrk (C, one thread per
core at most) so that it takes little CPU from the server on 2 cores.
It measures and reports; it never fails on a target.
"""

import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
LUA = Path(__file__).resolve().parent / "lua"
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PORT = int(os.environ.get("BENCH_PORT", "8765"))
HOST = "127.0.0.1"
SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
DURATION = int(os.environ.get("BENCH_DURATION", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
MIXED_CONNECTIONS = 50
PASSWORD = "yiwang-bench-2026"  # portal.bench.district.BENCH_PASSWORD
PG = "postgres://postgres@127.0.0.1:5432/"
# Connection options for the server under test. PostgreSQL's JIT compiles the
# visibility query of the case lists for about a second per request at 100k
# (see docs/benchmarks.md), so the bench runs with it off, as a deployment
# should; BENCH_DB_OPTIONS="" measures the server's defaults instead.
# Parallel query is off for the same reason: on 2 shared cores the workers'
# start-up (Gather) costs more than the small scans of a page (finding 8).
DB_OPTIONS = os.environ.get(
    "BENCH_DB_OPTIONS", "-c jit=off -c max_parallel_workers_per_gather=0"
)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def server_env(db: str) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": PG
            + db
            + ("?options=" + urllib.parse.quote(DB_OPTIONS) if DB_OPTIONS else ""),
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-secret-key-" + "b" * 40,
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "BENCH_ENABLED": "1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "STATIC_ROOT": str(VAR / "static"),
            "LOG_LEVEL": "WARNING",
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "AXES_ENABLED": "false",
            # Production settings refuse to start without field keys. The
            # bench's people are synthetic: it uses the public development
            # keys (portal/settings.py), the ones seed_bench wrote with.
            "FIELD_ENCRYPTION_KEYS": os.environ.get(
                "BENCH_FIELD_ENCRYPTION_KEYS",
                "eWl3YW5nLWRldi1vbmx5LWZpZWxkLWtleS0zMmJ5dGU=",
            ),
            "FIELD_BLIND_INDEX_KEY": os.environ.get(
                "BENCH_FIELD_BLIND_INDEX_KEY",
                "eWl3YW5nLWRldi1vbmx5LWJsaW5kLWluZGV4LWtleSE=",
            ),
        }
    )
    return env


# -- setup ------------------------------------------------------------------


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    log("installing wrk from Debian")
    subprocess.run(
        ["apt-get", "install", "-y", "wrk"], check=False, stdout=subprocess.DEVNULL
    )
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "update"], check=False, stdout=subprocess.DEVNULL)
        subprocess.run(
            ["apt-get", "install", "-y", "wrk"], check=True, stdout=subprocess.DEVNULL
        )


def psql(sql: str, db: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-h", HOST, "-U", "postgres", "-d", db, "-Atc", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def ensure_seeded(size: str) -> dict:
    db = f"yiwang_bench_{size}"
    summary = VAR / f"seed-{db}.json"
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'") == "1"
    if exists and summary.exists():
        # Seeded earlier: bring its schema up to the code under test.
        env = server_env(db) | {"DEBUG": "1", "DATABASE_URL": PG + db}
        subprocess.run(
            [PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )
        return json.loads(summary.read_text())
    log(f"seeding {db} with {SIZES[size]:,} cases")
    psql(f"DROP DATABASE IF EXISTS {db}")
    psql(
        f"CREATE DATABASE {db} ENCODING 'UTF8' TEMPLATE template0 "
        "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
    )
    env = server_env(db) | {"DEBUG": "1", "DATABASE_URL": PG + db}
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [PY, "manage.py", "seed_bench", "--cases", str(SIZES[size])],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return json.loads(summary.read_text())


def collectstatic(db: str) -> None:
    subprocess.run(
        [PY, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=server_env(db),
        check=True,
    )


# -- the server ---------------------------------------------------------------


class Server:
    def __init__(self, db: str):
        self.db = db
        self.proc = None

    def __enter__(self):
        self.proc = subprocess.Popen(
            [
                GUNICORN,
                "portal.wsgi:application",
                "--workers",
                str(WORKERS),
                "--bind",
                f"{HOST}:{PORT}",
                "--backlog",
                "2048",
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=server_env(self.db),
            start_new_session=False,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _h, _b = request("GET", "/bench/bare/")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer /bench/bare/ (BENCH_ENABLED?)")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(
            ["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True
        ).stdout.split()
        return [int(pid) for pid in out]

    def peak_rss_mib(self) -> float:
        peaks = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"VmHWM:\s+(\d+) kB", status)
            if match:
                peaks.append(int(match.group(1)) / 1024)
        return round(max(peaks), 1) if peaks else 0.0

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def request(method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    result = response.status, response.getheaders(), data
    conn.close()
    return result


def cookies_from(headers) -> dict:
    jar = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            jar[key.strip()] = rest.split(";", 1)[0]
    return jar


def cookie_header(jar: dict) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def login(username: str) -> dict:
    """A real login through the login form; returns the cookies."""
    status, headers, body = request("GET", "/accounts/login/")
    jar = cookies_from(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not token:
        raise RuntimeError(f"login page: {status}")
    form = urllib.parse.urlencode(
        {
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": token.group(1).decode(),
        }
    )
    status, headers, _body = request(
        "POST",
        "/accounts/login/",
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie_header(jar),
        },
    )
    jar.update(cookies_from(headers))
    if status != 302 or "sessionid" not in jar:
        raise RuntimeError(f"login of {username} failed: {status}")
    return jar


def verify_second_factor(db: str, jars: dict) -> None:
    """Staff pass a second factor (django-otp) after the password when the
    site asks for one. The bench is a measurement harness, not a person with
    a phone: for each staff session it gives the user a confirmed static
    device named "bench" (bench databases only) and stores that device's id
    in the session under django-otp's session key, which is exactly what the
    site's second-factor step does once a code is accepted. Without
    django-otp installed this does nothing."""
    code = (
        "import json, sys, django; django.setup()\n"
        "from django.conf import settings\n"
        "if 'django_otp' not in settings.INSTALLED_APPS: sys.exit(0)\n"
        "from importlib import import_module\n"
        "from django_otp import DEVICE_ID_SESSION_KEY\n"
        "from django_otp.plugins.otp_static.models import StaticDevice\n"
        "from portal.accounts.models import User\n"
        "store = import_module(settings.SESSION_ENGINE).SessionStore\n"
        "for username, key in json.load(sys.stdin).items():\n"
        "    user = User.objects.get(username=username)\n"
        "    if not user.is_staff: continue\n"
        "    device, _ = StaticDevice.objects.get_or_create(\n"
        "        user=user, name='bench', defaults={'confirmed': True})\n"
        "    session = store(session_key=key)\n"
        "    session[DEVICE_ID_SESSION_KEY] = device.persistent_id\n"
        "    session.save()\n"
    )
    keys = {user: jar["sessionid"] for user, jar in jars.items() if "sessionid" in jar}
    env = server_env(db) | {"DJANGO_SETTINGS_MODULE": "portal.settings"}
    subprocess.run(
        [PY, "-c", code],
        cwd=ROOT,
        env=env,
        input=json.dumps(keys),
        check=True,
        capture_output=True,
        text=True,
    )


def api_token(username: str) -> str | None:
    body = json.dumps({"username": username, "password": PASSWORD})
    try:
        status, _h, data = request(
            "POST", "/api/v1/auth/token/", body, {"Content-Type": "application/json"}
        )
    except OSError:
        return None
    if status != 200:
        return None
    return json.loads(data).get("access")


def csrf_for(path: str, jar: dict) -> str | None:
    status, headers, body = request("GET", path, headers={"Cookie": cookie_header(jar)})
    jar.update(cookies_from(headers))
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    return token.group(1).decode() if status == 200 and token else None


# -- wrk -----------------------------------------------------------------------


def lua_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def write_lua(name: str, requests: list[dict]) -> Path:
    """A wrk script cycling through weighted requests (method, path, headers,
    body); done() writes the summary as JSON to the file named in
    BENCH_OUT."""
    LUA.mkdir(exist_ok=True)
    entries = []
    for item in requests:
        headers = ", ".join(
            f"[{lua_string(k)}] = {lua_string(v)}"
            for k, v in item.get("headers", {}).items()
        )
        entries.append(
            "{" + f"method = {lua_string(item.get('method', 'GET'))}, "
            f"path = {lua_string(item['path'])}, body = "
            f"{lua_string(item['body']) if item.get('body') else 'nil'}, "
            f"weight = {item.get('weight', 1)}, headers = {{{headers}}}" + "}"
        )
    script = (
        (LUA / "common.lua")
        .read_text()
        .replace(
            "-- REQUESTS --", "requests_table = {\n  " + ",\n  ".join(entries) + "\n}"
        )
    )
    path = VAR / "lua" / f"{name}.lua"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(script)
    return path


def drain(limit: float = 60.0) -> None:
    """Wait until the requests a slow run left queued in gunicorn are done:
    three bare requests in a row answering within 100 ms. Without this, the
    bare run after a slow scenario measures the scenario's backlog."""
    deadline, fast = time.monotonic() + limit, 0
    while fast < 3 and time.monotonic() < deadline:
        started = time.monotonic()
        try:
            request("GET", "/bench/bare/")
        except OSError:
            fast = 0
            continue
        fast = fast + 1 if time.monotonic() - started < 0.1 else 0


def wrk(script: Path, connections: int, duration: int) -> dict:
    drain()
    out = VAR / "wrk-last.json"
    out.unlink(missing_ok=True)
    threads = 2 if connections >= 8 else 1
    subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://{HOST}:{PORT}",
        ],
        env=dict(os.environ, BENCH_OUT=str(out)),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return json.loads(out.read_text())


# -- scenarios -----------------------------------------------------------------


def small_unit_clerk(db: str) -> str:
    """A clerk of the unit with the fewest cases among those with at least a
    few hundred: the worst case of a list that filters by visibility."""
    return psql(
        "SELECT u.username FROM accounts_staffmembership m "
        "JOIN accounts_user u ON u.id = m.user_id "
        "JOIN accounts_department d ON d.id = m.department_id "
        "WHERE u.username LIKE 'clerk\\_%' AND d.kind = 'functional' "
        "ORDER BY (SELECT count(*) FROM cases_case c "
        "WHERE c.department_id = d.id), u.id "
        "LIMIT 1",
        db,
    )


def page_cursor(db: str, username: str, page: int, per_page: int = 50) -> str:
    """The ``?after=`` cursor that shows ``page`` of the user's changelist:
    the last row of the page before (portal.cases.admin.format_cursor)."""
    if page <= 1:
        return ""
    code = (
        "import django; django.setup()\n"
        "from portal.accounts.models import User\n"
        "from portal.cases.admin import format_cursor\n"
        "from portal.cases.selectors import visible_cases\n"
        f"user = User.objects.get(username={username!r})\n"
        "rows = visible_cases(user).order_by('-submitted_at', '-id')\n"
        f"print(format_cursor(rows[{(page - 1) * per_page - 1}]))\n"
    )
    env = server_env(db) | {"DJANGO_SETTINGS_MODULE": "portal.settings"}
    out = subprocess.run(
        [PY, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.strip().splitlines()[-1]


def scenarios(seed: dict, sessions: dict, tokens: dict, csrf: dict) -> list[dict]:
    """Each scenario: requests for wrk (with cookies), who makes them, and the
    request whose queries are counted."""
    clerk = cookie_header(sessions["bench_clerk_00"])
    resident = cookie_header(sessions["bench_resident_00"])
    word = urllib.parse.quote(seed["search_word"])
    changelist = "/admin/cases/case/"
    long_case, short_case = seed["long_case_id"], seed["short_case_id"]

    def get(path, cookie, user):
        return {"path": path, "headers": {"Cookie": cookie}, "user": user}

    out = [
        {"name": "clerk_changelist", **get(changelist, clerk, "bench_clerk_00")},
        {
            "name": "clerk_overdue",
            **get(changelist + "?colour=red", clerk, "bench_clerk_00"),
        },
        {
            "name": "clerk_search",
            **get(f"{changelist}?q={word}", clerk, "bench_clerk_00"),
        },
        {
            # Page 200 as a clerk reaches it: by "Next page" links, i.e. the
            # keyset cursor of the last row of page 199 (CaseChangeList).
            "name": "clerk_page200",
            **get(
                f"{changelist}?after={urllib.parse.quote(seed['page200_cursor'])}",
                clerk,
                "bench_clerk_00",
            ),
        },
        {
            # The same page by its number: an OFFSET, bounded by the cap.
            "name": "clerk_page200_offset",
            **get(f"{changelist}?p={seed['page200']}", clerk, "bench_clerk_00"),
        },
        {"name": "clerk_page1", **get(changelist + "?p=1", clerk, "bench_clerk_00")},
        {
            "name": "case_admin_long",
            **get(f"{changelist}{long_case}/change/", clerk, "bench_clerk_00"),
        },
        {
            "name": "clerk_changelist_small_unit",
            **get(
                changelist,
                cookie_header(sessions[seed["small_clerk"]]),
                seed["small_clerk"],
            ),
        },
        {
            "name": "case_admin_short",
            "count_only": True,
            **get(f"{changelist}{short_case}/change/", clerk, "bench_clerk_00"),
        },
        {
            "name": "case_history_long",
            **get(f"{changelist}{long_case}/history/", clerk, "bench_clerk_00"),
        },
        {
            "name": "case_history_short",
            "count_only": True,
            **get(f"{changelist}{short_case}/history/", clerk, "bench_clerk_00"),
        },
        {
            "name": "resident_my_matters",
            **get("/cases/", resident, "bench_resident_00"),
        },
        {
            "name": "resident_case",
            **get(f"/cases/{seed['resident_case_id']}/", resident, "bench_resident_00"),
        },
    ]
    if tokens.get("bench_grid_00"):
        out.append(
            {
                "name": "api_grid_events",
                "path": "/api/v1/events/",
                "headers": {"Authorization": f"Bearer {tokens['bench_grid_00']}"},
                "user": None,
            }
        )
    if csrf.get("token"):
        body = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": csrf["token"],
                "title": "3号楼楼道天花板漏水",
                "description": "3号楼楼道天花板漏水，已经持续一段时间。",
            }
        )
        out.append(
            {
                "name": "filing",
                "method": "POST",
                "path": f"/services/{seed['filing_category']}/file/",
                "body": body,
                "headers": {
                    "Cookie": cookie_header(csrf["jar"]),
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                "user": "bench_filer_00",
                "data": {
                    "title": "3号楼楼道天花板漏水",
                    "description": "3号楼楼道天花板漏水，已经持续一段时间。",
                },
            }
        )
    return out


def mixed(seed, sessions, tokens, available: set) -> list[dict]:
    """50 users: 70% clerk pages, 15% API, 10% resident pages, 5% oversight
    (not built yet: its share goes to the clerk pages)."""
    word = urllib.parse.quote(seed["search_word"])
    clerk_paths = [
        "/admin/cases/case/",
        "/admin/cases/case/?colour=red",
        f"/admin/cases/case/?q={word}",
        "/admin/cases/case/?p=2",
        f"/admin/cases/case/{seed['short_case_id']}/change/",
    ]
    items = []
    clerks = [u for u in sessions if u.startswith("bench_clerk_")]
    for user in clerks:
        for path in clerk_paths:
            items.append(
                {
                    "path": path,
                    "headers": {"Cookie": cookie_header(sessions[user])},
                    "weight": 75 / (len(clerks) * len(clerk_paths)),
                }
            )
    grid = [u for u in tokens if tokens[u]]
    api_share = 15 if grid and "api_grid_events" in available else 0
    for user in grid if api_share else []:
        items.append(
            {
                "path": "/api/v1/events/",
                "headers": {"Authorization": f"Bearer {tokens[user]}"},
                "weight": api_share / len(grid),
            }
        )
    residents = [u for u in sessions if u.startswith("bench_resident_")]
    for user in residents:
        items.append(
            {
                "path": "/cases/",
                "headers": {"Cookie": cookie_header(sessions[user])},
                "weight": 10 / len(residents),
            }
        )
    if not api_share:  # the API's share goes to the clerk pages
        for item in items[: len(clerks) * len(clerk_paths)]:
            item["weight"] *= 90 / 75
    return items


def _ms(stats, key):
    # No completed request in the run: no latency to report (not zero).
    return stats[key] / 1000 if stats["requests"] else None


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 2) if values else None


def run_rounds(name, items, bare_items, connections, server) -> dict:
    script = write_lua(name, items)
    bare = write_lua(name + "-bare", bare_items)
    wrk(script, connections, 2)  # warm-up, not recorded
    wrk(bare, connections, 2)
    rounds = []
    load_before = os.getloadavg()[0]
    for _ in range(ROUNDS):
        b = wrk(bare, connections, DURATION)
        s = wrk(script, connections, DURATION)
        rounds.append(
            {
                "bare": b,
                "scenario": s,
                "share": s["rps"] / b["rps"] if b["rps"] else None,
            }
        )
    return {
        "connections": connections,
        "rps": median([r["scenario"]["rps"] for r in rounds]),
        "bare_rps": median([r["bare"]["rps"] for r in rounds]),
        "share_of_bare": median([r["share"] for r in rounds]),
        "p50_ms": median([_ms(r["scenario"], "p50") for r in rounds]),
        "p95_ms": median([_ms(r["scenario"], "p95") for r in rounds]),
        "p99_ms": median([_ms(r["scenario"], "p99") for r in rounds]),
        "bare_p95_ms": median([_ms(r["bare"], "p95") for r in rounds]),
        "errors": sum(r["scenario"]["errors"] for r in rounds),
        "non_2xx_3xx": sum(r["scenario"]["status_errors"] for r in rounds),
        "requests": sum(r["scenario"]["requests"] for r in rounds),
        "peak_rss_mib": server.peak_rss_mib(),
        # The machine's 1-minute load average before and after: other work on
        # the 2 cores shows here.
        "loadavg": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "rounds": rounds,
    }


def count_queries(db: str, items: list[dict]) -> dict:
    payload = [
        {
            k: v
            for k, v in item.items()
            if k in ("name", "path", "user", "method", "data")
        }
        | {
            "headers": {
                k: v for k, v in item.get("headers", {}).items() if k == "Authorization"
            },
            "keep_sql": True,
        }
        for item in items
    ]
    result = subprocess.run(
        [PY, str(ROOT / "bench" / "querycount.py")],
        cwd=ROOT,
        env=server_env(db),
        input=json.dumps(payload),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        log("querycount failed: " + result.stderr[-2000:])
        return {}
    return json.loads(result.stdout)


def bench_size(size: str, only: set | None) -> dict:
    db = f"yiwang_bench_{size}"
    seed = ensure_seeded(size)
    collectstatic(db)
    db_bytes = int(psql(f"SELECT pg_database_size('{db}')"))
    # Page 200 of the capped list (10,000 rows, 50 a page), or the last page
    # where the busiest department has fewer cases (100k).
    busiest = int(
        psql(
            "SELECT count(*) FROM cases_case WHERE department_id = "
            f"{seed['busiest_department']['id']}",
            db,
        )
    )
    seed["page200"] = max(1, min(200, min(busiest, 10_000) // 50))
    # A two-character word the busiest department's clerks search for (its
    # titles are about noise, street trading, lights...): real hits.
    seed["search_word"] = os.environ.get("BENCH_SEARCH_WORD", "噪声")
    seed["page200_cursor"] = page_cursor(db, "bench_clerk_00", seed["page200"])
    result = {
        "size": size,
        "cases": seed["cases"],
        "db": db,
        "seed": seed,
        "db_options": DB_OPTIONS,
        "workers": WORKERS,
        "duration_s": DURATION,
        "rounds": ROUNDS,
        "tool": "wrk " + subprocess.getoutput("wrk -v 2>&1 | head -1"),
        "db_bytes": db_bytes,
        "db_gib_per_million": round(db_bytes / 2**30 / (seed["cases"] / 1e6), 2),
        "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "scenarios": {},
    }
    with Server(db):
        users = (
            ["bench_clerk_00", "bench_resident_00"]
            + [f"bench_clerk_{n:02d}" for n in range(1, 20)]
            + [f"bench_resident_{n:02d}" for n in range(1, 10)]
        )
        seed["small_clerk"] = small_unit_clerk(db)
        sessions = {u: login(u) for u in users + [seed["small_clerk"]]}
        verify_second_factor(db, sessions)
        tokens = {
            f"bench_grid_{n:02d}": api_token(f"bench_grid_{n:02d}") for n in range(5)
        }
        filer = login("bench_filer_00")
        token = csrf_for(f"/services/{seed['filing_category']}/file/", filer)
        items = scenarios(seed, sessions, tokens, {"token": token, "jar": filer})
    counts = count_queries(db, items)
    result["queries"] = counts
    available = {
        i["name"]
        for i in items
        if counts.get(i["name"], {}).get("status") in (200, 302)
    }
    result["missing"] = {
        i["name"]: counts.get(i["name"], {}).get("status")
        for i in items
        if i["name"] not in available
    }
    for item in items:
        if item["name"] not in available or item.get("count_only"):
            continue
        if only and item["name"] not in only:
            continue
        log(f"{size} {item['name']}")
        with Server(db) as server:
            if item["name"] == "api_grid_events":
                # A fresh token: the one taken at the start of the size's run
                # has expired by now (SIMPLE_JWT's access lifetime), and an
                # expired token measures 401s.
                token = api_token("bench_grid_00")
                item["headers"] = {"Authorization": f"Bearer {token}"}
            bare = [{"path": "/bench/bare/", "headers": item.get("headers", {})}]
            before = (
                int(psql("SELECT count(*) FROM cases_case", db))
                if item["name"] == "filing"
                else None
            )
            stats = run_rounds(
                f"{size}-{item['name']}", [item], bare, CONNECTIONS, server
            )
            if before is not None:
                stats["cases_created"] = (
                    int(psql("SELECT count(*) FROM cases_case", db)) - before
                )
                stats["filings_per_second"] = round(
                    stats["cases_created"] / ((2 + DURATION * ROUNDS) or 1), 1
                )
        stats["queries"] = counts.get(item["name"], {}).get("queries")
        result["scenarios"][item["name"]] = stats
    if not only or "mixed" in only:
        log(f"{size} mixed")
        with Server(db) as server:
            sessions = {u: login(u) for u in users}
            verify_second_factor(db, sessions)
            tokens = {
                f"bench_grid_{n:02d}": api_token(f"bench_grid_{n:02d}")
                for n in range(5)
            }
            load = mixed(seed, sessions, tokens, available)
            bare = [
                {"path": "/bench/bare/", "headers": i["headers"], "weight": i["weight"]}
                for i in load
            ]
            result["scenarios"]["mixed_50"] = run_rounds(
                f"{size}-mixed", load, bare, MIXED_CONNECTIONS, server
            )
    path = VAR / f"results-{size}.json"
    if only and path.exists():  # a partial run adds to the last full one
        earlier = json.loads(path.read_text())
        earlier["scenarios"].update(result["scenarios"])
        earlier["queries"].update(result["queries"])
        result = earlier
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    log(f"wrote {path}")
    return result


def _stop(signum, _frame):
    raise SystemExit(128 + signum)  # so that each Server stops its gunicorn


def main() -> None:
    signal.signal(signal.SIGTERM, _stop)
    VAR.mkdir(parents=True, exist_ok=True)
    ensure_wrk()
    sizes = os.environ.get("BENCH_SIZES", "100k 1m").split()
    only = set(os.environ.get("BENCH_ONLY", "").split()) or None
    for size in sizes:
        bench_size(size, only)
    subprocess.run([PY, str(ROOT / "bench" / "report.py")], cwd=ROOT, check=False)


if __name__ == "__main__":
    main()
