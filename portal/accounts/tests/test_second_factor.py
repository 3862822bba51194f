"""The second factor for staff (issue 7): after the password, an admin page
sends a staff member to the second-factor step (a TOTP code or a backup
code); one without a device yet enrols first, with a QR code drawn by the
site itself."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django.db import connection
from django.test.utils import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts import second_factor
from portal.accounts.models import BackupCode, Department
from portal.accounts.second_factor_views import CODE_INVALID
from portal.accounts.tests.factories import (
    ResidentFactory,
    make_clerk,
    make_department,
)
from portal.cases.tests.site_helpers import page, shown

PASSWORD = "yiwang-test-pass"
STAFF_PASSWORD = "Zhu-jian-ju-2026"

pytestmark = [pytest.mark.django_db, pytest.mark.no_auto_second_factor]


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    # django-otp slows down repeated wrong codes (1, 2, 4 ... seconds); the
    # tests that type a wrong code and then a right one need no waiting.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def clerk():
    clerk = make_clerk(make_department("housing", kind=Department.Kind.FUNCTIONAL))
    clerk.set_password(STAFF_PASSWORD)
    clerk.save()
    return clerk


@pytest.fixture
def device(clerk):
    return TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)


def code_now(device) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def admin_login(client, user, password=STAFF_PASSWORD):
    return client.post(
        reverse("admin:login") + "?next=" + reverse("admin:index"),
        {"username": user.username, "password": password, "next": "/admin/"},
    )


def verify_url(next_url="/admin/") -> str:
    return reverse("otp_verify") + "?next=" + next_url.replace("/", "%2F")


def test_an_admin_page_after_the_password_asks_for_the_second_factor(
    client, clerk, device
):
    response = admin_login(client, clerk)
    assert response.status_code == 302
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == verify_url()
    # Every admin page and every site page, not only the index.
    changelist = reverse("admin:cases_case_changelist")
    assert client.get(changelist)["Location"].startswith(reverse("otp_verify"))
    assert client.get(reverse("home"))["Location"].startswith(reverse("otp_verify"))
    assert client.get(verify_url()).status_code == 200


def test_a_code_from_the_app_opens_the_admin(client, clerk, device):
    admin_login(client, clerk)
    response = client.post(
        reverse("otp_verify"), {"code": code_now(device), "next": "/admin/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_wrong_code_is_refused_next_to_the_field(client, clerk, device):
    admin_login(client, clerk)
    wrong = f"{(int(code_now(device)) + 1) % 1000000:06d}"
    response = client.post(reverse("otp_verify"), {"code": wrong, "next": "/admin/"})
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["code"]] == [
        "invalid"
    ]
    html = page(response)
    assert html.index(shown(CODE_INVALID)) > html.index('id="id_code"')
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_backup_code_works_once(client, clerk, device):
    codes = second_factor.backup_codes_create(user=clerk)
    admin_login(client, clerk)
    response = client.post(reverse("otp_verify"), {"code": codes[0].upper()})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    assert BackupCode.objects.filter(device__user=clerk).count() == len(codes) - 1

    again = Client()
    admin_login(again, clerk)
    response = again.post(reverse("otp_verify"), {"code": codes[0]})
    assert response.status_code == 200
    assert again.get(reverse("admin:index")).status_code == 302


def test_backup_codes_are_stored_hashed_and_salted(clerk):
    codes = second_factor.backup_codes_create(user=clerk)
    assert len(set(codes)) == len(codes) == second_factor.BACKUP_CODE_COUNT
    stored = list(BackupCode.objects.filter(device__user=clerk))
    assert len(stored) == len(codes)
    assert len({row.salt for row in stored}) == len(stored)
    assert all(len(row.digest) == 64 for row in stored)
    # Nothing in the database shows a code: not the rows, not any table.
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            dump = repr(cursor.fetchall()).lower()
            assert not [code for code in codes if code in dump], table


def test_backup_codes_survive_a_secret_key_rotation(clerk):
    codes = second_factor.backup_codes_create(user=clerk)
    old_key = settings_secret_key()
    with override_settings(SECRET_KEY="n" * 50, SECRET_KEY_FALLBACKS=[old_key]):
        assert second_factor.check_code(clerk, codes[0]) is not None
    with override_settings(SECRET_KEY="m" * 50, SECRET_KEY_FALLBACKS=[]):
        assert second_factor.check_code(clerk, codes[1]) is None


def settings_secret_key() -> str:
    from django.conf import settings

    return settings.SECRET_KEY


def test_new_backup_codes_replace_the_old_ones(clerk):
    old = second_factor.backup_codes_create(user=clerk)
    new = second_factor.backup_codes_create(user=clerk)
    assert second_factor.check_code(clerk, old[0]) is None
    assert second_factor.check_code(clerk, f" {new[0].upper()} ") is not None
    assert second_factor.check_code(clerk, new[0]) is None


def test_the_password_alone_never_reaches_the_admin(client, clerk, device):
    admin_login(client, clerk)
    session = client.session
    assert "otp_device_id" not in session
    for name in ("admin:index", "admin:cases_case_changelist", "admin:password_change"):
        assert client.get(reverse(name)).status_code == 302


def test_a_staff_member_without_a_device_enrols_with_a_local_qr_code(client, clerk):
    admin_login(client, clerk)
    response = client.get(verify_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_setup"))
    response = client.get(response["Location"])
    assert response.status_code == 200
    html = page(response)
    assert "<svg" in html and 'class="otp-qr"' in html
    assert "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert not re.search(r'(src|href)="(https?:)?//', html)
    pending = TOTPDevice.objects.get(user=clerk, confirmed=False)
    secret = second_factor.secret_for_typing(pending)
    assert secret in html

    response = client.post(
        reverse("otp_setup"), {"code": code_now(pending), "next": "/admin/"}
    )
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == second_factor.BACKUP_CODE_COUNT
    for code in codes:
        assert code in page(response)
    pending.refresh_from_db()
    assert pending.confirmed
    assert client.get(reverse("admin:index")).status_code == 200


def test_enrolment_refuses_a_wrong_code(client, clerk):
    admin_login(client, clerk)
    client.get(reverse("otp_setup"))
    pending = TOTPDevice.objects.get(user=clerk, confirmed=False)
    wrong = f"{(int(code_now(pending)) + 1) % 1000000:06d}"
    response = client.post(reverse("otp_setup"), {"code": wrong})
    assert response.status_code == 200
    assert shown(CODE_INVALID) in page(response)
    pending.refresh_from_db()
    assert not pending.confirmed
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_password_alone_cannot_add_a_device_to_an_enrolled_account(
    client, clerk, device
):
    admin_login(client, clerk)
    response = client.get(reverse("otp_setup"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_verify"))
    response = client.post(reverse("otp_setup"), {"code": "123456"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=clerk, confirmed=False).exists()


def test_residents_are_not_asked_for_a_second_factor(client):
    resident = ResidentFactory()
    client.post(reverse("login"), {"username": resident.username, "password": PASSWORD})
    assert client.get(reverse("cases:list")).status_code == 200
    assert client.get(reverse("otp_verify")).status_code == 302


def test_a_new_login_needs_the_second_factor_again(client, clerk, device):
    admin_login(client, clerk)
    client.post(reverse("otp_verify"), {"code": code_now(device)})
    assert client.get(reverse("admin:index")).status_code == 200
    client.post(reverse("admin:logout"))
    admin_login(client, clerk)
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_suite_logs_staff_in_as_verified_unless_marked(clerk):
    # This module is marked no_auto_second_factor: force_login is the plain one.
    client = Client()
    client.force_login(clerk)
    assert client.get(reverse("admin:index")).status_code == 302


def test_wrong_codes_count_toward_the_lockout(client, clerk, device):
    from portal.accounts.lockout import lockout_message
    from portal.audit.models import AuditRecord

    admin_login(client, clerk)
    for _ in range(4):
        response = client.post(reverse("otp_verify"), {"code": "00000000"})
        assert response.status_code == 200
    response = client.post(reverse("otp_verify"), {"code": "00000000"})
    assert response.status_code == 429
    assert lockout_message() in page(response)
    assert "_auth_user_id" not in client.session
    assert AuditRecord.objects.filter(action="login", result="failed").count() == 5
    # The account is locked on every door, the right password too.
    assert admin_login(client, clerk).status_code == 429


def test_the_migration_hashes_the_codes_static_devices_held(clerk):
    from importlib import import_module

    from django.apps import apps
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    migration = import_module("portal.accounts.migrations.0006_backup_codes_hashed")
    device = StaticDevice.objects.create(user=clerk, name="backup")
    StaticToken.objects.create(device=device, token="abcdefgh")
    migration.hash_static_tokens(apps, None)
    assert not StaticToken.objects.exists()
    assert second_factor.check_code(clerk, "abcdefgh") is not None
    assert second_factor.check_code(clerk, "abcdefgh") is None
