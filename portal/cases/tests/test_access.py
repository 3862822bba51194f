"""Who may see what: (owner, another resident, a clerk of the owning
department, a clerk of another department, the committee, anonymous) ×
(list, detail, attachment, history), on the site and in the admin."""

import pytest
from django.urls import reverse

from portal.cases import workflow
from portal.cases.selectors import sees_all_cases, visible_cases
from portal.cases.tests.factories import file_case, pdf_upload

ROLES = ["owner", "other_resident", "clerk", "other_clerk", "committee", "anonymous"]


@pytest.fixture
def case(category, people):
    case = file_case(category, people["owner"], files=[pdf_upload("身份证.pdf")])
    return workflow.accept_case(case=case, actor=people["clerk"], note="已受理")


@pytest.fixture
def as_role(client, people):
    def login(role):
        if role != "anonymous":
            client.force_login(people[role])
        return client

    return login


def urls(case):
    attachment = case.attachments.get()
    return {
        "list": reverse("cases:list"),
        "detail": reverse("cases:detail", args=[case.pk]),
        "attachment": reverse("cases:attachment", args=[case.pk, attachment.pk]),
        "history": reverse("cases:history", args=[case.pk]),
        "admin_list": reverse("admin:cases_case_changelist"),
        "admin_detail": reverse("admin:cases_case_change", args=[case.pk]),
        "admin_history": reverse("admin:cases_case_history", args=[case.pk]),
    }


# What each role gets: "ok" shows the case, "absent" is a list without it,
# 404 as if it did not exist, 403 refused, "login" redirected to log in.
EXPECTED = {
    "owner": {
        "list": "ok", "detail": "ok", "attachment": "ok", "history": 403,
        "admin_list": "login", "admin_detail": "login", "admin_history": "login",
    },
    "other_resident": {
        "list": "absent", "detail": 404, "attachment": 404, "history": 404,
        "admin_list": "login", "admin_detail": "login", "admin_history": "login",
    },
    "clerk": {
        "list": "ok", "detail": "ok", "attachment": "ok", "history": "ok",
        "admin_list": "ok", "admin_detail": "ok", "admin_history": "ok",
    },
    "other_clerk": {
        "list": "absent", "detail": 404, "attachment": 404, "history": 404,
        "admin_list": "absent", "admin_detail": "redirect", "admin_history": 404,
    },
    "committee": {
        "list": "ok", "detail": "ok", "attachment": "ok", "history": "ok",
        "admin_list": "ok", "admin_detail": "ok", "admin_history": "ok",
    },
    "anonymous": {
        "list": "login", "detail": "login", "attachment": "login", "history": "login",
        "admin_list": "login", "admin_detail": "login", "admin_history": "login",
    },
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(EXPECTED["owner"]))
def test_access_matrix(case, as_role, role, page):
    client = as_role(role)
    response = client.get(urls(case)[page])
    expected = EXPECTED[role][page]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if expected == "ok":
        assert response.status_code == 200
        if page == "attachment":
            assert body.startswith(b"%PDF")
            assert response["Content-Disposition"].startswith("attachment")
        else:
            assert case.tracking_number.encode() in body
    elif expected == "absent":
        assert response.status_code == 200
        assert case.tracking_number.encode() not in body
    elif expected == "login":
        assert response.status_code == 302
        assert "login" in response["Location"]
    elif expected == "redirect":
        # The admin answers an object outside the queryset as "does not exist"
        # and sends the user back to the index, revealing nothing.
        assert response.status_code == 302
        assert case.tracking_number.encode() not in body
    else:
        assert response.status_code == expected
        assert case.tracking_number.encode() not in body


def test_unknown_case_looks_the_same_as_a_hidden_one(case, as_role):
    client = as_role("other_clerk")
    hidden = client.get(reverse("cases:detail", args=[case.pk]))
    missing = client.get(reverse("cases:detail", args=[case.pk + 1000]))
    assert hidden.status_code == missing.status_code == 404


def test_resident_sees_public_timeline_only(case, people, as_role):
    workflow.assign_case(case=case, actor=people["clerk"], assignee=people["clerk2"])
    owner_page = as_role("owner").get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "已受理" in owner_page
    assert str(people["clerk2"]) not in owner_page


def test_internal_attachment_hidden_from_the_applicant(case, people, as_role):
    from portal.cases.attachments import check_upload, store_attachment

    upload = pdf_upload("内部意见.pdf")
    content_type, sha = check_upload(upload)
    internal = store_attachment(
        case=case, upload=upload, content_type=content_type, sha256=sha,
        uploaded_by=people["clerk"], is_internal=True,
    )
    url = reverse("cases:attachment", args=[case.pk, internal.pk])
    assert as_role("owner").get(url).status_code == 404
    as_role("clerk")
    assert as_role("clerk").get(url).status_code == 200


def test_committee_cannot_act_in_the_admin(case, people, as_role):
    client = as_role("committee")
    response = client.post(
        reverse("admin:cases_case_changelist"),
        {"action": "accept_selected", "_selected_action": [case.pk]},
    )
    assert response.status_code in (200, 302)
    case.refresh_from_db()
    assert case.events.count() == 2  # submitted, accepted: nothing new


def test_no_one_deletes_a_case_in_the_admin(case, people, client):
    from portal.accounts.tests.factories import UserFactory

    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    response = client.get(reverse("admin:cases_case_delete", args=[case.pk]))
    assert response.status_code == 403
    response = client.post(reverse("admin:cases_case_delete", args=[case.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert type(case).objects.filter(pk=case.pk).exists()


def test_visible_cases_reads_the_departments_once_then_lists_their_ids(
    people, case, django_assert_num_queries
):
    """The departments the user sees through a grant are read once per user
    object (one small query on the department tables) and the case query
    lists them as literal ids, so PostgreSQL plans with the department
    column's statistics; the exception grants stay subqueries (on
    PostgreSQL ``= ANY(ARRAY(...))`` InitPlans, so each arm of the OR can
    use an index), and nothing is a correlated EXISTS evaluated per case."""
    clerk = type(people["clerk"]).objects.get(pk=people["clerk"].pk)  # fresh
    sees_all_cases(clerk)  # (the admin asks it anyway: two permission queries)
    with django_assert_num_queries(2):  # the department ids, then the cases
        assert list(visible_cases(clerk)) == [case]
    queryset = visible_cases(clerk)
    sql = str(queryset.query).upper()
    assert "EXISTS" not in sql
    assert f'"CASES_CASE"."DEPARTMENT_ID" IN ({case.department_id})' in sql
    assert '"CASES_CASE"."ID" IN (SELECT' in sql or "= ANY(ARRAY(" in sql
    with django_assert_num_queries(1):  # the ids are kept on the user object
        assert list(queryset) == [case]


def test_a_new_grant_shows_from_the_next_request(people, case, district):
    """The ids are kept on the user object, which lives for one request: the
    same object keeps its answer, a freshly loaded user (the next request)
    sees the new grant."""
    from guardian.shortcuts import assign_perm

    other_clerk = people["other_clerk"]
    assert list(visible_cases(other_clerk)) == []
    assign_perm("accounts.view_cases_of", other_clerk, district["housing"])
    assert list(visible_cases(other_clerk)) == []
    reloaded = type(other_clerk).objects.get(pk=other_clerk.pk)
    assert list(visible_cases(reloaded)) == [case]


def test_supervisor_sees_subtree_but_not_siblings(district, people):
    from portal.cases.tests.factories import make_category

    in_community = file_case(make_category(district["community"], code="c1"), people["owner"])
    in_other = file_case(make_category(district["other_community"], code="c2"), people["owner"])
    assert set(visible_cases(people["street_clerk"])) == {in_community, in_other}
    assert set(visible_cases(people["community_clerk"])) == {in_community}
    assert set(visible_cases(people["clerk"])) == set()


@pytest.mark.parametrize(
    "role",
    [
        "owner",
        "other_resident",
        "clerk",
        "leader",
        "other_clerk",
        "street_clerk",
        "community_clerk",
        "committee",
    ],
)
def test_policies_answer_as_the_selectors_once_the_ids_are_read(people, case, role):
    """The policies say yes without a query when the request has read the
    user's department ids and the case is under one of them; whatever the
    route, each answer equals the selector's, for view, internal view,
    handling and leading, before and after the ids are read."""
    from portal.cases import policies, selectors

    expected = {
        policies.can_view: selectors.visible_cases,
        policies.can_view_internal: selectors.staff_visible_cases,
        policies.can_handle: selectors.handleable_cases,
        policies.can_lead: selectors.leadable_cases,
    }
    cold = type(people[role]).objects.get(pk=people[role].pk)  # nothing read yet
    warm = type(people[role]).objects.get(pk=people[role].pk)
    list(visible_cases(warm))  # what a page does first: the ids are now known
    for policy, selector in expected.items():
        answer = selector(type(cold).objects.get(pk=cold.pk)).filter(pk=case.pk).exists()
        assert policy(cold, case) is answer, (policy.__name__, "cold")
        assert policy(warm, case) is answer, (policy.__name__, "warm")


def test_a_view_only_grant_does_not_let_the_shortcut_handle(people, case, district):
    """A clerk who may only view a department's cases is not taken for one
    who may handle them: the ids are kept per codename."""
    from guardian.shortcuts import assign_perm

    from portal.cases import policies

    viewer = people["other_clerk"]
    assign_perm("accounts.view_cases_of", viewer, district["housing"])
    viewer = type(viewer).objects.get(pk=viewer.pk)
    assert list(visible_cases(viewer)) == [case]
    assert policies.can_view(viewer, case) and policies.can_view_internal(viewer, case)
    assert not policies.can_handle(viewer, case)
    assert not policies.can_lead(viewer, case)


def test_staff_who_only_reported_a_case_cannot_read_its_admin_history(
    category, people, client
):
    """A grid worker (staff, a clerk of his community) reports a matter for
    another department: he follows it as its reporter, but its history, with
    the handling department's internal notes, is the department's."""
    reporter = people["community_clerk"]
    case = file_case(category, None, submitter=reporter)
    workflow.accept_case(case=case, actor=people["clerk"], note="内部：先核实产权")
    client.force_login(reporter)
    history = reverse("admin:cases_case_history", args=[case.pk])
    assert client.get(history).status_code == 403
    version = case.history.order_by("history_id").first().history_id
    past = reverse("admin:cases_case_simple_history", args=[case.pk, version])
    assert client.get(past).status_code == 403
    client.force_login(people["clerk"])
    assert client.get(history).status_code == 200


def test_sees_all_cases_is_the_permission_of_staff_only(people, db):
    """sees_all_cases is has_perm("cases.view_all_cases") for staff (held
    directly or through a group; no other permission or group counts) and
    False for everyone else: committee_member_add makes its members staff,
    and a resident put in a group with the permission by hand still sees
    only their own matters (so a resident's page asks no permission)."""
    from django.contrib.auth.models import Group, Permission

    perms = Permission.objects.filter(content_type__app_label="cases")
    view_all = perms.get(codename="view_all_cases")
    other = perms.get(codename="view_case")
    User = type(people["owner"])
    names = ("direct", "grouped", "other_perm", "other_group", "plain")
    committee = Group.objects.create(name="sees_all_committee")
    committee.permissions.add(view_all)
    bystanders = Group.objects.create(name="sees_all_bystanders")
    bystanders.permissions.add(other)
    holds = {"direct": True, "grouped": True}
    for is_staff in (False, True):
        users = {
            name: User.objects.create(
                username=f"sees_all_{name}_{is_staff}", is_staff=is_staff
            )
            for name in names
        }
        users["direct"].user_permissions.add(view_all)
        users["grouped"].groups.add(committee)
        users["other_perm"].user_permissions.add(other)
        users["other_group"].groups.add(bystanders)
        for name, user in users.items():
            fresh = User.objects.get(pk=user.pk)
            expected = is_staff and holds.get(name, False)
            assert sees_all_cases(fresh) is expected, (name, is_staff)
            assert fresh.has_perm("cases.view_all_cases") is holds.get(name, False)


def test_a_resident_with_the_committee_permission_sees_only_their_own(
    case, people, db
):
    """A resident given view_all_cases by hand (not through
    committee_member_add, which makes them staff) is refused another's
    case on the resident site, and lists only their own."""
    from django.contrib.auth.models import Permission
    from django.test import Client

    resident = people["other_resident"]
    assert not resident.is_staff
    resident.user_permissions.add(
        Permission.objects.get(
            codename="view_all_cases", content_type__app_label="cases"
        )
    )
    client = Client()
    client.force_login(resident)
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert case.tracking_number not in client.get("/cases/").content.decode()


def test_case_is_visible_answers_as_visible_cases(category, people, district, db):
    """case_is_visible tells from a case already read what visible_cases
    says of it, for every kind of user (anonymous, inactive, residents,
    clerks of the department, above it, beside it, with a per-case grant to
    them or to their group, the committee, a superuser) and every kind of
    case (own, submitted for another, in and out of their departments)."""
    from django.contrib.auth.models import AnonymousUser, Group
    from guardian.shortcuts import assign_perm

    from portal.accounts.models import User
    from portal.cases.selectors import case_is_visible

    owner, clerk = people["owner"], people["clerk"]
    cases = [
        file_case(category, owner),
        file_case(category, None, submitter=people["community_clerk"]),
        file_case(category, people["other_resident"], submitter=clerk),
    ]
    granted = file_case(category, people["other_resident"])
    group = Group.objects.create(name="co_handlers")
    people["other_clerk"].groups.add(group)
    assign_perm("cases.view_case", group, granted)
    assign_perm("cases.handle_case", people["street_clerk"], granted)
    cases.append(granted)
    inactive = User.objects.create(
        username="inactive_clerk", is_staff=True, is_active=False
    )
    superuser = User.objects.create(username="root", is_staff=True, is_superuser=True)
    users = [AnonymousUser(), inactive, superuser, *people.values()]

    def fresh(user):  # nothing read on the user object yet
        return User.objects.get(pk=user.pk) if user.pk else user

    for user in users:
        for case in cases:
            expected = visible_cases(fresh(user)).filter(pk=case.pk).exists()
            assert case_is_visible(fresh(user), case) is expected, (str(user), case.pk)
    # Every route is taken: yes and no, each for several reasons.
    answers = {
        (user.pk, case.pk): case_is_visible(user, case)
        for user in users
        for case in cases
    }
    assert answers[(owner.pk, cases[0].pk)] and answers[(clerk.pk, cases[0].pk)]
    assert answers[(people["other_clerk"].pk, granted.pk)]
    assert answers[(people["street_clerk"].pk, granted.pk)]
    assert not answers[(people["other_clerk"].pk, cases[0].pk)]
    assert not answers[(people["other_resident"].pk, cases[0].pk)]
    assert not answers[(inactive.pk, cases[0].pk)]
    assert not answers[(None, cases[0].pk)]
