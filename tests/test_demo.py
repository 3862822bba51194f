"""`make run` loads the demo district: every login works and every status shows."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from portal.accounts.demo import DEMO_PASSWORD, LOGINS
from portal.cases.models import Case, CaseStatus
from portal.cases.warnings import Colour, with_warning_colour


@pytest.mark.django_db
def test_demo_district_loads_once_with_every_status_and_colour(capsys):
    call_command("seed_holidays")
    call_command("load_demo")
    output = capsys.readouterr().out
    for username, _role in LOGINS:
        assert username in output
        user = authenticate(username=username, password=DEMO_PASSWORD)
        assert user is not None
        # Staff pass a second factor (issue 7): a backup code beside the login.
        (line,) = [x for x in output.splitlines() if x.split()[:1] == [username]]
        assert ("backup code: " in line) == user.is_staff, line
    assert DEMO_PASSWORD in output
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses == set(CaseStatus.values)
    colours = set(with_warning_colour(Case.objects.all()).values_list("warning_colour", flat=True))
    assert colours == set(Colour.values)
    count = Case.objects.count()
    assert count >= 300
    call_command("load_demo")
    assert Case.objects.count() == count
