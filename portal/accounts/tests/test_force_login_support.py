"""The root conftest's client.force_login marks a staff member's session as
having passed the second factor (with a real device of his), so the suite
uses the admin as a properly logged-in clerk."""

import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.models import Department
from portal.accounts.tests.factories import make_clerk, make_department


@pytest.mark.django_db
def test_force_login_passes_the_second_factor_with_a_real_device(client):
    clerk = make_clerk(make_department("housing", kind=Department.Kind.FUNCTIONAL))
    client.force_login(clerk)
    device = TOTPDevice.objects.get(user=clerk, confirmed=True)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(reverse("admin:index")).status_code == 200
