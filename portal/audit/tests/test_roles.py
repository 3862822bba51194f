"""三权分立: system administrator, security administrator and auditor each see
exactly their part; the audit log is read-only for everyone."""

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from portal.accounts.models import Department
from portal.accounts.tests.factories import ResidentFactory, UserFactory
from portal.audit import roles, services
from portal.audit.models import AuditRecord

pytestmark = pytest.mark.django_db

AUDIT_LIST = reverse("admin:audit_auditrecord_changelist")
USER_LIST = reverse("admin:accounts_user_changelist")
DEPARTMENT_LIST = reverse("admin:accounts_department_changelist")
GROUP_LIST = reverse("admin:auth_group_changelist")
CATEGORY_LIST = reverse("admin:cases_servicecategory_changelist")


def _member(role, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def sysadmin():
    return _member(roles.SYSTEM_ADMINISTRATORS, "sysadmin")


@pytest.fixture
def secadmin():
    return _member(roles.SECURITY_ADMINISTRATORS, "secadmin")


@pytest.fixture
def auditor():
    return _member(roles.AUDITORS, "auditor")


@pytest.fixture
def some_records():
    services.record(action="export", object_type="t.t", object_id=1)
    services.record(action="login", result="failed", actor_username="x***")


def test_the_three_groups_exist_after_migrate():
    for name, permissions in roles.ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=name)
        got = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert got == set(permissions)


def _status(client, user, *urls):
    client.force_login(user)
    return [client.get(url).status_code for url in urls]


def test_auditor_reads_the_audit_log_and_nothing_else(client, auditor, some_records):
    assert _status(client, auditor, AUDIT_LIST, USER_LIST, DEPARTMENT_LIST, GROUP_LIST, CATEGORY_LIST) == [
        200,
        403,
        403,
        403,
        403,
    ]
    app_list = client.get(reverse("admin:index")).context["app_list"]
    assert "audit" in [app["app_label"] for app in app_list]
    # Any other page an is_staff account reaches shows it no rows at all.
    for app in app_list:
        if app["app_label"] == "audit":
            continue
        for model in app["models"]:
            page = client.get(model["admin_url"])
            assert page.status_code == 200 and page.context["cl"].result_count == 0
    response = client.get(AUDIT_LIST, {"action__exact": "login", "q": "x***"})
    assert [r.action for r in response.context["cl"].result_list] == ["login"]


def test_auditor_exports_csv_and_the_export_is_recorded(client, auditor, some_records):
    client.force_login(auditor)
    ids = list(AuditRecord.objects.values_list("pk", flat=True))
    response = client.post(
        AUDIT_LIST,
        {"action": "export_csv", "_selected_action": ids, "index": 0},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + len(ids)
    export = AuditRecord.objects.filter(action="export", actor=auditor).get()
    assert export.detail == {"format": "csv", "rows": len(ids)}


@pytest.mark.parametrize("who", ["auditor", "superuser"])
def test_the_audit_log_is_read_only_for_everyone(client, auditor, some_records, who):
    user = (
        auditor
        if who == "auditor"
        else UserFactory(username="root", is_staff=True, is_superuser=True)
    )
    client.force_login(user)
    record = AuditRecord.objects.first()
    change = reverse("admin:audit_auditrecord_change", args=[record.pk])
    delete = reverse("admin:audit_auditrecord_delete", args=[record.pk])
    assert client.get(reverse("admin:audit_auditrecord_add")).status_code == 403
    assert client.get(delete).status_code == 403
    before = record.hash
    client.post(change, {"result": "failed"})
    record.refresh_from_db()
    assert record.hash == before and record.result == "success"
    page = client.get(AUDIT_LIST)
    assert "delete_selected" not in page.context["action_form"].fields["action"].choices.__repr__()


def test_system_administrator_manages_users_and_configuration_not_the_log(
    client, sysadmin
):
    resident = ResidentFactory(username="wang")
    assert _status(client, sysadmin, AUDIT_LIST, USER_LIST, DEPARTMENT_LIST, CATEGORY_LIST, GROUP_LIST) == [
        403,
        200,
        200,
        200,
        403,
    ]
    form = client.get(
        reverse("admin:accounts_user_change", args=[resident.pk])
    ).context["adminform"].form
    # Profiles yes, privileges no.
    assert "real_name" in form.fields
    for field in ("is_staff", "is_superuser", "groups", "user_permissions"):
        assert field not in form.fields


def test_security_administrator_grants_privileges_only(client, secadmin):
    resident = ResidentFactory(username="wang", real_name="王")
    assert _status(client, secadmin, AUDIT_LIST, USER_LIST, GROUP_LIST, DEPARTMENT_LIST, CATEGORY_LIST) == [
        403,
        200,
        200,
        403,
        403,
    ]
    url = reverse("admin:accounts_user_change", args=[resident.pk])
    form = client.get(url).context["adminform"].form
    assert {"groups", "user_permissions", "is_staff"} <= set(form.fields)
    assert "is_superuser" not in form.fields and "real_name" not in form.fields
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[resident.pk])
    assert client.get(password_url).status_code == 403
    auditors = Group.objects.get(name=roles.AUDITORS)
    response = client.post(
        url,
        {"is_staff": "on", "groups": [auditors.pk], "user_permissions": []},
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.real_name == "王" and resident.groups.get() == auditors
    change = AuditRecord.objects.get(action="admin_change")
    assert change.actor == secadmin and change.object_id == str(resident.pk)


def test_demo_has_an_auditor_login():
    from portal.accounts.demo import LOGINS
    from portal.audit import demo

    Department.objects.all()  # the demo needs no departments for this part
    context = {}
    demo.load(context)
    assert roles.is_auditor(context["people"]["auditor1"])
    assert "auditor1" in [login for login, _label in LOGINS]
