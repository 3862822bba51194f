"""No password, token, one-time code or full identity number ever reaches the
audit log, the login records (django-axes) or the application log (issue 7),
across every door: site and admin logins with the second factor, the phone
API's token endpoint with its refresh and logout, a password change, the
admin's search by identity number and a reveal of one."""

import logging

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from portal.accounts import second_factor
from portal.accounts.models import Department
from portal.accounts.tests.factories import (
    ResidentFactory,
    UserFactory,
    make_clerk,
    make_department,
    make_resident_id,
)
from portal.audit.models import AuditRecord

PASSWORD = "Secret-Pass-2026!xyz"
NEW_PASSWORD = "Another-Pass-2027!abc"
STAFF_PASSWORD = "Staff-Pass-2026!qrs"
NUMBER = make_resident_id(4321)

pytestmark = [pytest.mark.django_db, pytest.mark.no_auto_second_factor]

LOGGED_TABLES = [
    "audit_auditrecord",
    "axes_accessattempt",
    "axes_accesslog",
    "axes_accessfailurelog",
]


def _tables_text() -> str:
    text = []
    with connection.cursor() as cursor:
        for table in LOGGED_TABLES:
            cursor.execute(f"SELECT * FROM {table}")
            text.append(repr(cursor.fetchall()))
    return "\n".join(text)


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def test_no_secret_reaches_any_log(caplog):
    caplog.set_level(logging.DEBUG)
    secrets = [PASSWORD, NEW_PASSWORD, STAFF_PASSWORD, NUMBER, NUMBER[:17]]

    resident = ResidentFactory(username="wanglog", resident_id=NUMBER)
    resident.set_password(PASSWORD)
    resident.save()
    clerk = make_clerk(make_department("housing", kind=Department.Kind.FUNCTIONAL))
    clerk.set_password(STAFF_PASSWORD)
    clerk.save()
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    backup = second_factor.backup_codes_create(user=clerk)
    secrets += backup[:2]

    # The site: a password typed in the name box, the number as the name.
    site = Client()
    site.post(reverse("login"), {"username": PASSWORD, "password": PASSWORD})
    site.post(reverse("login"), {"username": NUMBER, "password": PASSWORD})
    site.post(reverse("login"), {"username": "wanglog", "password": PASSWORD})
    site.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    # The phone API: a resident, then a staff member with the second factor.
    api = APIClient()
    url = reverse("api:token")
    api.post(url, {"username": "wanglog", "password": PASSWORD}, format="json")
    tokens = api.post(
        url, {"username": "wanglog", "password": NEW_PASSWORD}, format="json"
    ).json()
    refreshed = api.post(
        reverse("api:token-refresh"), {"refresh": tokens["refresh"]}, format="json"
    ).json()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed['access']}")
    api.get("/api/v1/events/")
    api.post(
        reverse("api:logout"), {"refresh": refreshed["refresh"]}, format="json"
    )
    secrets += [tokens["access"], tokens["refresh"]]
    secrets += [refreshed["access"], refreshed["refresh"]]
    staff_api = APIClient()
    login = {"username": clerk.username, "password": STAFF_PASSWORD}
    staff_api.post(url, login, format="json")
    staff_api.post(url, {**login, "otp_token": "000000"}, format="json")
    staff_tokens = staff_api.post(
        url, {**login, "otp_token": backup[0]}, format="json"
    ).json()
    secrets += [staff_tokens["access"], staff_tokens["refresh"]]

    # The admin: password, a wrong code, a backup code, the app's code.
    admin = Client()
    admin.post(reverse("admin:login"), login)
    admin.post(reverse("otp_verify"), {"code": "zzzzzzzz"})
    admin.post(reverse("otp_verify"), {"code": backup[1]})
    code = f"{totp(device.bin_key, step=device.step):06d}"
    secrets.append(code)
    admin.post(reverse("admin:logout"))
    admin.post(reverse("admin:login"), login)
    admin.post(reverse("otp_verify"), {"code": code})

    # A superuser searches by identity number and reveals one.
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    boss = Client()
    boss.force_login(root)
    session = boss.session
    session["otp_device_id"] = (
        TOTPDevice.objects.create(user=root, name="x", confirmed=True).persistent_id
    )
    session.save()
    users = reverse("admin:accounts_user_changelist")
    assert boss.get(users, {"q": NUMBER}).status_code == 200
    change = reverse("admin:accounts_user_change", args=[resident.pk])
    assert NUMBER in boss.get(change, {"reveal": "1"}).content.decode()

    actions = set(AuditRecord.objects.values_list("action", "result"))
    assert {
        ("login", "failed"),
        ("login", "success"),
        ("reveal", "success"),
    } <= actions
    text = _tables_text() + "\n" + caplog.text
    leaked = [secret for secret in secrets if secret in text]
    assert leaked == []
