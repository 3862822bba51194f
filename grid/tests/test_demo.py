"""The demo district's grids and events: every level of the flow shows."""

import pytest

from grid import demo
from grid.models import GridEvent, GridMember
from portal.accounts import demo as accounts_demo
from portal.cases.models import Case, CaseStatus, CoHandling
from portal.cases.warnings import with_warning_colour


@pytest.mark.django_db
def test_demo_grids_and_events_at_every_level():
    context = {}
    accounts_demo.load(context)
    demo.load(context)
    assert context["grid_events_made"] >= 12
    member = GridMember.objects.get(user__username="gridworker1")
    assert member.role == "worker" and member.grid.community.code == "fengcai-minzhu"
    cases = [
        event.case for event in GridEvent.objects.select_related("case__department")
    ]
    kinds = {case.department.kind for case in cases}
    assert kinds == {"community", "street", "functional", "command_centre"}
    assert {case.status for case in cases} >= {
        CaseStatus.SUBMITTED,
        CaseStatus.ACCEPTED,
        CaseStatus.RESOLVED,
        CaseStatus.CLOSED,
    }
    assert CoHandling.objects.filter(department__code="market").count() == 3
    colours = set(
        with_warning_colour(Case.objects.filter(kind="grid_event")).values_list(
            "warning_colour", flat=True
        )
    )
    assert {"blue", "red"} <= colours
    count = GridEvent.objects.count()
    demo.load(context)  # a second run adds nothing
    assert GridEvent.objects.count() == count
