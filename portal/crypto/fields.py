"""Model fields for personal data at rest.

``EncryptedTextField``: the Python value is the plain text, the column holds
``cipher.encrypt(text)``. Such a column cannot be searched or compared in the
database (each encryption of the same text differs): filtering on it raises,
except ``isnull``. An exact search goes through a ``BlindIndexField`` beside
it, which keeps the keyed hash of the source field's value.

    resident_id = EncryptedTextField(max_length=18, null=True, blank=True)
    resident_id_index = BlindIndexField(source="resident_id", unique=True)

A blind index is computed when the row is saved; a ``save(update_fields=...)``
that names the source must name the index too, and ``QuerySet.update()`` of
the source is not possible without recomputing it.
"""

from django import forms
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull
from django.utils.translation import gettext_lazy as _

from portal.crypto import cipher

NOT_SEARCHABLE = (
    "{field} is encrypted: look it up through its blind index "
    "(for User.resident_id: User.objects.with_resident_id(number))."
)


class _NoneOnlyExact(Exact):
    """``field=None`` (which Django turns into ``isnull``) and nothing else:
    comparing a fresh ciphertext with a stored one never matches, so a
    silent empty result would hide the bug."""

    def get_prep_lookup(self):
        if self.rhs is not None:
            raise FieldError(NOT_SEARCHABLE.format(field=self.lhs.output_field.name))
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    description = _("Text encrypted with AES-256-GCM")

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return cipher.decrypt(value)

    def to_python(self, value):
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return cipher.encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return _NoneOnlyExact
        return None

    def get_transform(self, name):
        return None

    def formfield(self, **kwargs):
        # The plain text is short (an identity number, an account number):
        # a one-line input unless the caller wants otherwise.
        if self.max_length and self.max_length <= 255 and "widget" not in kwargs:
            kwargs["widget"] = forms.TextInput
        return super().formfield(**kwargs)


class BlindIndexField(models.CharField):
    """HMAC-SHA256 (hex) of another field's plain value, for exact lookups
    and uniqueness. The key is FIELD_BLIND_INDEX_KEY, separate from the
    encryption keys; ``purpose`` keeps two columns' hashes apart."""

    def __init__(self, *args, source: str, purpose: str = "", **kwargs):
        self.source = source
        self.purpose = purpose or source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if self.purpose != self.source:
            kwargs["purpose"] = self.purpose
        for key, default in (("max_length", 64), ("null", True), ("blank", True)):
            if kwargs.get(key) == default:
                del kwargs[key]
        if kwargs.get("editable", True) is False:
            del kwargs["editable"]
        else:
            kwargs["editable"] = True
        return name, path, args, kwargs

    def digest(self, value) -> str | None:
        if value is None or value == "":
            return None
        return cipher.blind_index(str(value), purpose=self.purpose)

    def pre_save(self, model_instance, add):
        value = self.digest(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value
