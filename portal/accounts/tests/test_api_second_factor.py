"""The phone API's token endpoint asks staff for the second factor as the
site does (issue 7): a grid worker or a clerk gets no token with the password
alone; residents log in with the password as before."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from portal.accounts import second_factor
from portal.accounts.lockout import lockout_message
from portal.accounts.models import Department
from portal.accounts.tests.factories import (
    ResidentFactory,
    make_clerk,
    make_department,
)
from portal.api.auth import OTP_INVALID, OTP_NOT_ENROLLED, OTP_REQUIRED
from portal.audit.models import AuditRecord

PASSWORD = "yiwang-test-pass"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def worker():
    """A grid worker: a clerk of the community, so staff."""
    community = make_department("minzhu", kind=Department.Kind.COMMUNITY)
    return make_clerk(community, username="gridworker")


@pytest.fixture
def device(worker):
    return TOTPDevice.objects.create(user=worker, name="phone", confirmed=True)


def code_now(device) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def obtain(username, password=PASSWORD, **extra):
    return APIClient().post(
        reverse("api:token"),
        {"username": username, "password": password, **extra},
        format="json",
    )


def refused(response, message, code):
    assert response.status_code == 401, response.content
    body = response.json()
    assert body == {"message": str(message), "extra": {"code": code}}
    assert "access" not in body and "refresh" not in body


def test_staff_get_no_token_with_the_password_alone(worker, device):
    refused(obtain("gridworker"), OTP_REQUIRED, "otp_required")
    refused(obtain("gridworker", otp_token=""), OTP_REQUIRED, "otp_required")
    assert not OutstandingToken.objects.exists()
    failed = AuditRecord.objects.filter(action="login", result="failed")
    assert [(r.actor, r.detail["door"]) for r in failed] == [(worker, "api")] * 2
    assert not AuditRecord.objects.filter(action="login", result="success")


def test_a_code_from_the_app_gives_the_tokens(worker, device):
    code = code_now(device)
    response = obtain("gridworker", otp_token=code)
    assert response.status_code == 200
    assert {"access", "refresh"} <= set(response.json())
    assert AuditRecord.objects.filter(action="login", result="success").count() == 1
    # The same code twice is refused (a TOTP code is accepted once).
    refused(obtain("gridworker", otp_token=code), OTP_INVALID, "otp_invalid")


def test_a_wrong_code_is_refused(worker, device):
    wrong = f"{(int(code_now(device)) + 1) % 1000000:06d}"
    refused(obtain("gridworker", otp_token=wrong), OTP_INVALID, "otp_invalid")


def test_a_backup_code_works_once(worker, device):
    codes = second_factor.backup_codes_create(user=worker)
    assert obtain("gridworker", otp_token=codes[0]).status_code == 200
    refused(obtain("gridworker", otp_token=codes[0]), OTP_INVALID, "otp_invalid")
    assert obtain("gridworker", otp_token=codes[1].upper()).status_code == 200


def test_staff_without_a_device_are_sent_to_the_website(worker):
    refused(
        obtain("gridworker", otp_token="123456"), OTP_NOT_ENROLLED, "otp_not_enrolled"
    )


def test_a_wrong_password_is_refused_before_the_code_is_looked_at(worker, device):
    response = obtain("gridworker", password="not-the-password", otp_token="1")
    assert response.status_code == 401
    # simplejwt's answer for a wrong password, nothing about the code.
    assert "otp" not in response.content.decode()


def test_wrong_codes_count_toward_the_lockout(worker, device):
    for _ in range(4):
        assert obtain("gridworker", otp_token="000000").status_code == 401
    assert obtain("gridworker").status_code == 429
    response = obtain("gridworker", otp_token=code_now(device))
    assert response.status_code == 429
    assert response.json() == {
        "message": lockout_message(),
        "extra": {"code": "locked_out"},
    }
    assert not OutstandingToken.objects.exists()
    assert AuditRecord.objects.filter(action="login", result="failed").count() == 6


def test_residents_log_in_with_the_password_alone():
    ResidentFactory(username="wang")
    response = obtain("wang")
    assert response.status_code == 200
    assert {"access", "refresh"} <= set(response.json())


def test_the_schema_shows_the_second_factor_field(client):
    response = client.get(
        reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    schema = response.json()
    operation = schema["paths"]["/api/v1/auth/token/"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
    assert {"username", "password", "otp_token"} <= set(fields)
    assert "otp_required" in operation["description"]
