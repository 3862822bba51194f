"""How backup codes for the second factor are kept (ASVS 2.6.2): never as
they are. Each code gets its own random salt and is stored as
HMAC-SHA256(key, salt + code), the key derived from SECRET_KEY (and its
fallbacks, so rotating the secret key does not void codes already given
out). A database dump without the key tells nothing; with it, each code
still has to be guessed on its own. The code itself is shown once, when it
is made."""

import secrets
from base64 import b32encode

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

KEY_SALT = "portal.accounts.backup_codes"
CODE_BYTES = 5  # 8 base32 characters, as django-otp's static tokens


def new_code() -> str:
    return b32encode(secrets.token_bytes(CODE_BYTES)).decode().lower()


def new_salt() -> str:
    return secrets.token_hex(16)


def normalise(code: str) -> str:
    """What the user typed, as the code was made: no spaces, lower case."""
    return "".join(str(code).split()).lower()


def digest(code: str, salt: str, *, secret: str | None = None) -> str:
    return salted_hmac(
        KEY_SALT,
        f"{salt}:{normalise(code)}",
        secret=secret,
        algorithm="sha256",
    ).hexdigest()


def matches(code: str, *, salt: str, stored: str) -> bool:
    """Whether code is the one stored (with the current secret key or one of
    SECRET_KEY_FALLBACKS)."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(
        constant_time_compare(digest(code, salt, secret=key), stored)
        for key in keys
    )
