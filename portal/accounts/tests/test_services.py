import pytest
from django.contrib.auth.models import Group
from guardian.shortcuts import get_perms

from portal.accounts import services
from portal.accounts.models import (
    Department,
    DepartmentGroupObjectPermission,
    DepartmentLink,
    StaffMembership,
)
from portal.accounts.tests.factories import (
    UserFactory,
    make_clerk,
    make_committee_member,
    make_department,
)


@pytest.fixture
def tree(db):
    district = make_department("gulou", kind=Department.Kind.DISTRICT)
    street = make_department("huanghe", kind=Department.Kind.STREET, parent=district)
    community = make_department(
        "xinyuan", kind=Department.Kind.COMMUNITY, parent=street
    )
    return district, street, community


def links_of(department):
    return sorted(
        DepartmentLink.objects.filter(descendant=department).values_list(
            "ancestor__code", "depth"
        ),
        key=lambda row: row[1],
    )


@pytest.mark.django_db
def test_department_create_makes_its_group():
    department = services.department_create(
        name="住建局", code="housing", kind=Department.Kind.FUNCTIONAL
    )
    assert department.group.name == "dept:housing"
    assert Group.objects.filter(department=department).exists()


@pytest.mark.django_db
def test_department_create_makes_closure_rows(tree):
    district, street, community = tree
    assert links_of(district) == [("gulou", 0)]
    assert links_of(street) == [("huanghe", 0), ("gulou", 1)]
    assert links_of(community) == [("xinyuan", 0), ("huanghe", 1), ("gulou", 2)]
    assert list(community.ancestors()) == [community, street, district]


@pytest.mark.django_db
def test_department_create_grants_its_group_view_and_handle(tree):
    _district, street, community = tree
    assert sorted(get_perms(community.group, community)) == [
        "handle_cases_of",
        "view_cases_of",
    ]
    # The grant is on the department itself; the street's group holds none on
    # the community (the tree, read through the links, does that).
    assert get_perms(street.group, community) == []
    # Guardian writes the direct-foreign-key table, not the generic one.
    assert DepartmentGroupObjectPermission.objects.filter(
        content_object=community, group=community.group
    ).count() == 2


@pytest.mark.django_db
def test_department_grant_supervision():
    bureau = make_department("market")
    station = make_department("market-station-1")
    services.department_grant_supervision(supervisor=bureau, department=station)
    assert get_perms(bureau.group, station) == ["view_cases_of"]
    services.department_grant_supervision(
        supervisor=bureau, department=station, handle=True
    )
    assert sorted(get_perms(bureau.group, station)) == [
        "handle_cases_of",
        "view_cases_of",
    ]


@pytest.mark.django_db
def test_staff_member_add_clerk(tree):
    _district, street, _community = tree
    user = UserFactory(username="li")
    assert not user.is_staff
    membership = services.staff_member_add(user=user, department=street)
    user.refresh_from_db()
    assert membership.role == StaffMembership.Role.CLERK
    assert user.is_staff
    assert street.group in user.groups.all()
    assert user.has_perm("accounts.view_cases_of", street)
    assert user.has_perm("accounts.handle_cases_of", street)
    assert not user.has_perm("accounts.lead_cases_of", street)
    # A department grant is not a global permission.
    assert not user.has_perm("accounts.view_cases_of")


@pytest.mark.django_db
def test_staff_member_add_leader_and_demote(tree):
    _district, street, community = tree
    user = make_clerk(street, "leader_li", leader=True)
    assert user.has_perm("accounts.lead_cases_of", street)
    assert not user.has_perm("accounts.lead_cases_of", community)

    services.staff_member_add(
        user=user, department=street, role=StaffMembership.Role.CLERK
    )
    user = type(user).objects.get(pk=user.pk)  # fresh permission cache
    assert not user.has_perm("accounts.lead_cases_of", street)
    assert StaffMembership.objects.get(user=user).role == StaffMembership.Role.CLERK


@pytest.mark.django_db
def test_staff_member_remove(tree):
    _district, street, _community = tree
    user = make_clerk(street, "leader_li", leader=True)
    services.staff_member_remove(user=user, department=street)
    user = type(user).objects.get(pk=user.pk)
    assert not StaffMembership.objects.filter(user=user).exists()
    assert street.group not in user.groups.all()
    assert not user.has_perm("accounts.view_cases_of", street)
    assert not user.has_perm("accounts.lead_cases_of", street)


@pytest.mark.django_db
def test_staff_member_remove_keeps_other_departments(tree):
    _district, street, community = tree
    user = make_clerk(street, "zhao")
    services.staff_member_add(user=user, department=community)
    services.staff_member_remove(user=user, department=street)
    user = type(user).objects.get(pk=user.pk)
    assert list(user.groups.all()) == [community.group]
    assert user.has_perm("accounts.handle_cases_of", community)


@pytest.mark.django_db
def test_committee_member_gets_global_read_only_view():
    user = make_committee_member("committee_wu")
    user = type(user).objects.get(pk=user.pk)
    assert user.is_staff
    assert user.has_perm("cases.view_all_cases")
    assert not user.has_perm("cases.change_case")
    services.committee_member_add(user=user)  # twice is harmless
    assert user.groups.filter(name=services.COMMITTEE_GROUP).count() == 1


@pytest.mark.django_db
def test_get_system_user_is_idempotent_and_inactive(settings):
    first = services.get_system_user()
    second = services.get_system_user()
    assert first.pk == second.pk
    assert first.username == settings.SYSTEM_USERNAME
    assert not first.is_active
    assert not first.has_usable_password()
