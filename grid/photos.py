"""Photos of a grid event: checked by content (JPEG, PNG, WEBP only, through
portal.cases.attachments.check_upload) and stripped of their location unless
the worker keeps it.

A phone's photo carries the GPS position where it was taken in its EXIF (and
sometimes XMP) metadata. Unless keep_location is set, the GPS block of the
EXIF and any XMP packet are removed and the image is written again with
Pillow; photos without location metadata are kept byte for byte. JPEGs are
written with quality="keep" (the original quantisation tables), so stripping
costs no visible quality.
"""

import io
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, UnidentifiedImageError

from portal.cases.attachments import check_upload

MAX_PHOTOS = 9
PHOTO_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}

TOO_MANY_PHOTOS = _("At most %(max)d photos can be attached to one report.")
PHOTO_NOT_IMAGE = _("%(name)s is not a photo: attach JPEG, PNG or WEBP images.")
PHOTO_UNREADABLE = _("%(name)s could not be read as an image.")


def _has_location(image: Image.Image) -> bool:
    exif = image.getexif()
    return ExifTags.IFD.GPSInfo in exif or bool(
        image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    )


def strip_location(content: bytes, pil_format: str) -> bytes:
    """The image without its GPS EXIF block and XMP packet (or unchanged
    bytes when it has neither)."""
    with Image.open(io.BytesIO(content)) as image:
        image.load()
        if not _has_location(image):
            return content
        exif = image.getexif()
        exif.pop(ExifTags.IFD.GPSInfo, None)
        options = {"exif": exif.tobytes()}
        if image.info.get("icc_profile"):
            options["icc_profile"] = image.info["icc_profile"]
        if pil_format == "JPEG":
            options["quality"] = "keep"
        elif pil_format == "WEBP":
            options.update(quality=90, lossless=bool(image.info.get("lossless")))
        out = io.BytesIO()
        image.save(out, format=pil_format, **options)
        return out.getvalue()


def prepare_photos(uploads, *, keep_location: bool) -> list:
    """Check every photo (all problems at once), then strip the location of
    each unless keep_location. Returns uploads ready for the workflow."""
    uploads = list(uploads)
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError(
            {"photos": [ValidationError(TOO_MANY_PHOTOS, params={"max": MAX_PHOTOS})]}
        )
    errors, ready = [], []
    for upload in uploads:
        name = PurePath(upload.name or "").name
        try:
            content_type, _sha = check_upload(upload)
        except ValidationError as error:
            errors.extend(error.error_list)
            continue
        if content_type not in PHOTO_TYPES:
            errors.append(
                ValidationError(
                    PHOTO_NOT_IMAGE, code="not_image", params={"name": name}
                )
            )
            continue
        upload.seek(0)
        content = upload.read()
        upload.seek(0)
        if keep_location:
            ready.append(upload)
            continue
        try:
            cleaned = strip_location(content, PHOTO_TYPES[content_type])
        except (
            UnidentifiedImageError,
            OSError,
            ValueError,
            Image.DecompressionBombError,
        ):
            errors.append(
                ValidationError(
                    PHOTO_UNREADABLE, code="unreadable", params={"name": name}
                )
            )
            continue
        ready.append(
            upload
            if cleaned is content
            else SimpleUploadedFile(name, cleaned, content_type=content_type)
        )
    if errors:
        raise ValidationError({"photos": errors})
    return ready
