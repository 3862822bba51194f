"""The second factor for staff (issue 7), with django-otp: a TOTP app on the
phone, and single-use backup codes for when the phone is not at hand, kept
hashed (portal/accounts/backup_codes.py; django-otp's static plugin keeps
them as they are).

Staff (is_staff: clerks, leaders, committee, administrators) pass it after
the password on every login; AccountSecurityMiddleware sends them to the
second-factor step until they have. A staff member without a device yet
enrols first: a QR code drawn here (segno, inline SVG, nothing fetched),
then one code from the app, then the backup codes, shown once.
"""

import base64

import segno
from django.contrib.auth.signals import user_login_failed
from django.utils.safestring import mark_safe
from django_otp import DEVICE_ID_SESSION_KEY, verify_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.models import BackupCodeDevice

TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup"
BACKUP_CODE_COUNT = 10


def needs_second_factor(user) -> bool:
    """Who logs in with a second factor, on the site and at the API token
    endpoint alike: staff (is_staff: clerks, leaders, grid workers, who are
    clerks of their community, the committee, administrators)."""
    return bool(user.is_authenticated and user.is_staff)


def second_factor_required(request) -> bool:
    """Whether the logged-in user of this request still has to pass the
    second factor in this session.

    Read from the session (server-side; django_otp.login() puts the device's
    id there), without django-otp's middleware, which would load the device
    on every request: the admin's query budgets hold. A session belongs to
    one user (Django flushes it when another logs in), and ends when the
    user logs out anywhere (portal/accounts/sessions.py)."""
    if not needs_second_factor(request.user):
        return False
    return not request.session.get(DEVICE_ID_SESSION_KEY)


def has_confirmed_device(user) -> bool:
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or BackupCodeDevice.objects.filter(
            user=user, confirmed=True, codes__isnull=False
        ).exists()
    )


def device_for_code(user, code: str):
    """The device a code is meant for: six digits come from the app, anything
    else is a backup code."""
    if code.isdigit() and len(code) == 6:
        return TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return BackupCodeDevice.objects.filter(user=user, confirmed=True).first()


def check_code(user, code: str):
    """The device that accepts the code (a backup code is used up), or None.
    Each device slows down repeated failures (django-otp's throttling)."""
    code = "".join(str(code or "").split()).lower()
    if not code:
        return None
    device = device_for_code(user, code)
    if device is None:
        return None
    return verify_token(user, device.persistent_id, code)


def code_refused(request, user) -> bool:
    """A wrong code after the right password is a failed login, on the site
    as at the API token endpoint: django-axes counts it toward the lockout
    and the audit log records it. Returns whether the account is now locked
    (AxesMiddleware then answers 429 with the lockout message)."""
    user_login_failed.send(
        sender=__name__,
        credentials={"username": user.get_username()},
        request=request,
    )
    return bool(getattr(request, "axes_locked_out", False))


def mark_verified(request, device) -> None:
    """This session has passed the second factor with the device."""
    otp_login(request, device)


def enrolment_device(user) -> TOTPDevice:
    """The not yet confirmed TOTP device the enrolment page shows."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=TOTP_DEVICE_NAME, confirmed=False
        )
    return device


def confirm_enrolment(*, device: TOTPDevice) -> list[str]:
    """Confirm the TOTP device and give the user new backup codes."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    return backup_codes_create(user=device.user)


def backup_codes_create(
    *, user, count: int = BACKUP_CODE_COUNT, uses: int = 1
) -> list[str]:
    """Replace the user's backup codes with `count` new single-use ones and
    return them: the only time they are seen, since only their hashes are
    kept. (`uses` > 1 is for the demo's printed code only.)"""
    device, _created = BackupCodeDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    return device.codes_create(count=count, uses=uses)


def secret_for_typing(device: TOTPDevice) -> str:
    """The device's key in base32, in groups of four, for typing into an
    app that cannot scan."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice, *, title: str) -> str:
    """The device's otpauth:// URL as an inline SVG QR code."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, border=2, title=title, svgclass="otp-qr", lineclass=None
    )
    return mark_safe(svg)  # segno's own markup; the title is escaped by segno
