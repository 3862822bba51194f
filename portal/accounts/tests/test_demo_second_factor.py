"""`make run` (load_demo) prints a backup code beside each demo staff login,
and with it and the demo password a newcomer reaches the admin, run after
run; the demo passwords never expire."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.accounts.demo import DEMO_PASSWORD, LOGINS
from portal.accounts.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.no_auto_second_factor]


def printed_codes(output: str) -> dict[str, str | None]:
    codes = {}
    for line in output.splitlines():
        words = line.split()
        if words and words[0] in dict(LOGINS):
            found = re.search(r"backup code: (\S+)", line)
            codes[words[0]] = found.group(1) if found else None
    return codes


def reaches_the_admin(username: str, code: str) -> bool:
    client = Client()
    client.post(
        reverse("admin:login"), {"username": username, "password": DEMO_PASSWORD}
    )
    client.post(reverse("otp_verify"), {"code": code})
    return client.get(reverse("admin:index")).status_code == 200


def test_each_demo_staff_login_gets_a_working_backup_code_every_run(settings, capsys):
    settings.DEMO_LOADERS = ["portal.accounts.demo.load"]
    for run in range(2):
        call_command("load_demo")
        codes = printed_codes(capsys.readouterr().out)
        assert set(codes) == {username for username, _role in LOGINS}
        for username, code in codes.items():
            # Only the accounts' loader runs here: logins that other loaders
            # make (tests/test_demo.py loads them all) are not there.
            user = User.objects.filter(username=username).first()
            if user is None or not user.is_staff:
                assert code is None
                continue
            assert code, username
            assert reaches_the_admin(username, code), (run, username)
            # The printed code lets the newcomer in more than once.
            assert reaches_the_admin(username, code), (run, username)
        # Months later, the next `make run` does not find them expired.
        User.objects.filter(is_staff=True).update(
            password_changed_at=timezone.now() - datetime.timedelta(days=400)
        )
