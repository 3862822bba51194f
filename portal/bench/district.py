"""The bench district's fixed parts: units (through the real service, so each
has its group, closure rows and grants), categories with deadline policies,
and people (bulk rows sharing one precomputed password hash)."""

import json
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import connection

from portal.accounts import services as account_services
from portal.accounts.models import Department, User
from portal.accounts.validators import resident_id_check_char
from portal.bench import vocabulary as V
from portal.bench.writer import NULL, fmt_bool
from portal.crypto import cipher
from portal.cases.demo import CATALOGUE
from portal.cases.models import DeadlinePolicy, ServiceCategory

# Bench only, never a real account: every bench user logs in with it.
BENCH_PASSWORD = "yiwang-bench-2026"

# Share of all cases of the ten busiest units, in per cent (busiest ≈ 6 %,
# top ten ≈ half); the other units share the rest on a Zipf curve.
TOP_SHARES = [6.0, 5.6, 5.3, 5.0, 4.8, 4.7, 4.6, 4.6, 4.5, 4.4]
TOP_CODES = [
    "b-urban",
    "b-housing",
    "b-market",
    "b-command-centre",
    "b-police",
    "b-ecology",
    "b-st-fengcai",
    "b-hrss",
    "b-transport",
    "b-st-pailou",
]


@dataclass
class Unit:
    id: int
    code: str
    name: str
    kind: str
    group_id: int
    parent_code: str | None
    share: float = 0.0
    categories: list = field(default_factory=list)  # category ids for its cases
    clerks: list = field(default_factory=list)  # user ids
    grid_workers: list = field(default_factory=list)


def build_units() -> list[Unit]:
    """About 250 units: district, command centre, committee, 12 streets with
    about 150 communities, 45 functional departments and 40 stations."""
    rows = [
        ("b-district", "鼓楼区", Department.Kind.DISTRICT, None),
        (
            "b-command-centre",
            "区社会治理综合指挥中心",
            Department.Kind.COMMAND_CENTRE,
            "b-district",
        ),
        ("b-committee", "区委政法委员会", Department.Kind.COMMITTEE, "b-district"),
    ]
    for index, street in enumerate(V.STREETS):
        code = (
            "b-st-" + ["fengcai", "pailou"][index] if index < 2 else f"b-st-{index:02d}"
        )
        rows.append((code, f"{street}街道", Department.Kind.STREET, "b-district"))
        for n in range(12 + (index % 3 == 0)):
            word = V.COMMUNITY_WORDS[(index * 5 + n) % len(V.COMMUNITY_WORDS)]
            rows.append(
                (
                    f"{code}-c{n:02d}",
                    f"{street}街道{word}社区",
                    Department.Kind.COMMUNITY,
                    code,
                )
            )
    for suffix, name, _topics in V.FUNCTIONAL:
        parent = None if suffix == "court" else "b-district"
        rows.append((f"b-{suffix}", name, Department.Kind.FUNCTIONAL, parent))
    for parent, pattern, count in V.STATIONS:
        for n in range(count):
            name = pattern.format(street=V.STREETS[n % len(V.STREETS)], n=n + 1)
            rows.append(
                (
                    f"b-{parent}-s{n:02d}",
                    name,
                    Department.Kind.FUNCTIONAL,
                    f"b-{parent}",
                )
            )
    units: dict[str, Unit] = {}
    for code, name, kind, parent in rows:
        department = account_services.department_create(
            name=name,
            code=code,
            kind=kind,
            parent=Department.objects.get(pk=units[parent].id) if parent else None,
            phone="0516-12345",
            address="江苏省徐州市鼓楼区中山北路1号",
        )
        units[code] = Unit(department.pk, code, name, kind, department.group_id, parent)
    return list(units.values())


def assign_shares(units: list[Unit], rng: random.Random) -> None:
    by_code = {unit.code: unit for unit in units}
    for code, share in zip(TOP_CODES, TOP_SHARES, strict=True):
        by_code[code].share = share
    rest = [
        u
        for u in units
        if u.code not in TOP_CODES and u.kind not in ("district", "committee")
    ]
    rng.shuffle(rest)
    weights = [1 / (rank + 1) ** 0.55 for rank in range(len(rest))]
    scale = (100 - sum(TOP_SHARES)) / sum(weights)
    for unit, weight in zip(rest, weights, strict=True):
        unit.share = weight * scale


HANDLING_CHOICES = [
    (5, "working_days"),
    (10, "working_days"),
    (15, "working_days"),
    (15, "working_days"),
    (30, "working_days"),
    (60, "calendar_days"),
]


def build_categories(units: list[Unit], rng: random.Random) -> dict[int, dict]:
    """A few hundred categories with acceptance and handling policies.

    Returns {category id: {"kind", "titles", "acc", "handle", "code"}} where
    acc and handle are (amount, unit) or None, as the generator needs them.
    """
    by_code = {unit.code: unit for unit in units}
    specs = []  # (code, name, topic, unit, kind, acc, handle, titles)
    real_map = {
        "police-hukou": "b-police",
        "housing": "b-housing",
        "market": "b-market",
        "hrss": "b-hrss",
        "civil-affairs": "b-civil-affairs",
        "justice": "b-justice",
        "petitions": "b-petitions",
        "court": "b-court",
        "urban-management": "b-urban",
        "fengcai-minzhu": "b-st-fengcai-c00",
    }
    for row in CATALOGUE:
        code, name, topic, dept, *_rest, policies, _fields, titles = row
        acc = handle = None
        for stage, amount, unit, *_ in policies:
            if stage == "acceptance":
                acc = (amount, unit)
            elif stage == "handling":
                handle = (amount, unit)
        kind = {
            "court-filing": "court_filing",
            "legal-aid": "legal_aid",
            "petition": "petition",
        }.get(code, "matter")
        specs.append(
            (
                f"bench-{code}",
                name,
                topic,
                by_code[real_map[dept]],
                kind,
                acc,
                handle,
                list(titles),
            )
        )
    for suffix, _name, topics in V.FUNCTIONAL:
        unit = by_code[f"b-{suffix}"]
        for topic_key in topics:
            topic, issues = V.TOPICS[topic_key]
            for n, issue in enumerate(issues):
                specs.append(
                    (
                        f"bench-{suffix}-{topic_key}-{n}",
                        f"{issue}诉求",
                        topic,
                        unit,
                        "matter",
                        (1, "working_days"),
                        rng.choice(HANDLING_CHOICES),
                        [place + issue for place in V.PLACES],
                    )
                )
    topic, issues = V.TOPICS["community"]
    for n, issue in enumerate(issues):
        specs.append(
            (
                f"bench-community-{n}",
                f"{issue}（社区事务）",
                topic,
                by_code["b-st-fengcai"],
                "matter",
                (1, "working_days"),
                (10, "working_days"),
                [place + issue for place in V.PLACES],
            )
        )
    categories = ServiceCategory.objects.bulk_create(
        [
            ServiceCategory(
                code=code,
                name=name,
                topic=topic,
                case_kind=kind,
                department_id=unit.id,
                summary=f"{name}：本区受理的{topic}类事项。",
                materials="问题描述\n现场照片（如有）",
                legal_basis="本区《接诉即办工作规范》",
                sort_order=order,
            )
            for order, (code, name, topic, unit, kind, *_r) in enumerate(specs)
        ]
    )
    policies = []
    info = {}
    for category, (code, _n, _t, unit, kind, acc, handle, titles) in zip(
        categories, specs, strict=True
    ):
        for stage, policy in (("acceptance", acc), ("handling", handle)):
            if policy:
                policies.append(
                    DeadlinePolicy(
                        category=category,
                        stage=stage,
                        amount=policy[0],
                        unit=policy[1],
                        legal_basis="本区《接诉即办工作规范》",
                        extension_max=policy[0] if stage == "handling" else 0,
                    )
                )
        info[category.pk] = {
            "code": code,
            "kind": kind,
            "titles": titles,
            "acc": acc,
            "handle": handle,
            "unit": unit.code,
        }
    DeadlinePolicy.objects.bulk_create(policies)
    # Which categories a unit's cases use: its own, its parent's (stations),
    # the community pool (streets, communities, the command centre).
    own: dict[str, list[int]] = {}
    for pk, item in info.items():
        own.setdefault(item["unit"], []).append(pk)
    community_pool = [
        pk for pk, item in info.items() if item["code"].startswith("bench-community-")
    ]
    for unit in units:
        unit.categories = list(own.get(unit.code, []))
        if unit.kind == "functional" and not unit.categories and unit.parent_code:
            unit.categories = list(own.get(unit.parent_code, []))
        if unit.kind in ("community", "street", "command_centre"):
            unit.categories += community_pool
        if not unit.categories:
            unit.categories = list(own.get("b-government-service", community_pool))
    return info


def _name(rng: random.Random) -> str:
    return (
        rng.choice(V.SURNAMES)
        + rng.choice(V.GIVEN)
        + (rng.choice(V.GIVEN) if rng.random() < 0.6 else "")
    )


def resident_id(n: int) -> str:
    """A valid, unique GB 11643 number for the n-th bench resident."""
    day = n // 1000 % 18000
    year, rest = 1940 + day // 360, day % 360
    first17 = (
        f"{320302 + n // 18_000_000:06d}{year:04d}{rest // 30 + 1:02d}"
        f"{rest % 30 + 1:02d}{n % 1000:03d}"
    )
    return first17 + resident_id_check_char(first17)


@dataclass
class People:
    residents: range
    frequent: list
    bench: dict  # login -> user id
    committee_id: int
    staff_names: dict
    counts: dict


def fit_to_model(model, columns, lines):
    """The table, columns and lines for COPY, fitted to the model as it is
    now: columns the model no longer has are left out, and columns it has
    that the generator does not write get the field's default on every row.
    Other work changes the user model (new security columns, an encrypted
    resident id); the seeder keeps working and writes NULL or the default."""
    present = {field.column: field for field in model._meta.concrete_fields}
    keep = [n for n, column in enumerate(columns) if column in present]
    extra, values = [], []
    for column, field in present.items():
        if column in columns:
            continue
        default = field.get_default()
        if default is None:
            value = NULL
        elif isinstance(default, bool):
            value = fmt_bool(default)
        else:
            value = str(field.get_db_prep_value(default, connection, prepared=False))
        extra.append(column)
        values.append(value)
    if len(keep) == len(columns) and not extra:
        return model._meta.db_table, columns, lines
    tail = "".join("\t" + v for v in values)
    fitted = []
    for line in lines:
        parts = line[:-1].split("\t")
        fitted.append("\t".join(parts[n] for n in keep) + tail + "\n")
    return model._meta.db_table, [columns[n] for n in keep] + extra, fitted


def build_people(units, *, n_cases, writer, rng, now_text) -> People:
    """Clerks, grid workers and residents in bulk, with one password hash."""
    password = make_password(BENCH_PASSWORD)  # once, never per row
    n_clerks = min(1000, max(30, n_cases // 100))
    n_grid = min(4000, max(20, n_cases // 25))
    n_residents = min(600_000, max(100, n_cases // 4))
    next_id = (
        User.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ) + 1
    users, groups, memberships, leads = [], [], [], []
    rid_index = User._meta.get_field("resident_id_index")
    bench, staff_names = {}, {}
    ranked = sorted(
        (u for u in units if u.kind not in ("district", "committee")),
        key=lambda u: -u.share,
    )
    communities = sorted(
        (u for u in units if u.kind == "community"), key=lambda u: -u.share
    )

    def add_user(username, *, staff, mobile=NULL, rid=NULL):
        nonlocal next_id
        pk = next_id
        next_id += 1
        name = _name(rng)
        if staff:
            staff_names[pk] = name
        users.append(
            "\t".join(
                (
                    str(pk),
                    password,
                    NULL,
                    "0",
                    username,
                    "",
                    "",
                    "",
                    fmt_bool(staff),
                    "1",
                    now_text,
                    mobile,
                    fmt_bool(mobile != NULL),
                    name,
                    # Encrypted as the model stores it, with its blind index.
                    NULL if rid == NULL else cipher.encrypt(rid),
                    now_text if rid != NULL else NULL,
                    NULL if rid == NULL else rid_index.digest(rid),
                )
            )
            + "\n"
        )
        return pk

    def add_staff(pk, unit, role="clerk"):
        groups.append(f"{len(groups) + 1}\t{pk}\t{unit.group_id}\n")
        memberships.append(
            f"{len(memberships) + 1}\t{pk}\t{unit.id}\t{role}\t{now_text}\n"
        )
        if role == "leader":
            leads.append((pk, unit.id))

    # Known logins first: two clerks in each of the ten busiest units.
    for n in range(20):
        unit = ranked[n // 2]
        pk = add_user(f"bench_clerk_{n:02d}", staff=True)
        bench[f"bench_clerk_{n:02d}"] = pk
        unit.clerks.append(pk)
        add_staff(pk, unit, "leader" if n % 2 else "clerk")
    # The rest of the clerks, about in proportion to the work.
    weights = [max(u.share, 0.05) ** 0.7 for u in ranked]
    scale = (n_clerks - 20) / sum(weights)
    for unit, weight in zip(ranked, weights, strict=True):
        for _ in range(max(1, round(weight * scale))):
            pk = add_user(f"clerk_{next_id}", staff=True)
            unit.clerks.append(pk)
            add_staff(pk, unit, "leader" if len(unit.clerks) == 1 else "clerk")
    for n in range(n_grid):
        unit = communities[n % len(communities)]
        login = f"bench_grid_{n:02d}" if n < 5 else f"grid_{next_id}"
        pk = add_user(login, staff=True)
        if n < 5:
            bench[login] = pk
        unit.grid_workers.append(pk)
        add_staff(pk, unit)
    first_resident = next_id
    for n in range(n_residents):
        login = (
            f"bench_resident_{n:02d}"
            if n < 10
            else f"bench_filer_{n - 10:02d}"
            if n < 15
            else f"r{next_id}"
        )
        pk = add_user(login, staff=False, mobile=f"13{n:09d}", rid=resident_id(n))
        if n < 15:
            bench[login] = pk
    committee_id = add_user("bench_committee", staff=True)
    bench["bench_committee"] = committee_id

    writer.write(
        *fit_to_model(
            User,
            (
                "id",
                "password",
                "last_login",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
                "mobile",
                "mobile_verified",
                "real_name",
                "resident_id",
                "real_name_verified_at",
                "resident_id_index",
            ),
            users,
        )
    )
    base = _max_id("accounts_user_groups")
    writer.write(
        "accounts_user_groups",
        ("id", "user_id", "group_id"),
        [_shift(line, base) for line in groups],
    )
    base = _max_id("accounts_staffmembership")
    writer.write(
        "accounts_staffmembership",
        ("id", "user_id", "department_id", "role", "created_at"),
        [_shift(line, base) for line in memberships],
    )
    lead = Permission.objects.get(
        codename="lead_cases_of", content_type__app_label="accounts"
    ).pk
    base = _max_id("accounts_departmentuserobjectpermission")
    writer.write(
        "accounts_departmentuserobjectpermission",
        ("id", "permission_id", "user_id", "content_object_id"),
        [
            f"{base + n + 1}\t{lead}\t{pk}\t{dept}\n"
            for n, (pk, dept) in enumerate(leads)
        ],
    )
    writer.reset_sequences(
        [
            "accounts_user",
            "accounts_user_groups",
            "accounts_staffmembership",
            "accounts_departmentuserobjectpermission",
        ]
    )
    account_services.committee_member_add(user=User.objects.get(pk=committee_id))
    residents = range(first_resident, first_resident + n_residents)
    frequent = [
        first_resident + n
        for n in rng.sample(range(15, n_residents), max(1, n_residents // 50))
    ]
    return People(
        residents,
        frequent,
        bench,
        committee_id,
        staff_names,
        {
            "clerks": n_clerks,
            "grid_workers": n_grid,
            "residents": n_residents,
            "users": len(users),
            "memberships": len(memberships),
        },
    )


def _max_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        return cursor.fetchone()[0]


def _shift(line: str, base: int) -> str:
    pk, rest = line.split("\t", 1)
    return f"{int(pk) + base}\t{rest}"


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)
