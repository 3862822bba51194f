"""The entry a delivery task reads (selectors.event_for_delivery, written as
SQL) is what the ORM's select_related query gives: the same values, the same
deferred fields, the people cached (none missing, no query to reach them)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.cases import workflow
from portal.cases.models import CaseEvent
from portal.cases.tests.factories import file_case
from portal.notifications.recipients import RECIPIENT_FIELDS
from portal.notifications.selectors import (
    DELIVERY_CASE_FIELDS,
    DELIVERY_PEOPLE,
    event_for_delivery,
)

pytestmark = pytest.mark.django_db


def _orm(event_id):
    return (
        CaseEvent.objects.select_related(
            *(["case"] + [f"case__{person}" for person in DELIVERY_PEOPLE])
        )
        .only(
            *(f.name for f in CaseEvent._meta.concrete_fields),
            *(f"case__{name}" for name in DELIVERY_CASE_FIELDS),
            *(
                f"case__{person}__{field}"
                for person in DELIVERY_PEOPLE
                for field in RECIPIENT_FIELDS
            ),
        )
        .get(pk=event_id)
    )


def _values(instance):
    if instance is None:
        return None
    loaded = instance.get_deferred_fields()
    return (
        type(instance),
        {
            f.attname: getattr(instance, f.attname)
            for f in instance._meta.concrete_fields
            if f.attname not in loaded
        },
        loaded,
    )


@pytest.mark.parametrize("assigned", [False, True])
def test_event_for_delivery_is_the_orms_entry(people, category, assigned):
    case = file_case(category, people["owner"], title="楼道漏水 <b>")
    if assigned:
        case = workflow.accept_case(case=case, actor=people["clerk"])
        case = workflow.assign_case(
            case=case, actor=people["clerk"], assignee=people["clerk2"]
        )
    event = case.events.order_by("pk").last()
    ours, theirs = event_for_delivery(event.pk), _orm(event.pk)
    assert _values(ours) == _values(theirs)
    assert _values(ours.case) == _values(theirs.case)
    with CaptureQueriesContext(connection) as queries:
        for person in DELIVERY_PEOPLE:
            assert _values(getattr(ours.case, person)) == _values(
                getattr(theirs.case, person)
            )
    assert queries.captured_queries == []
    assert (ours.case.assignee is not None) == assigned
    # A field not read is deferred: reading it costs a query, never a default.
    assert ours.case.status == case.status


def test_a_missing_entry_is_none(people, category):
    assert event_for_delivery(0) is None


def test_staff_members_are_the_orms(district, people):
    from portal.accounts.models import StaffMembership, User
    from portal.accounts.tests.factories import make_clerk
    from portal.notifications.selectors import staff_members

    gone = make_clerk(district["housing"], "clerk_housing_gone")
    gone.is_active = False
    gone.save()
    for role in StaffMembership.Role.values:
        theirs = list(
            User.objects.filter(
                memberships__department_id=district["housing"].pk,
                memberships__role=role,
                is_active=True,
            )
            .only(*RECIPIENT_FIELDS)
            .order_by("pk")
        )
        ours = staff_members(district["housing"].pk, role)
        assert [_values(user) for user in ours] == [_values(u) for u in theirs]
    clerks = staff_members(district["housing"].pk, StaffMembership.Role.CLERK)
    assert people["clerk"] in clerks and gone not in clerks
