"""Key rotation: re-encrypt every encrypted column with the current key and
recompute every blind index, batch by batch (see docs/security.md)."""

from django.apps import apps
from django.db import transaction

from portal.crypto.fields import BlindIndexField, EncryptedTextField


def protected_fields(model) -> tuple[list, list]:
    fields = model._meta.concrete_fields
    encrypted = [f for f in fields if isinstance(f, EncryptedTextField)]
    indexes = [f for f in fields if isinstance(f, BlindIndexField)]
    return encrypted, indexes


def models_with_protected_fields():
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        encrypted, indexes = protected_fields(model)
        if encrypted or indexes:
            yield model, encrypted, indexes


def rotate_model(model, encrypted, indexes, *, batch_size: int = 500) -> int:
    names = [f.name for f in encrypted] + [f.name for f in indexes]
    queryset = model._base_manager.order_by("pk").only(
        *names, *{f.source for f in indexes}
    )
    done, last_pk = 0, None
    while True:
        page = queryset if last_pk is None else queryset.filter(pk__gt=last_pk)
        batch = list(page[:batch_size])
        if not batch:
            return done
        for obj in batch:
            for field in indexes:
                setattr(obj, field.attname, field.digest(getattr(obj, field.source)))
        with transaction.atomic():
            # Saving writes each encrypted value again, under the current key.
            model._base_manager.bulk_update(batch, names)
        done += len(batch)
        last_pk = batch[-1].pk


def rotate_all(*, batch_size: int = 500, stdout=None) -> dict[str, int]:
    counts = {}
    for model, encrypted, indexes in models_with_protected_fields():
        counts[model._meta.label] = rotate_model(
            model, encrypted, indexes, batch_size=batch_size
        )
        if stdout is not None:
            stdout.write(f"{model._meta.label}: {counts[model._meta.label]} rows")
    return counts
