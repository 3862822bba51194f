import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.accounts.models import Department, DepartmentLink, StaffMembership, User
from portal.audit.models import AuditRecord
from portal.accounts.tests.factories import (
    ResidentFactory,
    UserFactory,
    make_clerk,
    make_department,
)

NUMBER = "11010519491231002X"
MASKED = "110105********002X"

USER_LIST = "/admin/accounts/user/"
DEPARTMENT_LIST = "/admin/accounts/department/"


def grant(user, *codenames):
    for codename in codenames:
        app_label, name = codename.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=name)
        )
    return User.objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def resident(db):
    return ResidentFactory(username="wang", mobile="13900139000", resident_id=NUMBER)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def user_manager(db):
    """Manages users, may not see full identity numbers."""
    user = UserFactory(username="manager", is_staff=True)
    return grant(user, "accounts.view_user", "accounts.change_user")


@pytest.fixture
def registrar(db):
    """Manages users and may see full identity numbers."""
    user = UserFactory(username="registrar", is_staff=True)
    return grant(
        user,
        "accounts.view_user",
        "accounts.change_user",
        "accounts.view_full_resident_id",
    )


@pytest.fixture
def clerk(db):
    return make_clerk(make_department("housing"), "clerk_housing")


def change_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


# -- the user list and form ------------------------------------------------


@pytest.mark.django_db
def test_superuser_sees_the_user_list_with_masked_numbers(client, superuser, resident):
    client.force_login(superuser)
    response = client.get(USER_LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "wang" in html
    assert MASKED in html
    assert "139****9000" in html
    assert NUMBER not in html
    assert "13900139000" not in html


@pytest.mark.django_db
def test_manager_without_permission_sees_only_the_masked_number(
    client, user_manager, resident
):
    client.force_login(user_manager)
    for url in (USER_LIST, change_url(resident)):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert MASKED in html, url
        assert NUMBER not in html, url
    form = client.get(change_url(resident)).context["adminform"].form
    assert "resident_id" not in form.fields


@pytest.mark.django_db
def test_manager_cannot_change_the_number_by_posting_it(client, user_manager, resident):
    client.force_login(user_manager)
    form = client.get(change_url(resident)).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None
    }
    data.update(
        username="wang",
        resident_id="320102199003071234",
        date_joined_0="2026-01-01",
        date_joined_1="00:00:00",
    )
    response = client.post(change_url(resident), data)
    assert response.status_code == 302  # saved, without the posted number
    resident.refresh_from_db()
    assert resident.resident_id == NUMBER


@pytest.mark.django_db
def test_holder_of_the_permission_sees_and_edits_the_full_number(
    client, registrar, resident
):
    client.force_login(registrar)
    # Masked by default for them too, with a way to reveal it.
    page = client.get(change_url(resident)).content.decode()
    assert NUMBER not in page and MASKED in page and "?reveal=1" in page
    assert not AuditRecord.objects.filter(action="reveal").exists()
    response = client.get(change_url(resident) + "?reveal=1")
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.initial["resident_id"] == NUMBER
    assert NUMBER in response.content.decode()
    reveal = AuditRecord.objects.get(action="reveal")
    assert (reveal.actor, reveal.object_type, reveal.object_id) == (
        registrar,
        "accounts.user",
        str(resident.pk),
    )
    assert reveal.address == "127.0.0.1" and reveal.detail["field"] == "resident_id"
    # Neither the record nor the list holds the number.
    assert NUMBER not in str(AuditRecord.objects.values_list())
    assert NUMBER not in client.get(USER_LIST).content.decode()


@pytest.mark.django_db
def test_without_the_permission_reveal_shows_nothing_and_records_nothing(
    client, user_manager, resident
):
    client.force_login(user_manager)
    page = client.get(change_url(resident) + "?reveal=1").content.decode()
    assert NUMBER not in page and MASKED in page and "?reveal=1" not in page
    assert not AuditRecord.objects.filter(action="reveal").exists()


@pytest.mark.django_db
def test_holder_entering_a_lower_case_x_duplicate_gets_a_form_error(
    client, registrar, resident
):
    other = ResidentFactory(username="li")
    client.force_login(registrar)
    response = client.get(change_url(other) + "?reveal=1")
    form = response.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None and name != "password"
    }
    data.update(
        resident_id=NUMBER.lower(),
        date_joined_0="2026-01-01",
        date_joined_1="00:00:00",
    )
    response = client.post(change_url(other) + "?reveal=1", data)
    assert response.status_code == 200
    assert "resident_id" in response.context["adminform"].form.errors


@pytest.mark.django_db
@pytest.mark.parametrize("term", [NUMBER, NUMBER.lower(), f" {NUMBER} "])
def test_search_by_exact_resident_id_finds_without_showing(
    client, user_manager, resident, term
):
    ResidentFactory(username="li")
    client.force_login(user_manager)
    response = client.get(USER_LIST, {"q": term})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [resident]
    assert MASKED in response.content.decode()


@pytest.mark.django_db
def test_search_by_part_of_a_resident_id_finds_nothing(client, user_manager, resident):
    client.force_login(user_manager)
    response = client.get(USER_LIST, {"q": NUMBER[:10]})
    assert list(response.context["cl"].result_list) == []


@pytest.mark.django_db
def test_search_by_mobile(client, user_manager, resident):
    client.force_login(user_manager)
    response = client.get(USER_LIST, {"q": "13900139000"})
    assert list(response.context["cl"].result_list) == [resident]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "lookup",
    ["resident_id__startswith", "resident_id", "resident_id__contains", "mobile"],
)
def test_numbers_cannot_be_probed_through_list_filters(
    client, user_manager, resident, lookup
):
    client.force_login(user_manager)
    response = client.get(USER_LIST, {lookup: NUMBER[:6]})
    # Refused outright (DisallowedModelAdminLookup) instead of answering
    # "some user's number starts with this".
    assert response.status_code == 400


@pytest.mark.django_db
def test_history_diffs_mask_the_number(client, user_manager, registrar, resident):
    resident.resident_id = "320102199003071234"
    resident.save()
    url = reverse("admin:accounts_user_history", args=[resident.pk])
    client.force_login(user_manager)
    html = client.get(url).content.decode()
    assert "320102********1234" in html
    assert "320102199003071234" not in html
    assert NUMBER not in html
    client.force_login(registrar)
    assert "320102199003071234" not in client.get(url).content.decode()
    assert "320102199003071234" in client.get(url + "?reveal=1").content.decode()
    assert AuditRecord.objects.get(action="reveal").detail == {
        "field": "resident_id",
        "where": "admin user history",
    }


@pytest.mark.django_db
def test_history_revert_is_refused(client, superuser, resident):
    client.force_login(superuser)
    version = resident.history.earliest()
    url = reverse(
        "admin:accounts_user_simple_history", args=[resident.pk, version.history_id]
    )
    assert client.get(url).status_code == 200
    response = client.post(url, {"username": "hijacked"})
    assert response.status_code == 403
    resident.refresh_from_db()
    assert resident.username == "wang"


@pytest.mark.django_db
def test_manager_cannot_make_anyone_a_superuser(client, user_manager, resident):
    client.force_login(user_manager)
    form = client.get(change_url(resident)).context["adminform"].form
    assert not {"is_superuser", "is_staff", "groups", "user_permissions"} & set(
        form.fields
    )


@pytest.mark.django_db
def test_manager_cannot_change_a_superuser(client, user_manager, superuser):
    client.force_login(user_manager)
    response = client.get(change_url(superuser))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    password_url = reverse("admin:auth_user_password_change", args=[superuser.pk])
    assert client.get(password_url).status_code == 403


@pytest.mark.django_db
def test_view_permission_alone_does_not_open_the_user_admin(client):
    user = grant(UserFactory(username="viewer", is_staff=True), "accounts.view_user")
    client.force_login(user)
    assert client.get(USER_LIST).status_code == 403


@pytest.mark.django_db
def test_superuser_adds_a_user_with_real_name_profile(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "zhao",
            "usable_password": "true",
            "password1": "a-long-enough-pass-2026",
            "password2": "a-long-enough-pass-2026",
            "real_name": "赵六",
            "mobile": "13700137000",
            "resident_id": NUMBER.lower(),
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="zhao")
    assert (user.real_name, user.mobile, user.resident_id) == (
        "赵六",
        "13700137000",
        NUMBER,
    )


@pytest.mark.django_db
def test_manager_add_form_has_no_resident_id(client, user_manager):
    user_manager = grant(user_manager, "accounts.add_user")
    client.force_login(user_manager)
    response = client.get(reverse("admin:accounts_user_add"))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "resident_id" not in form.fields
    assert {"real_name", "mobile"} <= set(form.fields)


# -- clerks ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", [USER_LIST, DEPARTMENT_LIST, "/admin/accounts/user/add/"]
)
def test_clerk_is_refused(client, clerk, url):
    client.force_login(clerk)
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_clerk_cannot_open_a_user_or_department(client, clerk):
    client.force_login(clerk)
    department = clerk.memberships.get().department
    for url in (
        change_url(clerk),
        reverse("admin:accounts_department_change", args=[department.pk]),
        reverse("admin:accounts_user_history", args=[clerk.pk]),
    ):
        assert client.get(url).status_code == 403, url
    # The app index has nothing for them.
    assert client.get("/admin/accounts/").status_code == 404


@pytest.mark.django_db
def test_clerk_admin_index_does_not_list_accounts(client, clerk):
    client.force_login(clerk)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert USER_LIST not in response.content.decode()
    assert DEPARTMENT_LIST not in response.content.decode()


@pytest.mark.django_db
def test_user_manager_may_not_use_the_department_admin(client, user_manager):
    client.force_login(user_manager)
    assert client.get(DEPARTMENT_LIST).status_code == 403


# -- departments -----------------------------------------------------------


@pytest.mark.django_db
def test_department_list(client, superuser):
    district = make_department("gulou", kind=Department.Kind.DISTRICT, name="鼓楼区")
    make_department("huanghe", kind=Department.Kind.STREET, parent=district)
    client.force_login(superuser)
    response = client.get(DEPARTMENT_LIST)
    assert response.status_code == 200
    assert [d.code for d in response.context["cl"].result_list] == [
        "gulou",
        "huanghe",
    ]
    assert "鼓楼区" in response.content.decode()


@pytest.mark.django_db
def test_creating_a_department_through_the_admin(client, superuser):
    district = make_department("gulou", kind=Department.Kind.DISTRICT)
    street = make_department("huanghe", kind=Department.Kind.STREET, parent=district)
    member = UserFactory(username="sun")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:accounts_department_add"),
        {
            "name": "新园社区",
            "code": "xinyuan",
            "kind": Department.Kind.COMMUNITY,
            "parent": street.pk,
            "phone": "",
            "address": "",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-user": member.pk,
            "memberships-0-role": StaffMembership.Role.LEADER,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    community = Department.objects.get(code="xinyuan")
    assert community.group.name == "dept:xinyuan"
    assert sorted(
        DepartmentLink.objects.filter(descendant=community).values_list(
            "ancestor__code", "depth"
        )
    ) == [("gulou", 2), ("huanghe", 1), ("xinyuan", 0)]
    member = User.objects.get(pk=member.pk)
    assert member.is_staff
    assert community.group in member.groups.all()
    assert member.has_perm("accounts.handle_cases_of", community)
    assert member.has_perm("accounts.lead_cases_of", community)
    assert community.history.first().history_user == superuser


def department_change_data(department, **memberships):
    data = {
        "name": department.name,
        "kind": department.kind,
        "phone": department.phone,
        "address": department.address,
        "is_active": "on" if department.is_active else "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    data.update(memberships)
    return data


@pytest.mark.django_db
def test_parent_and_code_are_read_only_after_creation(client, superuser):
    district = make_department("gulou", kind=Department.Kind.DISTRICT)
    other = make_department("quanshan", kind=Department.Kind.DISTRICT)
    street = make_department("huanghe", kind=Department.Kind.STREET, parent=district)
    client.force_login(superuser)
    url = reverse("admin:accounts_department_change", args=[street.pk])
    form = client.get(url).context["adminform"].form
    assert "parent" not in form.fields and "code" not in form.fields
    data = department_change_data(street, parent=other.pk, code="moved")
    data["name"] = "黄河街道"
    response = client.post(url, data)
    assert response.status_code == 302
    street.refresh_from_db()
    assert (street.name, street.code, street.parent) == ("黄河街道", "huanghe", district)
    assert not DepartmentLink.objects.filter(ancestor=other, descendant=street).exists()


@pytest.mark.django_db
def test_staff_inline_goes_through_the_services(client, superuser):
    department = make_department("housing")
    clerk = make_clerk(department, "clerk_housing")
    membership = StaffMembership.objects.get(user=clerk)
    client.force_login(superuser)
    url = reverse("admin:accounts_department_change", args=[department.pk])
    prefix = "memberships-0-"

    # Promote to leader.
    data = department_change_data(
        department,
        **{
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            prefix + "id": membership.pk,
            prefix + "department": department.pk,
            prefix + "user": clerk.pk,
            prefix + "role": StaffMembership.Role.LEADER,
        },
    )
    assert client.post(url, data).status_code == 302
    assert User.objects.get(pk=clerk.pk).has_perm("accounts.lead_cases_of", department)

    # Remove.
    data[prefix + "DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    clerk = User.objects.get(pk=clerk.pk)
    assert not StaffMembership.objects.filter(user=clerk).exists()
    assert department.group not in clerk.groups.all()
    assert not clerk.has_perm("accounts.lead_cases_of", department)


@pytest.mark.django_db
def test_department_delete_is_refused(client, superuser):
    department = make_department("housing")
    client.force_login(superuser)
    url = reverse("admin:accounts_department_delete", args=[department.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    response = client.post(
        DEPARTMENT_LIST,
        {"action": "delete_selected", "_selected_action": [department.pk]},
    )
    assert Department.objects.filter(pk=department.pk).exists()
    assert response.status_code in (200, 302)


# -- query counts ----------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_user_list_query_count_does_not_grow(client, superuser):
    client.force_login(superuser)
    ResidentFactory.create_batch(3)
    few = count_queries(client, USER_LIST)
    ResidentFactory.create_batch(27)
    assert count_queries(client, USER_LIST) == few


@pytest.mark.django_db
def test_department_list_query_count_does_not_grow(client, superuser):
    client.force_login(superuser)
    district = make_department("d0", kind=Department.Kind.DISTRICT)
    for i in range(3):
        make_department(f"s{i}", kind=Department.Kind.STREET, parent=district)
    few = count_queries(client, DEPARTMENT_LIST)
    for i in range(3, 30):
        make_department(f"s{i}", kind=Department.Kind.STREET, parent=district)
    assert count_queries(client, DEPARTMENT_LIST) == few


@pytest.mark.django_db
def test_staff_inline_replacing_the_user_moves_the_grants(client, superuser):
    department = make_department("housing")
    before = make_clerk(department, "clerk_before", leader=True)
    after = UserFactory(username="clerk_after")
    membership = StaffMembership.objects.get(user=before)
    client.force_login(superuser)
    url = reverse("admin:accounts_department_change", args=[department.pk])
    prefix = "memberships-0-"
    data = department_change_data(
        department,
        **{
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            prefix + "id": membership.pk,
            prefix + "department": department.pk,
            prefix + "user": after.pk,
            prefix + "role": StaffMembership.Role.LEADER,
        },
    )
    assert client.post(url, data).status_code == 302
    before = User.objects.get(pk=before.pk)
    after = User.objects.get(pk=after.pk)
    assert not before.has_perm("accounts.lead_cases_of", department)
    assert department.group not in before.groups.all()
    assert after.is_staff and department.group in after.groups.all()
    assert after.has_perm("accounts.lead_cases_of", department)
    assert list(department.memberships.values_list("user__username", flat=True)) == [
        "clerk_after"
    ]
