"""AES-256-GCM with keys from the settings (which read the environment).

A stored value is ``enc1$<key id>$<base64url(nonce || ciphertext || tag)>``:
a random 96-bit nonce per value, the key id (the first 8 hex digits of the
key's SHA-256) so that old values still decrypt after a new key is put
first, and the prefix bound in as associated data.
"""

import base64
import binascii
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc1"
SEPARATOR = "$"
NONCE_BYTES = 12


class DecryptionError(ValueError):
    """A stored value that is not ours, was changed, or whose key is gone."""


def _decode_key(text: str, name: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as error:
        raise ImproperlyConfigured(f"{name}: not valid base64") from error
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name}: each key must be 32 bytes (256 bits)")
    return key


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


@lru_cache(maxsize=8)
def _keyring(texts: tuple[str, ...]) -> tuple[str, dict[str, AESGCM]]:
    if not texts:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    ring = {}
    for text in texts:
        key = _decode_key(text, "FIELD_ENCRYPTION_KEYS")
        ring.setdefault(key_id(key), AESGCM(key))
    return key_id(_decode_key(texts[0], "FIELD_ENCRYPTION_KEYS")), ring


def keyring() -> tuple[str, dict[str, AESGCM]]:
    """(current key id, {key id: cipher}) from settings.FIELD_ENCRYPTION_KEYS."""
    return _keyring(tuple(k for k in settings.FIELD_ENCRYPTION_KEYS if k.strip()))


def current_key_id() -> str:
    return keyring()[0]


def encrypt(plaintext: str) -> str:
    current, ring = keyring()
    header = f"{PREFIX}{SEPARATOR}{current}{SEPARATOR}"
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring[current].encrypt(nonce, plaintext.encode("utf-8"), header.encode())
    return header + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX + SEPARATOR)


def stored_key_id(value: str) -> str:
    return value.split(SEPARATOR)[1] if is_encrypted(value) else ""


def decrypt(value: str) -> str:
    parts = value.split(SEPARATOR)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise DecryptionError("not an encrypted value")
    _current, ring = keyring()
    cipher = ring.get(parts[1])
    if cipher is None:
        raise DecryptionError(f"no key with id {parts[1]} in FIELD_ENCRYPTION_KEYS")
    try:
        blob = base64.urlsafe_b64decode(parts[2].encode("ascii"))
        plain = cipher.decrypt(
            blob[:NONCE_BYTES],
            blob[NONCE_BYTES:],
            f"{parts[0]}{SEPARATOR}{parts[1]}{SEPARATOR}".encode(),
        )
    except (InvalidTag, binascii.Error, ValueError) as error:
        raise DecryptionError("the value was changed or is damaged") from error
    return plain.decode("utf-8")


@lru_cache(maxsize=4)
def _blind_key(text: str) -> bytes:
    return _decode_key(text, "FIELD_BLIND_INDEX_KEY")


def blind_index(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 of value under the blind-index key, separated by purpose
    (the same number in two different columns gives two different hashes)."""
    key = _blind_key(settings.FIELD_BLIND_INDEX_KEY)
    message = purpose.encode("utf-8") + b"\x00" + value.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()
