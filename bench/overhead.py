#!/usr/bin/env python3
"""What one request costs in the server's own process, without wrk or queueing.

Calls the WSGI application directly (as gunicorn's sync worker does) with the
bench's environment (bench/run.py ``server_env``: production settings), one
request at a time, and reports the median wall time, Python CPU time and
database time per request for:

- ``bare``: /bench/bare/ without a session (the yardstick),
- ``bare_session``: /bench/bare/ with a logged-in resident's session,
- ``my_matters``: the resident's "my matters" (/cases/),
- ``resident_case``: the resident's case page (/cases/<id>/, the seed
  summary's ``resident_case_id``, the page bench/run.py measures),
- the clerk's admin pages (bench_clerk_00, second factor passed):
  ``changelist`` (/admin/cases/case/), ``changelist_search`` (``?q=噪声``),
  ``changelist_overdue`` (``?colour=red``),
  ``case_page`` and ``case_history`` (the 42-event case's change and
  history pages; its id from the seed summary, ``long_case_id``),
- ``changelist_small_unit``: the changelist of a clerk of the unit with the
  fewest cases (bench/run.py's remembered_small_unit_clerk, the scenario
  clerk_changelist_small_unit, found once per seeded database and kept in
  its seed summary; BENCH_SMALL_CLERK names the clerk instead),
- ``api_events``: the grid worker's API list (/api/v1/events/ for
  bench_grid_00 with a Bearer access token, the scenario api_grid_events),
- ``filing``, only when BENCH_PAGES names it: the scenario filing's POST
  (/services/<filing_category>/file/ as bench_filer_00), its notification
  task run in the process (eager): the Python CPU of a filing but Celery's
  own. It WRITES a case per request (210 by default): run it on a database
  of your own seeded with seed_bench (BENCH_VAR_DIR for its summary), never
  on the bench's.

Then, for ``bare_session``, what each middleware adds: the same request with
that one middleware left out (a middleware that later ones need, such as the
session or authentication middleware, is left out together with them).

    BENCH_DB=yiwang_bench_100k .venv/bin/python bench/overhead.py
    BENCH_PROFILE=my_matters .venv/bin/python bench/overhead.py   # + pyinstrument
    BENCH_PROFILE=changelist BENCH_PROFILE_FLAT=40 ...   # cProfile's top 40 instead
    BENCH_PROFILE_DUMP=/tmp/x.prof ...   # with _FLAT: keep cProfile's stats too
    BENCH_PAGES=changelist,case_page BENCH_COMPARE=0 BENCH_MIDDLEWARE=0 \
        .venv/bin/python bench/overhead.py       # only these pages, no tables

A measurement tool for the bench's notes; it writes nothing but the sessions
its requests write (one login per user, as the bench's own logins do) and,
if bench/run.py has not made it yet, the clerk's "bench" authenticator
device. Production settings serve static files from a collected manifest:
BENCH_STATIC_ROOT names a directory collected apart from the bench's own
(``manage.py collectstatic`` with the same STATIC_ROOT).
"""

import io
import json
import os
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import server_env  # noqa: E402

DB = os.environ.get("BENCH_DB", "yiwang_bench_100k")
REPEAT = int(os.environ.get("BENCH_REPEAT", "200"))
RESIDENT = os.environ.get("BENCH_RESIDENT", "bench_resident_00")
CLERK = os.environ.get("BENCH_CLERK", "bench_clerk_00")
SEARCH_WORD = os.environ.get("BENCH_SEARCH_WORD", "噪声")
FILER = os.environ.get("BENCH_FILER", "bench_filer_00")
GRID_WORKER = os.environ.get("BENCH_GRID_WORKER", "bench_grid_00")
os.environ.update(server_env(DB))
if os.environ.get("BENCH_STATIC_ROOT"):  # collected apart from the bench's own
    os.environ["STATIC_ROOT"] = os.environ["BENCH_STATIC_ROOT"]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.middleware.csrf import get_token  # noqa: E402
from django.test import Client, RequestFactory, override_settings  # noqa: E402

# Middleware that later middleware or the page need: leaving one out leaves
# out those too.
DEPENDENTS = {
    "django.contrib.sessions.middleware.SessionMiddleware": {
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "portal.accounts.middleware.AccountSecurityMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "axes.middleware.AxesMiddleware",
    },
    "django.contrib.auth.middleware.AuthenticationMiddleware": {
        "portal.accounts.middleware.AccountSecurityMiddleware",
        "axes.middleware.AxesMiddleware",
    },
}


def environ(path: str, cookie: str | dict = "") -> dict:
    """A GET's WSGI environ; ``cookie`` is a Cookie header, or a dict of
    extra environ keys (the API's ``HTTP_AUTHORIZATION``); a dict with a
    ``body`` makes it a POST of that form (the filing)."""
    path, _, query = path.partition("?")
    extra = dict(cookie) if isinstance(cookie, dict) else {"HTTP_COOKIE": cookie}
    form = extra.pop("body", b"")
    if form:
        extra.update(
            {
                "REQUEST_METHOD": "POST",
                "CONTENT_TYPE": "application/x-www-form-urlencoded",
                "CONTENT_LENGTH": str(len(form)),
            }
        )
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8765",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8765",
        **extra,
        "HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(form),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def session_cookie(username: str) -> str:
    """A logged-in session; a staff user's with the second factor passed
    (the bench's device, as bench/querycount.py gives it)."""
    from querycount import pass_second_factor

    client = Client(HTTP_HOST="127.0.0.1")
    user = get_user_model().objects.get(username=username)
    client.force_login(user)
    pass_second_factor(client, user)
    name = settings.SESSION_COOKIE_NAME
    # And a CSRF cookie, as a browser (and bench/run.py's login, whose jar
    # wrk sends) holds one: without it every page with a form would make
    # a new CSRF secret and set its cookie, which the bench's pages do not.
    request = RequestFactory().get("/")
    get_token(request)
    csrf = f"{settings.CSRF_COOKIE_NAME}={request.META['CSRF_COOKIE']}"
    return f"{name}={client.cookies[name].value}; {csrf}"


def bearer(username: str) -> dict:
    """The phone API's credentials: an access token as the token endpoint
    gives it (bench/run.py logs in with the authenticator code; the token's
    claims are the same), valid for SIMPLE_JWT's ACCESS_TOKEN_LIFETIME."""
    from rest_framework_simplejwt.tokens import AccessToken

    user = get_user_model().objects.get(username=username)
    return {"HTTP_AUTHORIZATION": f"Bearer {AccessToken.for_user(user)}"}


def filing_post(category: str) -> dict:
    """bench/run.py's filing (its title and description) as bench_filer_00
    (BENCH_FILER): the session and CSRF cookies and the form with its token,
    as extra environ keys with the ``body``."""
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=FILER))
    client.get(f"/services/{category}/file/")
    form = {
        "csrfmiddlewaretoken": client.cookies[settings.CSRF_COOKIE_NAME].value,
        "title": "3号楼楼道天花板漏水",
        "description": "3号楼楼道天花板漏水，已经持续一段时间。",
    }
    return {
        "HTTP_COOKIE": "; ".join(f"{k}={v.value}" for k, v in client.cookies.items()),
        "body": urllib.parse.urlencode(form).encode(),
    }


def measure(app, path: str, cookie: str = "", repeat: int = REPEAT) -> dict:
    statuses = set()
    walls, cpus, dbs, queries = [], [], [], []
    spent = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent.append(time.perf_counter() - started)

    with connection.execute_wrapper(timed):
        for index in range(repeat + 10):
            spent.clear()
            wall, cpu = time.perf_counter(), time.process_time()
            status = []
            body = app(environ(path, cookie), lambda s, h, e=None: status.append(s))
            for _chunk in body:
                pass
            if hasattr(body, "close"):
                body.close()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            statuses.add(status[0])
            if index < 10:  # warm-up
                continue
            walls.append(wall * 1000)
            cpus.append(cpu * 1000)
            dbs.append(sum(spent) * 1000)
            queries.append(len(spent))
    return {
        "status": ",".join(sorted(statuses)),
        "wall_ms": round(statistics.median(walls), 2),
        "cpu_ms": round(statistics.median(cpus), 2),
        "db_ms": round(statistics.median(dbs), 2),
        "queries": statistics.median(queries),
    }


def seed_summary() -> dict:
    """The seed's summary (bench logins, the 42-event case's id)."""
    default = Path(__file__).resolve().parent.parent / "var" / "bench"
    var = Path(os.environ.get("BENCH_VAR_DIR", default))
    return json.loads((var / f"seed-{DB}.json").read_text())


def without(middleware: str) -> list[str]:
    gone = {middleware} | DEPENDENTS.get(middleware, set())
    return [m for m in settings.MIDDLEWARE if m not in gone]


VARIANTS = {
    "db sessions, health check": {
        "SESSION_ENGINE": "django.contrib.sessions.backends.db",
        "health": True,
    },
    "cached_db sessions, health check": {
        "SESSION_ENGINE": "django.contrib.sessions.backends.cached_db",
        "health": True,
    },
    "cached_db sessions, no health check": {
        "SESSION_ENGINE": "django.contrib.sessions.backends.cached_db",
        "health": False,
    },
}


def compare(cases: dict, rounds: int) -> None:
    """Each variant of the session engine and the connection health check,
    interleaved round by round so that the machine's load falls on all of
    them alike; medians of the rounds' medians."""
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        print("\n(no shared cache: set CACHE_URL to compare session engines)")
        return
    table = {(v, c): [] for v in VARIANTS for c in cases}
    for _round in range(rounds):
        for variant, options in VARIANTS.items():
            connection.settings_dict["CONN_HEALTH_CHECKS"] = options["health"]
            with override_settings(SESSION_ENGINE=options["SESSION_ENGINE"]):
                app = WSGIHandler()
                for name, (path, jar) in cases.items():
                    result = measure(app, path, jar, REPEAT // rounds)
                    table[variant, name].append(result)
    print(f"\nSession engine and health check ({rounds} interleaved rounds):")
    print("| variant | request | wall ms | Python CPU ms | database ms | queries |")
    print("|---|---|---|---|---|---|")
    for (variant, name), results in table.items():
        pick = {
            key: statistics.median(r[key] for r in results)
            for key in ("wall_ms", "cpu_ms", "db_ms", "queries")
        }
        print(
            f"| {variant} | {name} | {pick['wall_ms']:.2f} | {pick['cpu_ms']:.2f} "
            f"| {pick['db_ms']:.2f} | {pick['queries']:g} |"
        )


def main() -> None:
    cookie = session_cookie(RESIDENT)
    app = WSGIHandler()
    clerk = session_cookie(CLERK)
    summary = seed_summary()
    long_case = summary["long_case_id"]
    word = urllib.parse.quote(SEARCH_WORD)
    cases = {
        "bare": ("/bench/bare/", ""),
        "bare_session": ("/bench/bare/", cookie),
        "my_matters": ("/cases/", cookie),
        "resident_case": (f"/cases/{summary['resident_case_id']}/", cookie),
        "changelist": ("/admin/cases/case/", clerk),
        "changelist_search": (f"/admin/cases/case/?q={word}", clerk),
        "changelist_overdue": ("/admin/cases/case/?colour=red", clerk),
        "case_page": (f"/admin/cases/case/{long_case}/change/", clerk),
        "case_history": (f"/admin/cases/case/{long_case}/history/", clerk),
        "api_events": ("/api/v1/events/", bearer(GRID_WORKER)),
    }
    wanted = os.environ.get("BENCH_PAGES", "changelist_small_unit").split(",")
    if "changelist_small_unit" in wanted:
        from run import remembered_small_unit_clerk

        small = os.environ.get("BENCH_SMALL_CLERK") or remembered_small_unit_clerk(DB)
        cases["changelist_small_unit"] = ("/admin/cases/case/", session_cookie(small))
    if "filing" in wanted:
        # Each request files a case (only when BENCH_PAGES names it). Its
        # notification task runs in this process, so the page's CPU is the
        # request's and the task's (not Celery's own), and nothing goes to
        # the bench's broker, whose worker reads another database.
        from portal.celery import app as celery_app

        celery_app.conf.task_always_eager = True
        category = summary["filing_category"]
        cases["filing"] = (f"/services/{category}/file/", filing_post(category))
    if os.environ.get("BENCH_PAGES"):
        cases = {k: v for k, v in cases.items() if k in wanted or k == "bare"}
    print(f"database {DB}, {REPEAT} requests each, load {os.getloadavg()[0]:.2f}")
    print(
        f"SESSION_ENGINE {settings.SESSION_ENGINE}, "
        f"CONN_HEALTH_CHECKS {connection.settings_dict['CONN_HEALTH_CHECKS']}, "
        f"cache {settings.CACHES['default']['BACKEND']}"
    )
    print("| request | status | wall ms | Python CPU ms | database ms | queries |")
    print("|---|---|---|---|---|---|")
    full = {}
    for name, (path, jar) in cases.items():
        full[name] = r = measure(app, path, jar)
        print(
            f"| {name} | {r['status']} | {r['wall_ms']} | {r['cpu_ms']} "
            f"| {r['db_ms']} | {r['queries']:g} |"
        )
    if os.environ.get("BENCH_COMPARE", "1") != "0":
        sessions = ("bare_session", "my_matters")
        compare({k: v for k, v in cases.items() if k in sessions}, 5)
    if os.environ.get("BENCH_MIDDLEWARE", "1") != "0" and "bare_session" in full:
        print("\nWhat each middleware adds to bare_session (left out; CPU time, which")
        print("a shared machine disturbs less than wall time):")
        print("| middleware left out | wall ms | CPU ms | CPU ms saved | queries |")
        print("|---|---|---|---|---|")
        for middleware in ["(none: the full stack again)", *settings.MIDDLEWARE]:
            with override_settings(MIDDLEWARE=without(middleware)):
                r = measure(WSGIHandler(), "/bench/bare/", cookie, REPEAT // 2)
            saved = full["bare_session"]["cpu_ms"] - r["cpu_ms"]
            print(
                f"| {middleware} | {r['wall_ms']} | {r['cpu_ms']} | {saved:.2f} "
                f"| {r['queries']:g} |"
            )
    target = os.environ.get("BENCH_PROFILE")
    if target:
        from pyinstrument import Profiler

        path, jar = cases[target]
        if os.environ.get("BENCH_PROFILE_FLAT"):
            # Functions by their own time (cProfile), the top
            # BENCH_PROFILE_FLAT of them: where the tree spreads a page's
            # time over many small frames.
            import cProfile
            import pstats

            measure(app, path, jar, 10)  # warm
            flat = cProfile.Profile()
            flat.enable()
            measure(app, path, jar, int(os.environ.get("BENCH_PROFILE_REPEAT", "100")))
            flat.disable()
            if os.environ.get("BENCH_PROFILE_DUMP"):  # for pstats' callers
                flat.dump_stats(os.environ["BENCH_PROFILE_DUMP"])
            stats = pstats.Stats(flat).sort_stats("tottime")
            stats.print_stats(int(os.environ["BENCH_PROFILE_FLAT"]))
            stats.sort_stats("cumulative").print_stats(
                int(os.environ["BENCH_PROFILE_FLAT"])
            )
            return
        profiler = Profiler(interval=0.0002)
        profiler.start()
        measure(app, path, jar, int(os.environ.get("BENCH_PROFILE_REPEAT", "100")))
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
