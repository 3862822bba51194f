"""The admin index names the third-party apps in the interface's language,
not by their English module names ("Axes", "Otp_Totp", "Otp_Static")."""

import pytest
from django.apps import apps
from django.utils import translation

from portal.accounts.apps import THIRD_PARTY_APP_NAMES
from portal.accounts.tests.factories import UserFactory


def test_third_party_apps_have_chinese_names():
    with translation.override("zh-hans"):
        names = {
            label: str(apps.get_app_config(label).verbose_name)
            for label in THIRD_PARTY_APP_NAMES
        }
    assert names == {
        "axes": "登录锁定",
        "otp_totp": "第二重认证：验证器应用",
        "otp_static": "第二重认证：备用验证码",
    }


@pytest.mark.django_db
def test_admin_index_shows_them(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/admin/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "办件" in html  # the index, in Chinese
    for name in ("登录锁定", "第二重认证：验证器应用", "第二重认证：备用验证码"):
        assert name in html
    for english in ("Axes", "Otp_Totp", "Otp_Static"):
        assert english not in html
