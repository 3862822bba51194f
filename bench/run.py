#!/usr/bin/env python3
"""`make bench`: every page measured side by side with a bare view.

For each data size (BENCH_SIZES, default "100k 1m"; "10m" when there is the
disk and the time), on its own database yiwang_bench_<size>:

1. seed it with `manage.py seed_bench` if it has no seed summary yet (a
   seeded database whose summary is missing is never dropped: the run stops
   and says where the summary should be);
2. for each scenario whose page exists, start gunicorn afresh with the
   options docs/deployment.md recommends (production settings: DEBUG off, a
   SECRET_KEY, no SSL redirect on loopback; sessions from Redis when one
   answers), log the bench users in over HTTP for session cookies (a JWT for
   the API, with the second factor's code for staff), warm up, then three
   rounds of: wrk on the bare view, wrk on the scenario, with the same
   connections and cookies; medians are reported;
3. peak RSS per worker from /proc/<pid>/status (VmHWM) after the scenario;
4. queries per request in a separate process with Django's test Client
   (bench/querycount.py), so the load run carries no instrumentation.

Results go to var/bench/results-<size>.json (the latest of each size; every
run is also kept in var/bench/history/), with the commit, the load average
and the server's options; bench/report.py writes docs/benchmarks.md and the
chart from the latest results of every size. The load tool is wrk (C, one
thread per core at most) so that it takes little CPU from the server on 2
cores. It measures and reports; it never fails on a target.
"""

import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Results, seed summaries, wrk scripts. A run from a snapshot of the tree
# (git archive) points this at a lasting folder, so that the results of the
# sizes it did not measure, and the seed summaries, are found again.
VAR = Path(os.environ.get("BENCH_VAR_DIR", str(ROOT / "var" / "bench"))).resolve()
LUA = Path(__file__).resolve().parent / "lua"
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PORT = int(os.environ.get("BENCH_PORT", "8765"))
HOST = "127.0.0.1"
SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
# The databases are <prefix><size>; another prefix runs the whole bench on
# databases of one's own (e.g. BENCH_DB_PREFIX=yiwang_helper_me_ BENCH_SIZES=20k).
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "yiwang_bench_")
DURATION = int(os.environ.get("BENCH_DURATION", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
# sync (one request at a time per worker) or gthread (BENCH_THREADS threads
# per worker, keep-alive connections); see docs/deployment.md.
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "sync")
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
# The rest of docs/deployment.md's recommendation ("" leaves it out).
GUNICORN_ARGS = os.environ.get(
    "BENCH_GUNICORN_ARGS", "--preload --max-requests 2000 --max-requests-jitter 200"
).split()
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


def size_cases(size: str) -> int:
    """100k -> 100,000; 1m -> 1,000,000; 10m; any <number>k or <number>m."""
    if size in SIZES:
        return SIZES[size]
    match = re.fullmatch(r"(\d+)([km])", size)
    if not match:
        raise SystemExit(f"unknown size {size!r}: use e.g. 100k, 1m, 10m")
    return int(match.group(1)) * (1_000 if match.group(2) == "k" else 1_000_000)


def _redis_url(variable: str, default: str) -> str:
    """A URL from the environment; a redis:// one only if a Redis answers
    there, else ""."""
    url = os.environ.get(variable, default)
    if not url.startswith("redis://"):
        return url
    where = urllib.parse.urlsplit(url)
    try:
        socket.create_connection((where.hostname, where.port or 6379), 2).close()
    except OSError:
        return ""
    return url


# The cache the server under test uses: Redis, as docs/deployment.md
# recommends, so that sessions are read from it (cached_db). BENCH_CACHE_URL
# names another; "" measures the local-memory cache (sessions in the
# database only). Without a Redis answering, the local-memory cache.
CACHE_URL = _redis_url("BENCH_CACHE_URL", "redis://127.0.0.1:6379/2")


# The Celery broker: production runs the notifications of a filing or a
# workflow step on a worker (docs/deployment.md), so the bench does too, on
# the same 2 cores: a worker (BENCH_CELERY_CONCURRENCY processes) runs
# beside gunicorn, and the filing scenario reports how long the queue took
# to empty after the load (a rate the worker cannot keep up with is not
# sustained). BENCH_BROKER_URL="" runs the tasks inside the request
# (eager), as the rounds before 2026-12-06 did.
BROKER_URL = _redis_url("BENCH_BROKER_URL", "redis://127.0.0.1:6379/3")
CELERY_CONCURRENCY = int(os.environ.get("BENCH_CELERY_CONCURRENCY", "2"))


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
            "CELERY_TASK_ALWAYS_EAGER": "0" if BROKER_URL else "1",
            "CELERY_BROKER_URL": BROKER_URL,
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
    if CACHE_URL:
        env["CACHE_URL"] = CACHE_URL
    else:
        env.pop("CACHE_URL", None)
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


def seeded_cases(db: str) -> int:
    """How many cases the database holds (0 without the table)."""
    try:
        return int(psql("SELECT count(*) FROM (SELECT FROM cases_case LIMIT 1) x", db))
    except subprocess.CalledProcessError:
        return 0


def ensure_seeded(size: str) -> dict:
    db = DB_PREFIX + size
    summary = VAR / f"seed-{db}.json"
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'") == "1"
    if exists and summary.exists():
        # Seeded earlier: bring its schema up to the code under test.
        env = server_env(db) | {"DEBUG": "1", "DATABASE_URL": PG + db}
        subprocess.run(
            [PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )
        return json.loads(summary.read_text())
    if exists and seeded_cases(db) and os.environ.get("BENCH_RESEED") != "1":
        # Never drop hours of seeding because a summary file is elsewhere
        # (a run from a fresh snapshot of the tree has an empty var/).
        raise SystemExit(
            f"{db} is seeded but {summary} is missing: copy the summary that "
            "seed_bench wrote (var/bench/seed-<db>.json in the tree that seeded "
            "it), or point BENCH_VAR_DIR at that folder; BENCH_RESEED=1 drops "
            "the database and seeds it again."
        )
    log(f"seeding {db} with {size_cases(size):,} cases")
    psql(f"DROP DATABASE IF EXISTS {db}")
    psql(
        f"CREATE DATABASE {db} ENCODING 'UTF8' TEMPLATE template0 "
        "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
    )
    env = server_env(db) | {"DEBUG": "1", "DATABASE_URL": PG + db}
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [
            PY,
            "manage.py",
            "seed_bench",
            "--cases",
            str(size_cases(size)),
            "--summary",
            str(summary),
        ],
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


def gunicorn_command() -> list[str]:
    return [
        GUNICORN,
        "portal.wsgi:application",
        "--workers",
        str(WORKERS),
        "--worker-class",
        WORKER_CLASS,
        "--threads",
        str(THREADS),
        "--bind",
        f"{HOST}:{PORT}",
        "--backlog",
        "2048",
        "--timeout",
        "120",
        # The heartbeat file of each worker on tmpfs, not on a disk that the
        # database and the test suites keep busy.
        "--worker-tmp-dir",
        "/dev/shm",
        "--log-level",
        "warning",
        *GUNICORN_ARGS,
    ]


def worker_command() -> list[str]:
    """The Celery worker beside gunicorn (bench/worker_cost.py starts the same)."""
    return [
        str(ROOT / ".venv" / "bin" / "celery"),
        "-A",
        "portal",
        "worker",
        "--concurrency",
        str(CELERY_CONCURRENCY),
        "--loglevel",
        "WARNING",
        "--without-gossip",
        "--without-mingle",
    ]


class Server:
    def __init__(self, db: str):
        self.db = db
        self.proc = None

    def __enter__(self):
        self.proc = subprocess.Popen(
            gunicorn_command(),
            cwd=ROOT,
            env=server_env(self.db),
            start_new_session=False,
        )
        self.worker = None
        if BROKER_URL:
            self.worker = subprocess.Popen(
                worker_command(),
                cwd=ROOT,
                env=server_env(self.db),
                stdout=subprocess.DEVNULL,
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
        for proc in (self.proc, getattr(self, "worker", None)):
            if proc and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def broker_backlog() -> int:
    """Tasks waiting in the broker or taken by the worker and not yet done
    (Celery on Redis: the queue's list and the unacked hash)."""
    import redis

    client = redis.Redis.from_url(BROKER_URL)
    return int(client.llen("celery")) + int(client.hlen("unacked"))


# What a filing writes that refers to its case, child tables first, as
# "DELETE ... WHERE" conditions on the filings' ids (> %(before)s).
FILING_ROWS = [
    (
        "notifications_delivery",
        "notification_id IN (SELECT id FROM"
        " notifications_notification WHERE case_id > %(before)s)",
    ),
    (
        "notifications_deliveredevent",
        "event_id IN (SELECT id FROM cases_caseevent WHERE case_id > %(before)s)",
    ),
    ("notifications_notification", "case_id > %(before)s"),
    ("notifications_reminder", "case_id > %(before)s"),
    (
        "cases_historicalcaseevent",
        "id IN (SELECT id FROM cases_caseevent WHERE case_id > %(before)s)",
    ),
    ("cases_caseuserobjectpermission", "content_object_id > %(before)s"),
    ("cases_casegroupobjectpermission", "content_object_id > %(before)s"),
    ("cases_attachment", "case_id > %(before)s"),
    ("cases_caseevent", "case_id > %(before)s"),
    ("cases_historicalcase", "id > %(before)s"),
    ("cases_case", "id > %(before)s"),
]


def delete_filings(db: str, before: int) -> None:
    """Delete the cases the filing scenario made (ids above ``before``) and
    the rows that refer to them, in one transaction, so that each run
    measures the district the seed made. Kept, the filings (~2,000 a run,
    all in one unit, all titled with the bench's search word) became the
    district's newest rows: 9,378 of them after five runs at 10M, which
    moved every walk of the newest rows and every search from run to run
    (docs/benchmarks.md, round 6). A table the list misses stops the run
    (its foreign key refuses the case's deletion) and deletes nothing."""
    statements = [
        f"DELETE FROM {table} WHERE {where % {'before': int(before)}}"
        for table, where in FILING_ROWS
    ]
    psql("BEGIN; " + "; ".join(statements) + "; COMMIT", db)


def wait_for_worker(limit: float = 600.0) -> float | None:
    """Seconds until the worker has done every queued task; None if the
    queue did not empty within the limit."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if broker_backlog() == 0:
            return round(time.monotonic() - started, 1)
        time.sleep(0.5)
    return None


def purge_broker() -> None:
    """The bench's broker database starts empty (a run stopped midway, or
    the query counter's filing, leaves tasks behind)."""
    import redis

    redis.Redis.from_url(BROKER_URL).flushdb()


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


# The bench staff's authenticator key (hex, 20 bytes; bench databases only).
TOTP_KEY = os.environ.get("BENCH_TOTP_KEY", b"yiwang-bench-totp-k!".hex())
TOTP_STEP = 30
_last_step: dict[str, int] = {}


def totp_code(key_hex: str, at: float | None = None) -> tuple[str, int]:
    """RFC 6238 (HMAC-SHA1, 30 s, 6 digits, django-otp's TOTPDevice
    defaults): the code for the time `at` and its time step."""
    step = int((time.time() if at is None else at) // TOTP_STEP)
    digest = hmac.new(
        bytes.fromhex(key_hex), step.to_bytes(8, "big"), hashlib.sha1
    ).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{number % 10**6:06d}", step


def next_code(username: str) -> str:
    """A code the site has not seen from this user yet: django-otp accepts
    each time step once, so a second login within the same 30 seconds
    waits for the next step (a refused code would count toward the lockout)."""
    code, step = totp_code(TOTP_KEY)
    if step <= _last_step.get(username, -1):
        time.sleep(TOTP_STEP - time.time() % TOTP_STEP + 0.5)
        code, step = totp_code(TOTP_KEY)
    _last_step[username] = step
    return code


def verify_second_factor(db: str, jars: dict, users: tuple = ()) -> set[str]:
    """Staff pass a second factor (django-otp) after the password, on the
    site and at the API's token endpoint. The bench is a measurement
    harness, not a person with a phone: it gives each bench staff user (of
    `jars` and `users`) a confirmed authenticator device named "bench" with
    the bench's key (BENCH_TOTP_KEY; bench databases only), marks each
    staff session of `jars` as verified with that device (django-otp's
    session key, which is what the site's second-factor step stores once a
    code is accepted), and computes the codes the token endpoint asks for
    (api_token). Returns the staff among the users; without django-otp
    installed it does nothing."""
    code = (
        "import json, sys, django; django.setup()\n"
        "from django.conf import settings\n"
        "if 'django_otp.plugins.otp_totp' not in settings.INSTALLED_APPS:\n"
        "    print('{}'); sys.exit(0)\n"
        "from importlib import import_module\n"
        "from django_otp import DEVICE_ID_SESSION_KEY\n"
        "from django_otp.plugins.otp_totp.models import TOTPDevice\n"
        "from portal.accounts.models import User\n"
        "store = import_module(settings.SESSION_ENGINE).SessionStore\n"
        "given = json.load(sys.stdin)\n"
        "staff = {}\n"
        "for username in given['users']:\n"
        "    user = User.objects.get(username=username)\n"
        "    if not user.is_staff: continue\n"
        "    device, _ = TOTPDevice.objects.get_or_create(\n"
        "        user=user, name='bench', defaults={'key': given['key']})\n"
        "    if device.key != given['key'] or not device.confirmed:\n"
        "        device.key, device.confirmed, device.drift = given['key'], True, 0\n"
        "        device.save()\n"
        "    staff[username] = device.persistent_id\n"
        "for username, key in given['sessions']:\n"
        "    if username not in staff: continue\n"
        "    session = store(session_key=key)\n"
        "    session[DEVICE_ID_SESSION_KEY] = staff[username]\n"
        "    session.save()\n"
        "print(json.dumps(staff))\n"
    )
    sessions = [
        [user.split("#")[0], jar["sessionid"]]
        for user, jar in jars.items()
        if "sessionid" in jar
    ]
    given = {
        "key": TOTP_KEY,
        "users": sorted({u for u, _k in sessions} | set(users)),
        "sessions": sessions,
    }
    env = server_env(db) | {"DJANGO_SETTINGS_MODULE": "portal.settings"}
    out = subprocess.run(
        [PY, "-c", code],
        cwd=ROOT,
        env=env,
        input=json.dumps(given),
        check=True,
        capture_output=True,
        text=True,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def api_token(username: str, staff: bool = False) -> str | None:
    """A JWT from the token endpoint, with the authenticator code for staff
    (grid workers are staff). A refusal is logged: a scenario without its
    token is reported as not measured, never silently dropped."""
    given = {"username": username, "password": PASSWORD}
    if staff:
        given["otp_token"] = next_code(username)
    try:
        status, _h, data = request(
            "POST",
            "/api/v1/auth/token/",
            json.dumps(given),
            {"Content-Type": "application/json"},
        )
    except OSError as error:
        log(f"token for {username}: {error}")
        return None
    if status != 200:
        log(f"token for {username} refused: {status} {data[:200]!r}")
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
    """A clerk of the functional unit with the fewest cases: the worst case
    of a list that filters by visibility. The cases are counted once per
    unit (not once per clerk: minutes at 10M)."""
    return psql(
        "WITH counted AS (SELECT department_id, count(*) AS n FROM cases_case "
        "GROUP BY department_id) "
        "SELECT u.username FROM accounts_staffmembership m "
        "JOIN accounts_user u ON u.id = m.user_id "
        "JOIN accounts_department d ON d.id = m.department_id "
        "LEFT JOIN counted c ON c.department_id = d.id "
        "WHERE u.username LIKE 'clerk\\_%' AND d.kind = 'functional' "
        "ORDER BY coalesce(c.n, 0), u.id "
        "LIMIT 1",
        db,
    )


def remembered_small_unit_clerk(db: str) -> str:
    """small_unit_clerk, counted on the first run and then kept in the seed
    summary (its GROUP BY read every case: ~5 minutes at 10M on a slow
    machine, before each run). The runs file cases and delete them after
    (delete_filings), so which unit has the fewest stays the same."""
    summary = VAR / f"seed-{db}.json"
    if not summary.exists():
        return small_unit_clerk(db)
    seed = json.loads(summary.read_text())
    if not seed.get("small_clerk"):
        seed["small_clerk"] = small_unit_clerk(db)
        summary.write_text(json.dumps(seed, ensure_ascii=False, indent=2))
    return seed["small_clerk"]


def page_cursor(db: str, username: str, page: int, per_page: int = 50) -> str:
    """The ``?after=`` cursor that shows ``page`` of the user's changelist:
    the last row of the page before (portal.cases.admin_changelist.format_cursor)."""
    if page <= 1:
        return ""
    code = (
        "import django; django.setup()\n"
        "from portal.accounts.models import User\n"
        "from portal.cases.admin_changelist import format_cursor\n"
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


def cpu_steal(path: str = "/proc/stat") -> tuple[int, int] | None:
    """The machine's CPU time taken by the hypervisor for other guests
    ("steal") and all its CPU time, in ticks since boot: /proc/stat's first
    line (user, nice, system, idle, iowait, irq, softirq, steal; the guest
    times after them are already counted in user and nice). None where the
    file is not there or not of that form."""
    try:
        with open(path) as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    if len(fields) < 9 or fields[0] != "cpu":
        return None
    ticks = [int(value) for value in fields[1:9]]
    return ticks[7], sum(ticks)


def steal_percent(before, after) -> float | None:
    """The share of the CPU time between two cpu_steal() readings that the
    hypervisor gave to other guests: a scenario measured while it was high
    measured the host's other work as much as the site (round 16: 12-20 %
    in some seconds of a run, when a bare view's p95 went from ~6 to 24 ms)."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    return round(100 * (after[0] - before[0]) / (after[1] - before[1]), 1)


def run_rounds(name, items, bare_items, connections, server) -> dict:
    script = write_lua(name, items)
    bare = write_lua(name + "-bare", bare_items)
    wrk(script, connections, 2)  # warm-up, not recorded
    wrk(bare, connections, 2)
    rounds = []
    load_before = os.getloadavg()[0]
    steal_before = cpu_steal()
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
        # The CPU time the hypervisor gave other guests during the rounds.
        "steal_pct": steal_percent(steal_before, cpu_steal()),
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
        env=server_env(db) | {"BENCH_TOTP_KEY": TOTP_KEY},
        input=json.dumps(payload),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        log("querycount failed: " + result.stderr[-2000:])
        return {}
    return json.loads(result.stdout)


def commit() -> str:
    """The commit under test: BENCH_COMMIT (a snapshot has no .git), or
    HEAD of the tree, marked "+changes" when it has uncommitted ones."""
    if os.environ.get("BENCH_COMMIT"):
        return os.environ["BENCH_COMMIT"]
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if head.returncode:
        return "unknown"
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return head.stdout.strip() + ("+changes" if dirty else "")


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def bench_size(size: str, only: set | None) -> dict:
    db = DB_PREFIX + size
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
        "commit": commit(),
        "gunicorn": " ".join(gunicorn_command()[2:]),
        "cache": CACHE_URL or "local memory (sessions in the database)",
        "celery": (
            f"worker on {BROKER_URL}, concurrency {CELERY_CONCURRENCY}"
            if BROKER_URL
            else "eager (tasks inside the request)"
        ),
        "loadavg_start": load_average(),
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
        seed["small_clerk"] = remembered_small_unit_clerk(db)
        sessions = {u: login(u) for u in users + [seed["small_clerk"]]}
        grid = [f"bench_grid_{n:02d}" for n in range(5)]
        staff = verify_second_factor(db, sessions, grid)
        tokens = {u: api_token(u, u in staff) for u in grid}
        filer = login("bench_filer_00")
        token = csrf_for(f"/services/{seed['filing_category']}/file/", filer)
        items = scenarios(seed, sessions, tokens, {"token": token, "jar": filer})
    # The newest case before anything here files one (the query counter
    # files twice): the filings above it are deleted after the filing
    # scenario (delete_filings).
    seeded_up_to = int(psql("SELECT coalesce(max(id), 0) FROM cases_case", db))
    counts = count_queries(db, items)
    result["queries"] = counts
    if counts:
        available = {
            i["name"]
            for i in items
            if counts.get(i["name"], {}).get("status") in (200, 302)
        }
    else:  # the counter failed (logged): measure every page, queries unknown
        available = {i["name"] for i in items}
    result["missing"] = {
        i["name"]: counts.get(i["name"], {}).get("status")
        for i in items
        if i["name"] not in available
    }
    if not tokens.get("bench_grid_00"):
        result["missing"]["api_grid_events"] = "no API token (see the log)"
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
                token = api_token("bench_grid_00", "bench_grid_00" in staff)
                item["headers"] = {"Authorization": f"Bearer {token}"}
            bare = [{"path": "/bench/bare/", "headers": item.get("headers", {})}]
            # The newest case id before, and the cases above it after: no
            # count of the whole table (seconds at 10M).
            before = (
                int(psql("SELECT coalesce(max(id), 0) FROM cases_case", db))
                if item["name"] == "filing"
                else None
            )
            stats = run_rounds(
                f"{size}-{item['name']}", [item], bare, CONNECTIONS, server
            )
            if before is not None:
                loaded = 2 + DURATION * ROUNDS  # warm-up and rounds of filing
                stats["cases_created"] = int(
                    psql(f"SELECT count(*) FROM cases_case WHERE id > {before}", db)
                )
                stats["filings_per_second"] = round(
                    stats["cases_created"] / (loaded or 1), 1
                )
                if BROKER_URL:
                    # Sustained: the filings over the time until their
                    # notifications were delivered too (the bare rounds in
                    # between gave the worker time as well: counted).
                    drained = wait_for_worker()
                    stats["worker_drain_s"] = drained
                    stats["filings_per_second_sustained"] = (
                        round(stats["cases_created"] / (loaded + drained), 1)
                        if drained is not None
                        else None
                    )
                delete_filings(db, seeded_up_to)
        stats["queries"] = counts.get(item["name"], {}).get("queries")
        result["scenarios"][item["name"]] = stats
    if not only or "mixed" in only:
        log(f"{size} mixed")
        with Server(db) as server:
            sessions = {u: login(u) for u in users}
            staff = verify_second_factor(db, sessions, grid)
            tokens = {u: api_token(u, u in staff) for u in grid}
            load = mixed(seed, sessions, tokens, available)
            bare = [
                {"path": "/bench/bare/", "headers": i["headers"], "weight": i["weight"]}
                for i in load
            ]
            result["scenarios"]["mixed_50"] = run_rounds(
                f"{size}-mixed", load, bare, MIXED_CONNECTIONS, server
            )
    result["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
    result["loadavg_end"] = load_average()
    # Every run is kept (history/); results-<size>.json is the latest of
    # the size, which bench/report.py reads.
    stamp = time.strftime("%Y%m%d-%H%M%S")
    history = VAR / "history" / f"results-{size}-{stamp}.json"
    history.parent.mkdir(parents=True, exist_ok=True)
    history.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    path = VAR / f"results-{size}.json"
    if only and path.exists():  # a partial run adds to the last full one
        earlier = json.loads(path.read_text())
        earlier["scenarios"].update(result["scenarios"])
        earlier["queries"].update(result["queries"])
        earlier.setdefault("partial_runs", []).append(
            {
                "started": result["started"],
                "only": sorted(only),
                "commit": result["commit"],
            }
        )
        result = earlier
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    log(f"wrote {path} (and {history.name})")
    return result


def _stop(signum, _frame):
    raise SystemExit(128 + signum)  # so that each Server stops its gunicorn


def main() -> None:
    signal.signal(signal.SIGTERM, _stop)
    VAR.mkdir(parents=True, exist_ok=True)
    ensure_wrk()
    if BROKER_URL:
        purge_broker()
    sizes = os.environ.get("BENCH_SIZES", "100k 1m").split()
    only = set(os.environ.get("BENCH_ONLY", "").split()) or None
    for size in sizes:
        bench_size(size, only)
    subprocess.run([PY, str(ROOT / "bench" / "report.py")], cwd=ROOT, check=False)


if __name__ == "__main__":
    main()
