import pytest

from portal.accounts.models import Department
from portal.accounts.tests.factories import (
    ResidentFactory,
    make_clerk,
    make_committee_member,
    make_department,
)
from portal.cases.tests.factories import make_category


@pytest.fixture
def district(db):
    """A small district: a street with two communities, and two bureaus."""
    district = make_department("district", kind=Department.Kind.DISTRICT, name="鼓楼区")
    street = make_department("street", kind=Department.Kind.STREET, parent=district, name="丰财街道")
    community = make_department(
        "community", kind=Department.Kind.COMMUNITY, parent=street, name="牌楼社区"
    )
    other_community = make_department(
        "community2", kind=Department.Kind.COMMUNITY, parent=street, name="民主社区"
    )
    housing = make_department("housing", parent=district, name="区住建局")
    market = make_department("market", parent=district, name="区市场监管局")
    return {
        "district": district,
        "street": street,
        "community": community,
        "other_community": other_community,
        "housing": housing,
        "market": market,
    }


@pytest.fixture
def people(district):
    return {
        "owner": ResidentFactory(username="owner"),
        "other_resident": ResidentFactory(username="other_resident"),
        "clerk": make_clerk(district["housing"], "clerk_housing"),
        "clerk2": make_clerk(district["housing"], "clerk_housing2"),
        "leader": make_clerk(district["housing"], "leader_housing", leader=True),
        "other_clerk": make_clerk(district["market"], "clerk_market"),
        "street_clerk": make_clerk(district["street"], "clerk_street"),
        "community_clerk": make_clerk(district["community"], "clerk_community"),
        "committee": make_committee_member("committee1"),
    }


@pytest.fixture
def category(district):
    return make_category(district["housing"])


@pytest.fixture
def fresh_tracking_numbers(db):
    """On PostgreSQL the tracking numbers come from one database sequence per
    year, which a transactional test elsewhere in the session may already
    have advanced (flushing tables does not reset sequences). Drop them for
    this test; the test's transaction rolls the drop back afterwards."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relkind = 'S'"
            " AND c.relname LIKE 'cases\\_tracking\\_%'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP SEQUENCE {name}")
