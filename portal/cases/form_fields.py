"""Extra form fields of a service category, described in data (like an Open311
service definition) and validated into Case.details."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FIELD_TYPES = ("text", "textarea", "integer", "date", "choice", "boolean")

DEFINITION_NOT_LIST = _("The extra form fields must be a list of field descriptions.")
DEFINITION_BAD_FIELD = _(
    "Field %(index)d needs a code (letters, digits, underscores), a label and a "
    "type out of: text, textarea, integer, date, choice, boolean."
)
DEFINITION_DUPLICATE = _("The field code %(code)s is used twice.")
DEFINITION_NO_CHOICES = _("The choice field %(code)s needs a list of choices.")

FIELD_REQUIRED = _("This field is required.")
FIELD_TOO_LONG = _("At most %(max)d characters.")
FIELD_NOT_INTEGER = _("Enter a whole number.")
FIELD_NOT_DATE = _("Enter a date as YYYY-MM-DD.")
FIELD_NOT_CHOICE = _("Choose one of the listed options.")

YES = _("Yes")
NO = _("No")


def validate_field_definitions(definitions) -> None:
    if not isinstance(definitions, list):
        raise ValidationError(DEFINITION_NOT_LIST)
    seen = set()
    for index, field in enumerate(definitions, start=1):
        if (
            not isinstance(field, dict)
            or not str(field.get("code", "")).replace("_", "").isalnum()
            or not str(field.get("code", "")).isascii()
            or not field.get("label")
            or field.get("type") not in FIELD_TYPES
        ):
            raise ValidationError(DEFINITION_BAD_FIELD, params={"index": index})
        if field["code"] in seen:
            raise ValidationError(DEFINITION_DUPLICATE, params={"code": field["code"]})
        seen.add(field["code"])
        if field["type"] == "choice" and not (
            isinstance(field.get("choices"), list) and field["choices"]
        ):
            raise ValidationError(DEFINITION_NO_CHOICES, params={"code": field["code"]})


def clean_details(definitions: list[dict], data: dict) -> dict:
    """Validate submitted values against the definitions. Returns the cleaned
    values; raises ValidationError with a dict of field code -> messages."""
    cleaned, errors = {}, {}
    for field in definitions:
        code = field["code"]
        raw = data.get(code)
        if isinstance(raw, str):
            raw = raw.strip()
        if raw in (None, "", []) or (field["type"] == "boolean" and raw is False):
            if field.get("required"):
                errors[code] = [FIELD_REQUIRED]
            elif field["type"] == "boolean":
                cleaned[code] = False
            continue
        try:
            cleaned[code] = _clean_value(field, raw)
        except ValidationError as error:
            errors[code] = error.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_value(field: dict, raw):
    kind = field["type"]
    if kind in ("text", "textarea"):
        value = str(raw)
        limit = int(field.get("max_length", 200 if kind == "text" else 2000))
        if len(value) > limit:
            raise ValidationError(FIELD_TOO_LONG, params={"max": limit})
        return value
    if kind == "integer":
        try:
            return int(str(raw))
        except ValueError as error:
            raise ValidationError(FIELD_NOT_INTEGER) from error
    if kind == "date":
        try:
            return datetime.date.fromisoformat(str(raw)).isoformat()
        except ValueError as error:
            raise ValidationError(FIELD_NOT_DATE) from error
    if kind == "choice":
        if str(raw) not in [str(choice) for choice in field["choices"]]:
            raise ValidationError(FIELD_NOT_CHOICE)
        return str(raw)
    return raw in (True, "true", "on", "1", 1)


def labelled_details(definitions, details, *, keep_unknown: bool = False) -> list:
    """A case's extra fields (Case.details) as (label, value) pairs, in the
    order and under the labels of the category's field definitions, a yes/no
    field as 是/否. A value whose field the category no longer defines is
    left out, or, with keep_unknown (staff pages), listed under its key."""
    if not isinstance(details, dict) or not details:
        return []
    known = {
        field["code"]: field
        for field in definitions or []
        if isinstance(field, dict) and "code" in field
    }
    codes = [code for code in known if code in details]
    if keep_unknown:
        codes += [code for code in details if code not in known]
    rows = []
    for code in codes:
        field = known.get(code, {})
        value = details[code]
        if field.get("type") == "boolean" or isinstance(value, bool):
            value = YES if value else NO
        rows.append((field.get("label") or code, value))
    return rows
