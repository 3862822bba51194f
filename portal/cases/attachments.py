"""Checking and storing uploaded case files.

A file is accepted when its name has an allowed extension AND its content is
of that type (read from its first bytes), so an executable renamed to .pdf is
refused. Files are stored under MEDIA_ROOT (outside the web root) by their
SHA-256, never by the user's file name.
"""

import hashlib
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.utils.translation import gettext_lazy as _

# extension -> (content type, extensions filetype may report for it)
ALLOWED_TYPES = {
    "pdf": ("application/pdf", {"pdf"}),
    "jpg": ("image/jpeg", {"jpg"}),
    "jpeg": ("image/jpeg", {"jpg"}),
    "png": ("image/png", {"png"}),
    "webp": ("image/webp", {"webp"}),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        {"docx", "zip"},
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        {"xlsx", "zip"},
    ),
    "doc": ("application/msword", {"doc", "xls", "ppt"}),
    "xls": ("application/vnd.ms-excel", {"doc", "xls", "ppt"}),
    "ofd": ("application/ofd", {"zip"}),
}

FILE_EMPTY = _("The file %(name)s is empty.")
FILE_TOO_LARGE = _(
    "The file %(name)s is %(size)s MB; a file may be at most %(limit)s MB."
)
FILE_TYPE_NOT_ALLOWED = _(
    "Files of this type cannot be uploaded (%(name)s). Allowed: PDF, OFD, "
    "JPG, PNG, WEBP, Word and Excel files."
)
FILE_CONTENT_MISMATCH = _(
    "The content of %(name)s is not what its name says; please upload the "
    "original file."
)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def check_upload(upload) -> tuple[str, str]:
    """Validate an uploaded file; return (content type, sha256 hex).

    Raises ValidationError with a message naming the file and what is wrong.
    """
    name = PurePath(upload.name or "").name
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size == 0:
        raise ValidationError(FILE_EMPTY, code="empty", params={"name": name})
    if upload.size > limit:
        raise ValidationError(
            FILE_TOO_LARGE,
            code="too_large",
            params={
                "name": name,
                "size": _megabytes(upload.size),
                "limit": _megabytes(limit),
            },
        )
    if extension not in ALLOWED_TYPES:
        raise ValidationError(
            FILE_TYPE_NOT_ALLOWED, code="type", params={"name": name}
        )
    content_type, expected = ALLOWED_TYPES[extension]
    upload.seek(0)
    head = upload.read(8192)
    kind = filetype.guess(head)
    if kind is None or kind.extension not in expected:
        raise ValidationError(
            FILE_CONTENT_MISMATCH, code="mismatch", params={"name": name}
        )
    digest = hashlib.sha256(head)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return content_type, digest.hexdigest()


def check_uploads(uploads) -> list[tuple]:
    """Check every file before anything is saved; all messages at once."""
    checked, errors = [], []
    for upload in uploads:
        try:
            checked.append((upload, *check_upload(upload)))
        except ValidationError as error:
            errors.extend(error.error_list)
    if errors:
        raise ValidationError(errors)
    return checked


def store_attachment(*, case, upload, content_type, sha256, uploaded_by, is_internal=False):
    """Save one checked upload for a case (call inside the workflow's transaction)."""
    from portal.cases.models import Attachment

    attachment = Attachment(
        case=case,
        original_name=PurePath(upload.name).name[:200],
        content_type=content_type,
        size=upload.size,
        sha256=sha256,
        uploaded_by=uploaded_by,
        is_internal=is_internal,
    )
    attachment._history_user = uploaded_by
    attachment.file.save(sha256, File(upload), save=False)
    attachment.save()
    return attachment
