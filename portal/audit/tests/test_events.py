"""Each security event writes one audit record: refusals of a case, grants
and removals, exports and downloads, admin configuration changes."""

import pytest
from django.urls import reverse

from portal.accounts import services as account_services
from portal.accounts.models import Department
from portal.accounts.tests.factories import (
    ResidentFactory,
    UserFactory,
    make_clerk,
    make_committee_member,
    make_department,
)
from portal.audit.models import AuditRecord
from portal.cases.tests.factories import file_case, make_category, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    housing = make_department("housing")
    market = make_department("market")
    owner = ResidentFactory(username="owner")
    case = file_case(make_category(housing), owner, files=[pdf_upload()])
    return {
        "case": case,
        "owner": owner,
        "other": ResidentFactory(username="other"),
        "clerk": make_clerk(housing, "clerk_housing"),
        "other_clerk": make_clerk(market, "clerk_market"),
        "housing": housing,
        "market": market,
    }


def _refusals():
    return list(
        AuditRecord.objects.filter(action="access", result="refused")
        .order_by("id")
        .values_list("actor_username", "object_type", "object_id")
    )


def test_site_refusal_of_a_case_is_recorded_and_success_is_not(client, world):
    case = world["case"]
    url = reverse("cases:detail", args=[case.pk])
    client.force_login(world["other"])
    assert client.get(url).status_code == 404
    client.force_login(world["owner"])
    assert client.get(url).status_code == 200
    client.logout()
    client.get(url)  # anonymous: sent to the login page, never reaches the case
    assert _refusals() == [("other", "cases.case", str(case.pk))]
    refusal = AuditRecord.objects.get(action="access")
    assert refusal.address == "127.0.0.1"


def test_a_case_one_may_see_writes_no_record(client, world):
    client.force_login(world["owner"])
    url = reverse("cases:detail", args=[world["case"].pk])
    client.get(url)
    before = AuditRecord.objects.count()
    client.get(url)
    assert AuditRecord.objects.count() == before


def test_admin_refusal_of_a_case_is_recorded(client, world):
    case = world["case"]
    client.force_login(world["other_clerk"])
    response = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert response.status_code in (302, 404)
    client.get(reverse("admin:cases_case_history", args=[case.pk]))
    assert _refusals() == [("clerk_market", "cases.case", str(case.pk))] * 2


def test_attachment_download_is_recorded_and_a_refusal_too(client, world):
    case = world["case"]
    attachment = case.attachments.get()
    url = reverse("cases:attachment", args=[case.pk, attachment.pk])
    client.force_login(world["clerk"])
    assert client.get(url).status_code == 200
    record = AuditRecord.objects.get(action="export")
    assert (record.actor, record.object_type, record.object_id) == (
        world["clerk"],
        "cases.attachment",
        str(attachment.pk),
    )
    client.force_login(world["other_clerk"])
    assert client.get(url).status_code == 404
    assert _refusals() == [("clerk_market", "cases.case", str(case.pk))]


def test_grants_and_removals_are_recorded(world):
    user = UserFactory(username="newclerk")
    account_services.staff_member_add(user=user, department=world["housing"])
    account_services.staff_member_remove(user=user, department=world["housing"])
    make_committee_member("watcher")
    rows = list(
        AuditRecord.objects.filter(action__startswith="permission")
        .order_by("id")
        .values_list("action", "object_type", "detail")
    )[-3:]
    assert rows[0][:2] == ("permission_grant", "accounts.department")
    assert rows[0][2]["holder"] == f"accounts.user:{user.pk}"
    assert rows[1][:2] == ("permission_revoke", "accounts.department")
    assert rows[2][0] == "permission_grant" and rows[2][2]["permission"] == (
        "group:committee"
    )
    # Commands and fixtures have no request: the actor is the system.
    assert AuditRecord.objects.filter(actor_username="system").exists()


def test_per_case_grants_in_the_workflow_are_recorded(world):
    from portal.cases import workflow

    case = world["case"]
    clerk = world["clerk"]
    workflow.accept_case(case=case, actor=clerk)
    workflow.co_handle_case(case=case, actor=clerk, department=world["market"])
    grant = AuditRecord.objects.filter(
        action="permission_grant", object_type="cases.case"
    ).get()
    assert grant.actor == clerk and grant.detail["permission"] == "cases.handle_case"


def test_negative_list_export_is_recorded(client, world):
    committee = make_committee_member("committee_export")
    client.force_login(committee)
    url = reverse("whistle:negative_list_export", args=["csv"]) + "?year=2026"
    assert client.get(url).status_code == 200
    record = AuditRecord.objects.get(action="export")
    assert record.actor == committee
    assert record.detail == {"what": "whistle.negative_list", "format": "csv", "year": 2026}


def test_admin_configuration_changes_are_recorded(client):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    response = client.post(
        reverse("admin:accounts_department_add"),
        {
            "name": "新部门",
            "code": "newdept",
            "kind": Department.Kind.FUNCTIONAL,
            "phone": "",
            "address": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content
    department = Department.objects.get(code="newdept")
    record = AuditRecord.objects.get(action="admin_add")
    assert (record.actor, record.object_type, record.object_id) == (
        root,
        "accounts.department",
        str(department.pk),
    )


def test_admin_bulk_delete_records_each_object(client):
    """Django writes the log entries of a multi-object delete in bulk, with
    no signal: the wrapped "delete selected" action records them."""
    from django.contrib.auth.models import Group

    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    first, second = Group.objects.create(name="g1"), Group.objects.create(name="g2")
    client.force_login(root)
    response = client.post(
        reverse("admin:auth_group_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [first.pk, second.pk],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not Group.objects.filter(name__in=["g1", "g2"]).exists()
    deleted = set(
        AuditRecord.objects.filter(action="admin_delete").values_list(
            "object_type", "object_repr"
        )
    )
    assert deleted == {("auth.group", "g1"), ("auth.group", "g2")}
