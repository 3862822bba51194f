"""Masking of personal data for display."""


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
