"""Validators for personal data.

Resident identity numbers follow GB 11643-1999: 17 digits (6 for the address
code, 8 for the birth date, 3 for the sequence) and a check character computed
with ISO 7064 MOD 11-2. The messages never repeat the number itself, so that a
full identity number can never reach a log or an error page through them.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

RESIDENT_ID_LENGTH = _(
    "A resident identity number has 18 characters; this one has %(length)d."
)
RESIDENT_ID_FORMAT = _(
    "A resident identity number is 17 digits followed by a digit or X."
)
RESIDENT_ID_BIRTH_DATE = _(
    "The birth date in this resident identity number (characters 7 to 14) "
    "does not exist."
)
RESIDENT_ID_CHECK = _(
    "The last character of this resident identity number does not match the "
    "others; please check it for a typing mistake."
)

_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_CHECK_CHARS = "10X98765432"
# ASCII only: \d alone also matches full-width and other scripts' digits.
_SHAPE = re.compile(r"^\d{17}[\dX]$", re.ASCII)


def resident_id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalize_resident_id(value: str) -> str:
    """Strip spaces and upper-case a trailing x, as people type it."""
    return (value or "").strip().replace(" ", "").upper()


def validate_resident_id(value: str) -> None:
    """Raise ValidationError, saying what is wrong, unless value is a valid
    18-character resident identity number (a trailing lower-case x is fine)."""
    number = normalize_resident_id(value)
    if len(number) != 18:
        raise ValidationError(
            RESIDENT_ID_LENGTH, code="length", params={"length": len(number)}
        )
    if not _SHAPE.match(number):
        raise ValidationError(RESIDENT_ID_FORMAT, code="format")
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        birth = None
    if birth is None or birth.year < 1850 or birth > datetime.date.today():
        raise ValidationError(RESIDENT_ID_BIRTH_DATE, code="birth_date")
    if resident_id_check_char(number[:17]) != number[17]:
        raise ValidationError(RESIDENT_ID_CHECK, code="check_char")


MOBILE_FORMAT = _("A mobile number in mainland China has 11 digits and starts with 1.")
_MOBILE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)


def validate_mobile(value: str) -> None:
    if not _MOBILE.match((value or "").strip()):
        raise ValidationError(MOBILE_FORMAT, code="mobile")
