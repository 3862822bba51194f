"""The case generator: ten years of filings, each walked through the steps the
workflow takes (portal.cases.workflow), writing per step what the workflow
writes: the case's history row (history_type, history_user,
history_change_reason as ``_save`` builds it) and the CaseEvent; and per
case the final Case row, plus the exception grants, co-handling and
material-request rows where a step makes them. The events' own history rows
are copied from the events by the database at the end of each chunk
(HISTORY_OF_EVENTS).

Pure Python on precomputed strings: about 30,000 cases a second of one core
(1 s of CPU for a 25,000-case chunk, 63 MB of COPY text); chunks are
independent (ids are derived from the case id), so several processes can
COPY at once. The database's share is larger than the generator's: about
1.2 s of server CPU for the same chunk (PostgreSQL 15, text COPY with the
primary keys in place).

Due dates count weekends as rest days but not statutory holidays (the bench
does not need the holiday calendar to be seeded); the thresholds are the same
50 % and 80 % points as portal.cases.warnings.thresholds.
"""

import datetime
import random
from dataclasses import dataclass

from portal.bench import vocabulary as V
from portal.bench.writer import NULL

DAY = 86400
HOUR = 3600
# Office-hour rhythm of filings, local time, hour 0 to 23.
HOUR_WEIGHTS = [
    0.10,
    0.05,
    0.03,
    0.03,
    0.05,
    0.15,
    0.40,
    0.90,
    2.20,
    3.00,
    3.10,
    2.60,
    1.40,
    1.60,
    2.80,
    2.90,
    2.70,
    2.20,
    1.20,
    0.90,
    0.80,
    0.60,
    0.40,
    0.20,
]
# Ids of events and history rows are case_id * STEP_SLOTS + step.
STEP_SLOTS = 16

CASE_STATIC = (
    "id",
    "tracking_number",
    "kind",
    "title",
    "description",
    "details",
    "category_id",
    "applicant_id",
    "submitter_id",
    "submitted_at",
)
CASE_DYNAMIC = (
    "department_id",
    "assignee_id",
    "status",
    "stage",
    "stage_started_at",
    "stage_due_at",
    "stage_yellow_at",
    "stage_orange_at",
    "version",
    "accepted_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "updated_at",
    "outcome",
    "reply",
    "outcome_basis",
    "outcome_redirect",
    "duplicate_of_id",
    "outcome_confirmed_by_id",
    "verdict",
    "dispute_count",
    "reopen_count",
    "rating",
    "rating_comment",
    "rated_at",
)
CASE_COLUMNS = CASE_STATIC + CASE_DYNAMIC
HISTORY_TAIL = (
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
)
EVENT_COLUMNS = (
    "id",
    "case_id",
    "kind",
    "actor_id",
    "is_public",
    "message",
    "internal_note",
    "data",
    "from_status",
    "to_status",
    "created_at",
)
(
    D_DEPT,
    D_ASSIGNEE,
    D_STATUS,
    D_STAGE,
    D_STARTED,
    D_DUE,
    D_YELLOW,
    D_ORANGE,
    D_VERSION,
    D_ACCEPTED,
    D_FIRST,
    D_RESOLVED,
    D_CLOSED,
    D_UPDATED,
    D_OUTCOME,
    D_REPLY,
    D_BASIS,
    D_REDIRECT,
    D_DUP,
    D_CONFIRMED_BY,
    D_VERDICT,
    D_DISPUTES,
    D_REOPENS,
    D_RATING,
    D_RATING_COMMENT,
    D_RATED,
) = range(len(CASE_DYNAMIC))

TABLES = {
    "cases_case": CASE_COLUMNS,
    "cases_historicalcase": CASE_COLUMNS + HISTORY_TAIL,
    "cases_caseevent": EVENT_COLUMNS,
    "cases_historicalcaseevent": EVENT_COLUMNS + HISTORY_TAIL,
    "cases_casegroupobjectpermission": (
        "id",
        "permission_id",
        "group_id",
        "content_object_id",
    ),
    "cases_caseuserobjectpermission": (
        "id",
        "permission_id",
        "user_id",
        "content_object_id",
    ),
    "cases_cohandling": (
        "id",
        "case_id",
        "department_id",
        "note",
        "requested_by_id",
        "created_at",
    ),
    "cases_materialrequest": (
        "id",
        "case_id",
        "items",
        "note",
        "requested_by_id",
        "requested_at",
        "answered_at",
        "answer",
    ),
}
# An event's history row is the event as created ("+", by its actor, at its
# time, no change reason): copied by the database from the events of the
# chunk rather than generated and parsed a second time. On one 25,000-case
# chunk (131,000 events) this INSERT ... SELECT took 0.26 s of server CPU
# where the COPY of the same rows took 0.30-0.40 s, and 16 of the chunk's 79
# MB of text are no longer formatted, sent or parsed.
_EVENT_NAMES = ", ".join(EVENT_COLUMNS)
HISTORY_OF_EVENTS = (
    f"INSERT INTO cases_historicalcaseevent ({_EVENT_NAMES}, {', '.join(HISTORY_TAIL)})"
    f" SELECT {_EVENT_NAMES}, id, created_at, NULL, '+', actor_id"
    " FROM cases_caseevent WHERE id >= %s AND id < %s"
)
BIG_TABLES = (
    "cases_case",
    "cases_historicalcase",
    "cases_caseevent",
    "cases_historicalcaseevent",
)

OUTCOMES = [
    ("solved", 70),
    ("explained", 15),
    ("not_our_remit", 10),
    ("duplicate", 3),
    ("unreasonable", 2),
]
STARS = [(5, 55), (4, 25), (3, 10), (2, 5), (1, 5)]


@dataclass
class Context:
    """Everything a chunk needs, computed once by the main process (picklable)."""

    seed: int
    n_cases: int
    base_ordinal: int  # local date of day 0
    now: int  # seconds since local midnight of day 0
    day_counts: list
    day_first_seq: list
    day_year: list
    units: list  # (id, group_id, kind, categories, clerks, grid_workers)
    unit_cum: list
    unit_names: dict
    categories: dict  # id -> (kind, titles, acc, handle)
    residents: tuple  # (first id, count)
    frequent: list
    bench_residents: list
    staff_names: dict
    labels: dict  # event kind -> label in the site language
    texts: dict  # translated message patterns
    perms: dict  # codename -> permission id
    open_start: int
    overdue_start: int
    p_overdue: float


@dataclass
class ChunkSpec:
    index: int
    day_lo: int
    day_hi: int
    first_case_index: int
    first_case_id: int


class Clock:
    """Timestamps as integer seconds; text as UTC for COPY; due dates on a
    Monday-to-Friday calendar."""

    def __init__(self, ctx: Context, horizon_days: int):
        base = datetime.date.fromordinal(ctx.base_ordinal)
        days = len(ctx.day_counts) + horizon_days
        self.days_utc = [
            (base + datetime.timedelta(days=d - 1)).isoformat() + " "
            for d in range(days + 2)
        ]
        self.tod = [
            f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)
        ]
        weekday = [(base + datetime.timedelta(days=d)).weekday() for d in range(days)]
        self.weekday = weekday
        # working_index[d]: working days from day 0 up to d; working_day[k]: the k-th.
        self.working_index, self.working_day, count = [], [], 0
        for d in range(days):
            if weekday[d] < 5:
                count += 1
                self.working_day.append(d)
            self.working_index.append(count)
        self.working_day.insert(0, 0)

    def text(self, t: int) -> str:
        u = t + 57600  # day 0's local midnight is 16:00 UTC the day before
        return self.days_utc[u // DAY] + self.tod[u % DAY]

    def due(self, start: int, policy) -> int:
        amount, unit = policy
        if unit == "hours":
            return start + amount * HOUR
        day = start // DAY
        if unit == "calendar_days":
            day += amount
            while self.weekday[day] >= 5:
                day += 1
        else:
            day = self.working_day[self.working_index[day] + amount]
        return day * DAY + DAY - 1  # end of the day, Beijing time


class ChunkGenerator:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.clock = Clock(ctx, horizon_days=500)
        self.unit_ids = list(range(len(ctx.units)))
        self.hours = list(range(24))
        self.hour_cum = []
        total = 0.0
        for w in HOUR_WEIGHTS:
            total += w
            self.hour_cum.append(total)
        self.outcomes = [o for o, w in OUTCOMES for _ in range(w)]
        self.stars = [s for s, w in STARS for _ in range(w)]

    # -- one chunk ------------------------------------------------------------

    def run(
        self, spec: ChunkSpec, writer, flush_every: int = 5000, progress=None
    ) -> dict:
        ctx = self.ctx
        self.rng = rng = random.Random(ctx.seed * 1_000_003 + spec.index)
        self.out = {table: [] for table in TABLES}
        self.history_lines = self.out["cases_historicalcase"].append
        self.event_lines = self.out["cases_caseevent"].append
        counts = dict.fromkeys(TABLES, 0)
        index, case_id, pending = spec.first_case_index, spec.first_case_id, 0
        for day in range(spec.day_lo, spec.day_hi):
            n = ctx.day_counts[day]
            if not n:
                continue
            hours = rng.choices(self.hours, cum_weights=self.hour_cum, k=n)
            times = sorted(day * DAY + h * HOUR + rng.randrange(HOUR) for h in hours)
            units = rng.choices(self.unit_ids, cum_weights=ctx.unit_cum, k=n)
            year, seq = ctx.day_year[day], ctx.day_first_seq[day]
            for t0, unit in zip(times, units, strict=True):
                self.case(index, case_id, t0, f"{year}-{seq:07d}", ctx.units[unit])
                index, case_id, seq, pending = (
                    index + 1,
                    case_id + 1,
                    seq + 1,
                    pending + 1,
                )
            if pending >= flush_every:
                self.flush(writer, counts)
                if progress:
                    progress(pending)
                pending = 0
        self.flush(writer, counts)
        counts["cases_historicalcaseevent"] += writer.execute(
            HISTORY_OF_EVENTS,
            [spec.first_case_id * STEP_SLOTS, case_id * STEP_SLOTS],
        )
        if progress and pending:
            progress(pending)
        return counts

    def flush(self, writer, counts) -> None:
        for table, lines in self.out.items():
            writer.write(table, TABLES[table], lines)
            counts[table] += len(lines)
            lines.clear()

    # -- one case -------------------------------------------------------------

    def case(self, index, case_id, t0, tracking, unit) -> None:
        ctx, rng, clock = self.ctx, self.rng, self.clock
        text = clock.text
        unit_id, _group, unit_kind, categories, clerks, grid = unit
        category_id = rng.choice(categories)
        kind, titles, acc, handle = ctx.categories[category_id]
        title = rng.choice(titles)
        description = f"{title}，{rng.choice(V.DETAILS)}。"
        if grid and (unit_kind == "community" and rng.random() < 0.5):
            submitter, applicant, kind = rng.choice(grid), NULL, "grid_event"
        else:
            r = rng.random()
            if ctx.bench_residents and r < min(0.1, 400 / ctx.n_cases):
                applicant = rng.choice(ctx.bench_residents)
            elif r < 0.2:
                applicant = rng.choice(ctx.frequent)
            else:
                applicant = ctx.residents[0] + rng.randrange(ctx.residents[1])
            submitter = applicant
        applicant = str(applicant)
        submitter = str(submitter)
        static = "\t".join(
            (
                str(case_id),
                tracking,
                kind,
                title,
                description,
                "{}",
                str(category_id),
                applicant,
                submitter,
                text(t0),
            )
        )
        self.case_id, self.static, self.step_no = case_id, static, 0
        self.handle_policy, self.acc_policy = handle, acc
        state = self.state = [NULL] * len(CASE_DYNAMIC)
        state[D_DEPT], state[D_STATUS], state[D_VERSION] = str(unit_id), "submitted", "0"
        for i in (
            D_STAGE,
            D_OUTCOME,
            D_REPLY,
            D_BASIS,
            D_REDIRECT,
            D_VERDICT,
            D_RATING_COMMENT,
        ):
            state[i] = ""
        state[D_DISPUTES] = state[D_REOPENS] = "0"
        clerk = rng.choice(clerks) if clerks else int(submitter)
        now = ctx.now

        # Which ending this case has.
        if index >= ctx.open_start:
            ending = rng.choices(
                ("accepted", "resolved", "needs_material", "submitted"), (60, 20, 5, 15)
            )[0]
        elif index >= ctx.overdue_start and rng.random() < ctx.p_overdue:
            ending = "overdue"
        else:
            r = rng.random()
            ending = (
                "closed"
                if r < 0.9 / 0.93
                else "declined"
                if r < 0.92 / 0.93
                else "withdrawn"
            )

        self.stage("acceptance", t0, acc)
        self.step("submitted", submitter, t0, "", "", True, "{}", "")
        t = t0 + int(rng.expovariate(1 / (5 * HOUR))) + 300
        late_start = None
        if ending in ("accepted", "submitted"):
            # An open case whose running stage is not yet overdue.
            policy = handle if ending == "accepted" else acc
            if policy:
                late_start = max(
                    t, now - int(rng.random() * (clock.due(now, policy) - now))
                )
        if ending == "submitted" and late_start and late_start > t + HOUR:
            self.material(t, clerk, applicant, late_start)
            return self.finish()
        if ending == "submitted":
            return self.finish()
        if ending == "needs_material":
            self.material(min(t, now - 60), clerk, applicant, None)
            return self.finish()
        if ending == "declined":
            return self.end(
                t, clerk, "declined", "经审查，该事项不符合受理条件，已告知理由。"
            )
        if ending == "withdrawn":
            return self.end(t, submitter, "withdrawn", "问题已自行解决，申请撤回。")
        if rng.random() < 0.05:
            t = self.material(t, clerk, applicant, t + int(rng.uniform(1, 72) * HOUR))
            t += int(rng.expovariate(1 / (3 * HOUR))) + 300
        r = rng.random()
        if r < 0.006:
            clerk = self.transfer(t, clerk, unit)
            t += int(rng.expovariate(1 / (8 * HOUR))) + 300
        if late_start and ending == "accepted":
            t = max(t, late_start)
        if t >= now:
            return self.finish()
        self.accept(t, clerk)
        if rng.random() < 0.3 and clerks:
            t += int(rng.uniform(0.1, 4) * HOUR)
            assignee = rng.choice(clerks)
            state[D_ASSIGNEE] = str(assignee)
            self.step(
                "assigned",
                clerk,
                t,
                "",
                ctx.staff_names.get(assignee, ""),
                False,
                f'{{"assignee": {assignee}}}',
                state[D_STATUS],
            )
        if 0.006 <= r < 0.009:
            self.co_handle(t + HOUR, clerk, unit_id)
        elif 0.009 <= r < 0.010:
            self.user_grant(rng.choice(ctx.units)[4] or [clerk])
        if ending in ("accepted", "overdue"):
            return self.finish()
        span = (clock.due(t, handle) - t) if handle else 10 * DAY
        late = rng.random() < 0.04
        t = t + int(span * (rng.uniform(1.0, 1.5) if late else rng.uniform(0.1, 0.95)))
        t = self.resolve(min(t, now - 120), clerk, index, case_id)
        if ending == "resolved":
            return self.finish()
        if rng.random() < 0.04:
            t += int(rng.uniform(1, 48) * HOUR)
            self.dispute(t, applicant)
            t = self.resolve(
                t + int(span * rng.uniform(0.1, 0.5)), clerk, index, case_id
            )
        t = min(t + int(rng.uniform(1, 120) * HOUR), now - 60)
        state[D_STATUS], state[D_VERDICT], state[D_CLOSED] = (
            "closed",
            "confirmed",
            text(t),
        )
        self.stage("", t, None)
        self.step("confirmed", applicant, t, "", "", True, "{}", "resolved")
        if rng.random() < 0.85:
            t = min(t + int(rng.uniform(0, 24) * HOUR), now - 30)
            stars = rng.choice(self.stars)
            comment = rng.choice(V.RATING_COMMENTS)
            state[D_RATING], state[D_RATING_COMMENT], state[D_RATED] = (
                str(stars),
                comment,
                text(t),
            )
            message = f"{'★' * stars}{'☆' * (5 - stars)} {comment}".strip()
            self.step(
                "rated",
                applicant,
                t,
                message,
                "",
                True,
                f'{{"stars": {stars}}}',
                "closed",
            )
        return self.finish()

    # -- steps as the workflow takes them ----------------------------------

    def stage(self, stage, t, policy) -> None:
        state, text = self.state, self.clock.text
        state[D_STAGE] = stage
        state[D_STARTED] = text(t) if stage else NULL
        if not stage or not policy:
            state[D_DUE] = state[D_YELLOW] = state[D_ORANGE] = NULL
            return
        due = self.clock.due(t, policy)
        span = due - t
        state[D_DUE], state[D_YELLOW], state[D_ORANGE] = (
            text(due),
            text(t + span // 2),
            text(t + span * 4 // 5),
        )

    def step(self, kind, actor, t, message, note, public, data, from_status) -> None:
        state = self.state
        n = self.step_no = self.step_no + 1
        if n >= STEP_SLOTS:
            return  # never reached by the generator's paths
        hid = self.case_id * STEP_SLOTS + n
        when = self.clock.text(t)
        # One save a step: the version is the step's number (text already,
        # so that the state joins as it is, without a copy per row).
        state[D_VERSION] = str(n)
        state[D_UPDATED] = when
        label = self.ctx.labels[kind]
        reason = label + (f": {message or note}"[:100] if (message or note) else "")
        actor = str(actor)
        dyn = "\t".join(state)
        self.history_lines(
            f"{self.static}\t{dyn}\t{hid}\t{when}\t{reason}\t"
            f"{'+' if n == 1 else '~'}\t{actor}\n"
        )
        self.event_lines(
            f"{hid}\t{self.case_id}\t{kind}\t{actor}\t{'1' if public else '0'}\t"
            f"{message}\t{note}\t{data}\t{from_status}\t{state[D_STATUS]}\t{when}\n"
        )

    def finish(self) -> None:
        self.out["cases_case"].append(f"{self.static}\t" + "\t".join(self.state) + "\n")

    def material(self, t, clerk, applicant, answered) -> int:
        state, text = self.state, self.clock.text
        items = self.rng.sample(V.MATERIAL_ITEMS, 2)
        state[D_STATUS] = "needs_material"
        if state[D_FIRST] == NULL:
            state[D_FIRST] = text(t)
        self.stage("", t, None)
        items_json = '["' + '", "'.join(items) + '"]'
        self.step(
            "material_requested",
            clerk,
            t,
            "；".join(items),
            "",
            True,
            f'{{"items": {items_json}}}',
            "submitted",
        )
        self.out["cases_materialrequest"].append(
            f"{self.case_id}\t{self.case_id}\t{items_json}\t\t{clerk}\t{text(t)}\t"
            f"{text(answered) if answered else NULL}\t{'已补充' if answered else ''}\n"
        )
        if answered is None:
            return t
        state[D_STATUS] = "submitted"
        self.stage("acceptance", answered, self.acc_policy)
        self.step(
            "resubmitted",
            applicant,
            answered,
            "已补充",
            "",
            True,
            "{}",
            "needs_material",
        )
        return answered

    def transfer(self, t, clerk, unit) -> int:
        ctx, rng, state = self.ctx, self.rng, self.state
        # The case came in at another unit, which passed it on to this one.
        source = rng.choice(ctx.units)
        while source[0] == unit[0]:
            source = rng.choice(ctx.units)
        # Rewrite the rows already written: the case was at the source then.
        self.rewrite_department(str(source[0]))
        actor = rng.choice(source[4]) if source[4] else clerk
        state[D_DEPT], state[D_ASSIGNEE], state[D_STATUS] = (
            str(unit[0]),
            NULL,
            "submitted",
        )
        self.stage("acceptance", t, self.acc_policy)
        message = ctx.texts["transferred"] % {
            "source": ctx.unit_names[source[0]],
            "target": ctx.unit_names[unit[0]],
        }
        self.step(
            "transferred",
            actor,
            t,
            message,
            "不属于本单位职责",
            True,
            f'{{"from": {source[0]}, "to": {unit[0]}}}',
            "submitted",
        )
        self.out["cases_casegroupobjectpermission"].append(
            f"{self.case_id}\t{ctx.perms['view_case']}\t{source[1]}\t{self.case_id}\n"
        )
        return clerk

    def rewrite_department(self, department: str) -> None:
        rows = self.out["cases_historicalcase"]
        prefix = self.static + "\t"
        for n in range(len(rows) - self.step_no, len(rows)):
            rest = rows[n][len(prefix) :].split("\t", 1)[1]
            rows[n] = f"{prefix}{department}\t{rest}"

    def accept(self, t, clerk) -> None:
        state, text = self.state, self.clock.text
        before = state[D_STATUS]
        state[D_STATUS], state[D_ACCEPTED] = "accepted", text(t)
        if state[D_FIRST] == NULL:
            state[D_FIRST] = text(t)
        self.stage("handling", t, self.handle_policy)
        self.step("accepted", clerk, t, "", "", True, "{}", before)

    def co_handle(self, t, clerk, unit_id) -> None:
        ctx, rng = self.ctx, self.rng
        helper = rng.choice(ctx.units)
        while helper[0] == unit_id:
            helper = rng.choice(ctx.units)
        message = ctx.texts["co_handling"] % {"department": ctx.unit_names[helper[0]]}
        self.out["cases_cohandling"].append(
            f"{self.case_id}\t{self.case_id}\t{helper[0]}\t请协助现场核查\t{clerk}\t"
            f"{self.clock.text(t)}\n"
        )
        self.out["cases_casegroupobjectpermission"].append(
            f"{self.case_id}\t{ctx.perms['handle_case']}\t{helper[1]}\t{self.case_id}\n"
        )
        self.step(
            "co_handling",
            clerk,
            t,
            message,
            "请协助现场核查",
            True,
            f'{{"department": {helper[0]}}}',
            "accepted",
        )

    def user_grant(self, people) -> None:
        person = self.rng.choice(people)
        self.out["cases_caseuserobjectpermission"].append(
            f"{self.case_id}\t{self.ctx.perms['view_case']}\t{person}\t{self.case_id}\n"
        )

    def resolve(self, t, clerk, index, case_id) -> int:
        state, text, rng = self.state, self.clock.text, self.rng
        outcome = rng.choice(self.outcomes)
        if outcome == "duplicate" and index == 0:
            outcome = "solved"
        state[D_STATUS], state[D_OUTCOME] = "resolved", outcome
        state[D_REPLY] = V.REPLIES[outcome]
        state[D_BASIS] = V.BASIS if outcome == "explained" else ""
        state[D_REDIRECT] = V.REDIRECT if outcome == "not_our_remit" else ""
        state[D_DUP] = (
            str(case_id - 1 - rng.randrange(min(index, 500)))
            if outcome == "duplicate"
            else NULL
        )
        state[D_CONFIRMED_BY] = str(clerk) if outcome == "unreasonable" else NULL
        state[D_VERDICT], state[D_RESOLVED] = "", text(t)
        if state[D_FIRST] == NULL:
            state[D_FIRST] = text(t)
        self.stage("confirmation", t, None)
        self.step(
            "resolved",
            clerk,
            t,
            state[D_REPLY],
            "",
            True,
            f'{{"outcome": "{outcome}"}}',
            "accepted",
        )
        return t

    def dispute(self, t, applicant) -> None:
        state = self.state
        state[D_STATUS], state[D_VERDICT] = "accepted", "disputed"
        state[D_DISPUTES] = str(int(state[D_DISPUTES]) + 1)
        self.stage("handling", t, self.handle_policy)
        self.step("disputed", applicant, t, "问题没有解决", "", True, "{}", "resolved")

    def end(self, t, actor, status, message) -> None:
        state, text = self.state, self.clock.text
        before = state[D_STATUS]
        state[D_STATUS], state[D_CLOSED] = status, text(t)
        if status == "declined" and state[D_FIRST] == NULL:
            state[D_FIRST] = text(t)
        self.stage("", t, None)
        self.step(status, actor, t, message, "", True, "{}", before)
        self.finish()
