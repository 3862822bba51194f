"""三权分立 enforced where privileges are given (issue 7): nobody holds two of
the three administrator roles, an auditor holds nothing else, nobody gives
themselves or their own group anything, the role groups are fixed; refusals
are shown on the page and save nothing; every grant and removal is audited.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.accounts import grants, services
from portal.accounts.models import Department
from portal.accounts.tests.factories import (
    ResidentFactory,
    UserFactory,
    make_department,
)
from portal.audit import roles
from portal.audit.models import AuditRecord
from portal.cases.tests.site_helpers import page, shown

pytestmark = pytest.mark.django_db


def _member(role, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def secadmin():
    return _member(roles.SECURITY_ADMINISTRATORS, "secadmin")


@pytest.fixture
def sysadmin():
    return _member(roles.SYSTEM_ADMINISTRATORS, "sysadmin")


@pytest.fixture
def auditor():
    return _member(roles.AUDITORS, "auditor")


def role(name) -> Group:
    return Group.objects.get(name=name)


def perm(label) -> Permission:
    app_label, codename = label.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def user_url(user) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def group_url(group) -> str:
    return reverse("admin:auth_group_change", args=[group.pk])


def post_user(client, user, *, groups=(), permissions=(), is_staff=True):
    data = {
        "groups": [g.pk for g in groups],
        "user_permissions": [p.pk for p in permissions],
    }
    if is_staff:
        data["is_staff"] = "on"
    return client.post(user_url(user), data)


def grant_records():
    return list(
        AuditRecord.objects.filter(
            action__in=["permission_grant", "permission_revoke"]
        )
        .order_by("id")
        .values_list("action", "actor_username", "detail__permission", "object_id")
    )


def refused_on_page(response, message, **params):
    assert response.status_code == 200, response.status_code
    assert shown(message, **params) in page(response)


# -- refusals on the user page ------------------------------------------------


def test_security_administrator_cannot_join_the_auditors(client, secadmin):
    client.force_login(secadmin)
    both = [role(roles.SECURITY_ADMINISTRATORS), role(roles.AUDITORS)]
    response = post_user(client, secadmin, groups=both)
    refused_on_page(response, grants.NOT_YOUR_OWN)
    assert list(secadmin.groups.all()) == [role(roles.SECURITY_ADMINISTRATORS)]
    assert grant_records() == []


def test_nobody_changes_their_own_permissions_or_staff_status(client, secadmin):
    client.force_login(secadmin)
    response = post_user(
        client,
        secadmin,
        groups=[role(roles.SECURITY_ADMINISTRATORS)],
        permissions=[perm("cases.view_all_cases")],
    )
    refused_on_page(response, grants.NOT_YOUR_OWN)
    assert not secadmin.user_permissions.exists()
    response = post_user(
        client, secadmin, groups=[role(roles.SECURITY_ADMINISTRATORS)], is_staff=False
    )
    refused_on_page(response, grants.NOT_YOUR_OWN)
    secadmin.refresh_from_db()
    assert secadmin.is_staff


def test_no_one_holds_two_roles(client, secadmin, sysadmin):
    client.force_login(secadmin)
    both = [role(roles.SYSTEM_ADMINISTRATORS), role(roles.AUDITORS)]
    response = post_user(client, sysadmin, groups=both)
    names = "、".join(
        str(grants.ROLE_LABELS[name])
        for name in sorted([roles.SYSTEM_ADMINISTRATORS, roles.AUDITORS])
    )
    refused_on_page(response, grants.TWO_ROLES, user="sysadmin", roles=names)
    assert list(sysadmin.groups.all()) == [role(roles.SYSTEM_ADMINISTRATORS)]
    # Nor through a permission that only another role has.
    response = post_user(
        client,
        sysadmin,
        groups=[role(roles.SYSTEM_ADMINISTRATORS)],
        permissions=[perm("accounts.manage_grants")],
    )
    assert response.status_code == 200
    assert not sysadmin.user_permissions.exists()
    assert grant_records() == []


def test_an_auditor_holds_nothing_else(client, secadmin, auditor):
    committee = services.committee_group()
    client.force_login(secadmin)
    response = post_user(client, auditor, groups=[role(roles.AUDITORS), committee])
    refused_on_page(response, grants.AUDITOR_ONLY, user="auditor")
    response = post_user(
        client,
        auditor,
        groups=[role(roles.AUDITORS)],
        permissions=[perm("cases.view_all_cases")],
    )
    refused_on_page(response, grants.AUDITOR_ONLY, user="auditor")
    assert list(auditor.groups.all()) == [role(roles.AUDITORS)]
    assert not auditor.user_permissions.exists()


def test_the_system_administrator_gives_no_privileges(client, sysadmin):
    resident = ResidentFactory(username="wang")
    client.force_login(sysadmin)
    post_user(client, resident, groups=[role(roles.AUDITORS)])
    assert not resident.groups.exists()
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403


# -- refusals on the group page -------------------------------------------------


def test_role_groups_are_fixed(client, secadmin):
    client.force_login(secadmin)
    own = role(roles.SECURITY_ADMINISTRATORS)
    before = set(own.permissions.all())
    response = client.get(group_url(own))
    assert "permissions" not in response.context["adminform"].form.fields
    client.post(
        group_url(own),
        {"name": "mine", "permissions": [perm("audit.view_auditrecord").pk]},
    )
    own.refresh_from_db()
    assert own.name == roles.SECURITY_ADMINISTRATORS
    assert set(own.permissions.all()) == before
    auditors = role(roles.AUDITORS)
    delete = reverse("admin:auth_group_delete", args=[auditors.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Group.objects.filter(name=roles.AUDITORS).exists()
    response = client.post(
        reverse("admin:auth_group_add"), {"name": roles.AUDITORS, "permissions": []}
    )
    assert response.status_code == 200
    assert Group.objects.filter(name=roles.AUDITORS).count() == 1


def test_no_one_changes_a_group_they_belong_to(client, secadmin):
    team = Group.objects.create(name="security team")
    secadmin.groups.add(team)
    client.force_login(secadmin)
    response = client.post(
        group_url(team),
        {"name": team.name, "permissions": [perm("cases.view_all_cases").pk]},
    )
    refused_on_page(response, grants.NOT_YOUR_GROUP)
    assert not team.permissions.exists()


def test_a_group_cannot_make_its_members_hold_two_roles(client, secadmin, sysadmin):
    other = _member(roles.SECURITY_ADMINISTRATORS, "secadmin2")
    helpers = Group.objects.create(name="helpers")
    sysadmin.groups.add(helpers)
    client.force_login(other)
    response = client.post(
        group_url(helpers),
        {"name": "helpers", "permissions": [perm("audit.view_auditrecord").pk]},
    )
    assert response.status_code == 200
    assert "sysadmin" in page(response)
    assert not helpers.permissions.exists()
    # A group may not carry two roles' permissions either, members or not.
    response = client.post(
        reverse("admin:auth_group_add"),
        {
            "name": "everything",
            "permissions": [
                perm("audit.view_auditrecord").pk,
                perm("accounts.change_user").pk,
            ],
        },
    )
    assert response.status_code == 200
    assert not Group.objects.filter(name="everything").exists()
    assert grant_records() == []


def test_services_refuse_a_second_role():
    auditor = _member(roles.AUDITORS, "auditor")
    housing = make_department("housing", kind=Department.Kind.FUNCTIONAL)
    with pytest.raises(ValidationError) as refused:
        services.staff_member_add(user=auditor, department=housing)
    assert refused.value.code == "auditor_only"
    assert not auditor.memberships.exists()
    assert list(auditor.groups.all()) == [role(roles.AUDITORS)]
    with pytest.raises(ValidationError):
        services.committee_member_add(user=auditor)


# -- the permitted paths, each audited -----------------------------------------------


def test_security_administrator_gives_and_takes_roles_with_audit(client, secadmin):
    resident = ResidentFactory(username="wang")
    client.force_login(secadmin)
    response = post_user(
        client,
        resident,
        groups=[role(roles.AUDITORS)],
    )
    assert response.status_code == 302
    assert list(resident.groups.all()) == [role(roles.AUDITORS)]
    response = post_user(
        client, resident, permissions=[perm("cases.view_all_cases")], is_staff=False
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert not resident.is_staff and not resident.groups.exists()
    wang = str(resident.pk)
    assert grant_records() == [
        ("permission_grant", "secadmin", "is_staff", wang),
        ("permission_grant", "secadmin", f"group:{roles.AUDITORS}", wang),
        ("permission_revoke", "secadmin", "is_staff", wang),
        ("permission_revoke", "secadmin", f"group:{roles.AUDITORS}", wang),
        ("permission_grant", "secadmin", "cases.view_all_cases", wang),
    ]
    # The admin's own change record is still written as well.
    changes = AuditRecord.objects.filter(action="admin_change", object_id=wang)
    assert changes.count() == 2


def test_security_administrator_changes_a_group_with_audit(client, secadmin):
    helpers = Group.objects.create(name="helpers")
    client.force_login(secadmin)
    view_all = perm("cases.view_all_cases")
    response = client.post(
        group_url(helpers), {"name": "helpers", "permissions": [view_all.pk]}
    )
    assert response.status_code == 302
    assert list(helpers.permissions.all()) == [view_all]
    client.post(group_url(helpers), {"name": "helpers", "permissions": []})
    assert not helpers.permissions.exists()
    assert grant_records() == [
        ("permission_grant", "secadmin", "cases.view_all_cases", str(helpers.pk)),
        ("permission_revoke", "secadmin", "cases.view_all_cases", str(helpers.pk)),
    ]
    # A new group with one role's permissions is fine.
    response = client.post(
        reverse("admin:auth_group_add"),
        {"name": "readers", "permissions": [perm("audit.view_auditrecord").pk]},
    )
    assert response.status_code == 302


def test_a_superuser_may_change_their_own_grants():
    # Break-glass accounts (docs/security.md); still audited.
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    grants.user_grants_set(
        actor=root, user=root, permissions=[perm("cases.view_all_cases")]
    )
    assert root.user_permissions.count() == 1
    assert grant_records() == [
        ("permission_grant", "root", "cases.view_all_cases", str(root.pk))
    ]


def test_the_system_administrator_cannot_staff_a_department(client, sysadmin):
    """Departments are configuration (the system administrator's), but who
    works in one is a grant: the staff inline is not theirs to change."""
    from portal.accounts.tests.test_admin import department_change_data

    housing = make_department("housing", kind=Department.Kind.FUNCTIONAL)
    client.force_login(sysadmin)
    url = reverse("admin:accounts_department_change", args=[housing.pk])
    page_ = client.get(url)
    assert page_.status_code == 200
    assert "memberships-TOTAL_FORMS" not in page(page_)
    prefix = "memberships-0-"
    data = department_change_data(
        housing,
        **{
            "memberships-TOTAL_FORMS": "1",
            prefix + "department": housing.pk,
            prefix + "user": sysadmin.pk,
            prefix + "role": "leader",
        },
    )
    client.post(url, data)
    assert not housing.memberships.exists()
    assert housing.group not in sysadmin.groups.all()


def test_staffing_a_department_with_an_auditor_is_refused_on_the_page(client):
    from portal.accounts.tests.test_admin import department_change_data

    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    auditor = _member(roles.AUDITORS, "auditor")
    housing = make_department("housing", kind=Department.Kind.FUNCTIONAL)
    client.force_login(root)
    url = reverse("admin:accounts_department_change", args=[housing.pk])
    prefix = "memberships-0-"
    data = department_change_data(
        housing,
        **{
            "memberships-TOTAL_FORMS": "1",
            prefix + "department": housing.pk,
            prefix + "user": auditor.pk,
            prefix + "role": "clerk",
        },
    )
    response = client.post(url, data)
    refused_on_page(response, grants.AUDITOR_ONLY, user="auditor")
    assert not housing.memberships.exists()
    assert list(auditor.groups.all()) == [role(roles.AUDITORS)]


def test_a_new_department_cannot_be_staffed_with_an_auditor(client):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    auditor = _member(roles.AUDITORS, "auditor")
    client.force_login(root)
    prefix = "memberships-0-"
    response = client.post(
        reverse("admin:accounts_department_add"),
        {
            "name": "住建局",
            "code": "housing",
            "kind": Department.Kind.FUNCTIONAL,
            "phone": "",
            "address": "",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            prefix + "user": auditor.pk,
            prefix + "role": "clerk",
        },
    )
    refused_on_page(response, grants.AUDITOR_ONLY, user="auditor")
    assert not Department.objects.filter(code="housing").exists()
