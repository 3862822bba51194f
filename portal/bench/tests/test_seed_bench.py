"""seed_bench at a few hundred cases: the shape of the district, on whichever
database the suite runs (SQLite or PostgreSQL)."""

import io
from collections import Counter

from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from grid.models import GridEvent, GridMember
from grid.selectors import event_page, member_grid_ids
from portal.accounts.models import StaffMembership, User
from portal.bench.district import BENCH_PASSWORD
from portal.bench.seed import WORKFLOW_TITLE
from portal.cases.models import (
    Case,
    CaseEvent,
    CaseGroupObjectPermission,
    CaseSequence,
    CaseUserObjectPermission,
    DeadlinePolicy,
    ServiceCategory,
)
from portal.cases.selectors import visible_cases

N = 600


def test_seed_bench_shape(db, tmp_path):
    """One seed (a few seconds), every check on it."""
    output = _seed(tmp_path)
    assert f"{N:,} cases" in output
    _statuses_share()
    _departments_skew()
    _timeline_and_history()
    _tracking_numbers_and_sequences()
    _people_and_exceptions()
    _grids()


def _seed(tmp_path):
    out = io.StringIO()
    call_command(
        "seed_bench",
        cases=N,
        workers=1,
        summary=str(tmp_path / "s.json"),
        stdout=out,
        stderr=io.StringIO(),
    )
    if connection.vendor == "postgresql":
        # Foreign keys are deferred: check them now, inside the test.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return out.getvalue()


def _statuses_share():
    generated = Case.objects.exclude(title=WORKFLOW_TITLE)
    assert generated.count() == N
    shares = Counter(generated.values_list("status", flat=True))
    assert 0.84 <= shares["closed"] / N <= 0.95
    open_ = sum(
        shares[s] for s in ("submitted", "needs_material", "accepted", "resolved")
    )
    assert 0.04 <= open_ / N <= 0.12
    closed = generated.filter(status="closed")
    assert closed.filter(rating__isnull=False).count() / closed.count() > 0.7


def _departments_skew():
    per_unit = sorted(
        Case.objects.values("department")
        .annotate(n=Count("id"))
        .values_list("n", flat=True),
        reverse=True,
    )
    assert 0.02 <= per_unit[0] / N <= 0.13
    assert 0.35 <= sum(per_unit[:10]) / N <= 0.65
    assert ServiceCategory.objects.count() >= 200
    assert DeadlinePolicy.objects.count() >= ServiceCategory.objects.count()


def _timeline_and_history():
    case = Case.objects.filter(status="closed").first()
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[0] == CaseEvent.Kind.SUBMITTED and "confirmed" in kinds
    history = list(case.history.order_by("history_date", "history_id"))
    assert len(history) == len(kinds)
    assert history[0].history_type == "+" and history[-1].status == "closed"
    assert history[0].history_user_id == case.submitter_id
    assert all(h.history_change_reason for h in history)
    assert CaseEvent.history.count() == CaseEvent.objects.count()
    # The long case made through the workflow itself.
    long_case = Case.objects.filter(title=WORKFLOW_TITLE).order_by("-version").first()
    assert long_case.events.count() == 42


def _tracking_numbers_and_sequences():
    numbers = list(Case.objects.values_list("tracking_number", flat=True))
    assert len(numbers) == len(set(numbers))
    generated = list(
        Case.objects.exclude(title=WORKFLOW_TITLE).values_list(
            "tracking_number", flat=True
        )
    )
    for sequence in CaseSequence.objects.all():
        top = max(n for n in generated if n.startswith(f"{sequence.year}-"))
        # The two workflow cases filed afterwards move the row on SQLite; on
        # PostgreSQL the year's database sequence takes over from it.
        assert sequence.last - 2 <= int(top.split("-")[1]) <= sequence.last
    made = Case.objects.filter(title=WORKFLOW_TITLE).values_list(
        "tracking_number", flat=True
    )
    assert all(number > max(generated) for number in made)


def _people_and_exceptions():
    exceptions = (
        CaseGroupObjectPermission.objects.count()
        + CaseUserObjectPermission.objects.count()
    )
    assert 1 <= exceptions <= N * 0.05
    clerk = User.objects.get(username="bench_clerk_00")
    assert clerk.check_password(BENCH_PASSWORD)
    assert StaffMembership.objects.filter(user=clerk).exists()
    assert visible_cases(clerk).exists()
    resident = User.objects.get(username="bench_resident_00")
    assert (
        visible_cases(resident).count()
        == Case.objects.filter(applicant=resident).count()
        > 0
    )
    hashes = set(
        User.objects.filter(username__startswith="r").values_list(
            "password", flat=True
        )[:50]
    )
    assert len(hashes) == 1  # one precomputed hash, never per row


def _grids():
    """Grid workers are members of their community's grid and see its
    events, so the phone API's list is a real list."""
    events = Case.objects.filter(kind="grid_event")
    assert events.exists()
    assert GridEvent.objects.count() == events.count()
    worker = User.objects.get(username="bench_grid_00")
    assert GridMember.objects.filter(user=worker).exists()
    for event in GridEvent.objects.select_related("case", "grid")[:20]:
        assert event.reporter_id == event.case.submitter_id
        assert event.grid.community_id == event.case.department_id
        assert GridMember.objects.filter(grid=event.grid, user=event.reporter).exists()
    assert event_page(worker, grid_ids=member_grid_ids(worker), size=1)[0]
