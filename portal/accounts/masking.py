"""Masking of personal data for display."""

import re

# An 18-character identity number standing alone in a text (not part of a
# longer number or word).
RESIDENT_ID_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


def mask_resident_id(value: str | None) -> str:
    """Keep the first 6 and last 4 characters: 320102********123X."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_mobile(value: str | None) -> str:
    """Keep the first 3 and last 4 digits: 138****1234."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_resident_ids_in_text(text: str) -> str:
    """Mask every identity number found in a free text (a title, a note, a
    log line), for what leaves the portal's pages: the audit log, exports."""
    return RESIDENT_ID_IN_TEXT.sub(lambda match: mask_resident_id(match[0]), text)
