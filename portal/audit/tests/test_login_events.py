"""Login success and failure on every door write one audit record each, and
no password, token or identity number reaches the table or the log."""

import logging

import pytest
from django.db import connection
from django.urls import reverse

from portal.accounts.tests.factories import ResidentFactory, make_resident_id
from portal.audit.models import AuditRecord

PASSWORD = "Secret-Pass-2026!xyz"
NUMBER = make_resident_id(321)

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident():
    user = ResidentFactory(username="wanglogin", resident_id=NUMBER)
    user.set_password(PASSWORD)
    user.save()
    return user


def _table_text() -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {AuditRecord._meta.db_table}")
        return repr(cursor.fetchall())


def test_site_login_success_and_failure(client, resident):
    client.post(reverse("login"), {"username": "wanglogin", "password": "wrong-one-123"})
    client.post(reverse("login"), {"username": "wanglogin", "password": PASSWORD})
    failed, success = AuditRecord.objects.order_by("id")
    assert (failed.action, failed.result, failed.actor) == ("login", "failed", resident)
    assert (success.action, success.result, success.actor) == (
        "login",
        "success",
        resident,
    )
    assert success.address == "127.0.0.1"
    assert success.detail == {"door": "site"}


def test_admin_login_is_recorded_with_its_door(client, resident):
    resident.is_staff = True
    resident.save()
    client.post(
        reverse("admin:login"), {"username": "wanglogin", "password": PASSWORD}
    )
    record = AuditRecord.objects.get(action="login", result="success")
    assert record.detail["door"] == "admin"


def test_api_token_login_success_and_failure(client, resident):
    url = "/api/v1/auth/token/"
    bad = client.post(
        url, {"username": "wanglogin", "password": "nope-nope-123"}, "application/json"
    )
    good = client.post(
        url, {"username": "wanglogin", "password": PASSWORD}, "application/json"
    )
    assert bad.status_code == 401 and good.status_code == 200
    records = list(AuditRecord.objects.order_by("id").values_list("result", "detail"))
    assert records == [("failed", {"door": "api", "known_account": True}), ("success", {"door": "api"})]
    text = _table_text()
    assert good.json()["access"] not in text
    assert good.json()["refresh"] not in text


def test_no_password_or_identity_number_in_table_or_log(client, resident, caplog):
    caplog.set_level(logging.DEBUG)
    # A password typed in the name box, an identity number as the name, and
    # the right password: none of them may be kept.
    client.post(reverse("login"), {"username": PASSWORD, "password": PASSWORD})
    client.post(reverse("login"), {"username": NUMBER, "password": PASSWORD})
    client.post(reverse("login"), {"username": "wanglogin", "password": PASSWORD})
    assert AuditRecord.objects.count() == 3
    text = _table_text() + caplog.text
    for secret in (PASSWORD, NUMBER, NUMBER[:17], NUMBER[6:14]):
        assert secret not in text
    unknown = AuditRecord.objects.order_by("id").first()
    assert unknown.actor is None and unknown.actor_username == PASSWORD[:1] + "***"
