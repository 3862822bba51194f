"""Password rules beyond Django's own validators (issue 7).

Everyone: at least 12 characters, not on Django's list of common passwords
(both configured in settings.AUTH_PASSWORD_VALIDATORS). Staff, who see other
people's cases: also three of the four character classes, and a new password
every PASSWORD_MAX_AGE_STAFF_DAYS days. Residents are not made to rotate.
"""

import datetime

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

STAFF_CHARACTER_CLASSES = _(
    "A staff password needs characters of at least three kinds: lower-case "
    "letters, upper-case letters, digits, other symbols."
)
STAFF_CHARACTER_CLASSES_HELP = _(
    "Staff passwords: at least three of lower-case letters, upper-case "
    "letters, digits and other symbols."
)
PASSWORD_EXPIRED = _(
    "Your password is too old or no longer meets the rules for staff. "
    "Please choose a new one before you go on."
)

# Session key: set at login when a staff member's password (seen in clear
# only then) does not meet the staff rules; cleared by a password change.
PASSWORD_CHANGE_REQUIRED_KEY = "_yiwang_password_change_required"


def character_classes(password: str) -> int:
    """How many of lower, upper, digit and other symbol the password uses."""
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


class StaffCharacterClassesValidator:
    """Three character classes of four, for staff accounts only."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if user is None or not getattr(user, "is_staff", False):
            return
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                STAFF_CHARACTER_CLASSES, code="password_too_few_character_classes"
            )

    def get_help_text(self):
        return STAFF_CHARACTER_CLASSES_HELP


def _resident_password_help_text_html() -> str:
    """The configured rules' help as Django lists it, without the rules that
    hold for staff only: a resident signing up is not bound by them."""
    validators = [
        validator
        for validator in password_validation.get_default_password_validators()
        if not isinstance(validator, StaffCharacterClassesValidator)
    ]
    return str(password_validation.password_validators_help_text_html(validators))


# Lazy, as Django's own: the help is read in the language of each request.
resident_password_help_text_html = lazy(_resident_password_help_text_html, str)


def staff_password_acceptable(password: str, user) -> bool:
    """Whether a staff member's password, as typed at login, meets every
    configured rule (the staff rules included)."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError:
        return False
    return True


def password_max_age(user) -> datetime.timedelta | None:
    if not user.is_staff:
        return None
    return datetime.timedelta(days=settings.PASSWORD_MAX_AGE_STAFF_DAYS)


def password_expired(user, now: datetime.datetime | None = None) -> bool:
    """A staff password older than the maximum age. Residents never expire."""
    max_age = password_max_age(user)
    if max_age is None or not user.has_usable_password():
        return False
    changed = user.password_changed_at or user.date_joined
    return (now or timezone.now()) - changed > max_age


def password_change_required(request) -> bool:
    user = request.user
    if not user.is_staff:
        return False
    return bool(request.session.get(PASSWORD_CHANGE_REQUIRED_KEY)) or password_expired(
        user
    )
