import pytest

from grid.whistle.tests.factories import file_street_case
from portal.accounts.models import Department
from portal.accounts.tests.factories import ResidentFactory, make_clerk, make_department
from portal.cases.tests.conftest import district, people  # noqa: F401
from portal.cases.tests.factories import make_category
from portal.notifications.tests.conftest import run_on_commit, sms_outbox  # noqa: F401


@pytest.fixture
def whistle_people(district, people):  # noqa: F811
    """The fixture district's people, plus the street's party secretary, a
    second street (pailou) with its own clerk, and the urban-management bureau."""
    other_street = make_department(
        "street2",
        kind=Department.Kind.STREET,
        parent=district["district"],
        name="牌楼街道",
    )
    urban = make_department("urban", parent=district["district"], name="区城管局")
    return {
        **people,
        "secretary": make_clerk(district["street"], "secretary_street", leader=True),
        "other_street_clerk": make_clerk(other_street, "clerk_street2"),
        "other_street_leader": make_clerk(other_street, "leader_street2", leader=True),
        "urban_clerk": make_clerk(urban, "clerk_urban"),
        "resident": ResidentFactory(username="street_resident"),
        "other_street": other_street,
        "urban": urban,
    }


@pytest.fixture
def community_category(district):  # noqa: F811
    return make_category(
        district["community"], code="community-matter", name="社区事务"
    )


@pytest.fixture
def street_case(district, whistle_people, community_category):  # noqa: F811
    """An accepted matter of the street's community: the street may handle it."""
    return file_street_case(
        community_category,
        applicant=whistle_people["resident"],
        handler=whistle_people["street_clerk"],
    )
