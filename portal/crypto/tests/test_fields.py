"""The encrypted field and its blind index, on the real user model."""

import base64
import importlib

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from portal.accounts.models import User
from portal.accounts.tests.factories import ResidentFactory, make_resident_id
from portal.crypto import cipher

NEW_KEY = base64.b64encode(b"N" * 32).decode()


def _stored(user, column="resident_id", table="accounts_user", pk="id"):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {pk} = %s", [user.pk])
        return cursor.fetchone()[0]


def test_round_trip_with_a_fresh_nonce_each_time():
    first, second = cipher.encrypt("320102199003070011"), cipher.encrypt(
        "320102199003070011"
    )
    assert first != second
    assert first.startswith(f"enc1${cipher.current_key_id()}$")
    assert cipher.decrypt(first) == cipher.decrypt(second) == "320102199003070011"


def test_a_changed_ciphertext_is_refused():
    stored = cipher.encrypt("hello")
    prefix, blob = stored.rsplit("$", 1)
    raw = bytearray(base64.urlsafe_b64decode(blob))
    raw[-1] ^= 1
    with pytest.raises(cipher.DecryptionError):
        cipher.decrypt(prefix + "$" + base64.urlsafe_b64encode(bytes(raw)).decode())
    with pytest.raises(cipher.DecryptionError):
        cipher.decrypt("320102199003070011")


def test_keys_must_be_256_bits(settings):
    settings.FIELD_ENCRYPTION_KEYS = [base64.b64encode(b"short").decode()]
    with pytest.raises(ImproperlyConfigured):
        cipher.encrypt("x")


@pytest.mark.django_db
def test_the_column_holds_ciphertext_and_the_model_the_number():
    number = make_resident_id(41)
    user = ResidentFactory(resident_id=number)
    stored = _stored(user)
    assert stored.startswith("enc1$") and number not in stored
    assert User.objects.get(pk=user.pk).resident_id == number
    history_stored = _stored(
        user.history.first(), table="accounts_historicaluser", pk="history_id"
    )
    assert history_stored.startswith("enc1$")


@pytest.mark.django_db
def test_exact_lookup_goes_through_the_blind_index():
    number = make_resident_id(42)
    user = ResidentFactory(resident_id=number)
    ResidentFactory()
    assert list(User.objects.with_resident_id(number)) == [user]
    assert list(User.objects.with_resident_id(number.lower())) == [user]
    assert not User.objects.with_resident_id(make_resident_id(43)).exists()
    assert not User.objects.with_resident_id("").exists()
    assert len(user.resident_id_index) == 64 and number not in user.resident_id_index
    with pytest.raises(FieldError):
        User.objects.filter(resident_id=number)
    with pytest.raises(FieldError):
        User.objects.filter(resident_id__startswith="3201")
    assert User.objects.filter(resident_id=None).count() == 0
    assert User.objects.filter(resident_id__isnull=False).count() == 2


@pytest.mark.django_db
def test_save_with_update_fields_keeps_the_index_in_step():
    user = ResidentFactory(resident_id=None)
    number = make_resident_id(44)
    user.resident_id = number
    user.save(update_fields=["resident_id"])
    assert list(User.objects.with_resident_id(number)) == [user]


@pytest.mark.django_db
def test_rotation_re_encrypts_every_value_with_the_new_key(settings):
    users = [ResidentFactory(resident_id=make_resident_id(50 + n)) for n in range(5)]
    old_id = cipher.current_key_id()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, *settings.FIELD_ENCRYPTION_KEYS]
    new_id = cipher.current_key_id()
    assert new_id != old_id
    call_command("rotate_encryption_keys", batch_size=2)
    for user in users:
        assert cipher.stored_key_id(_stored(user)) == new_id
    with connection.cursor() as cursor:
        cursor.execute("SELECT resident_id FROM accounts_historicaluser")
        assert {cipher.stored_key_id(v) for (v,) in cursor.fetchall() if v} == {
            new_id
        }
    # The old key can go now: everything still reads.
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert [User.objects.get(pk=u.pk).resident_id for u in users] == [
        u.resident_id for u in users
    ]
    assert User.objects.with_resident_id(users[0].resident_id).get() == users[0]


@pytest.mark.django_db
def test_the_migration_encrypts_plain_numbers_already_stored():
    migration = importlib.import_module(
        "portal.accounts.migrations.0003_resident_id_encrypted"
    )
    number = make_resident_id(60)
    user = ResidentFactory(resident_id=None)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_user SET resident_id = %s, resident_id_index = NULL "
            "WHERE id = %s",
            [number, user.pk],
        )
    migration.encrypt_all(connection)
    assert _stored(user).startswith("enc1$")
    assert User.objects.get(pk=user.pk).resident_id == number
    assert User.objects.with_resident_id(number).get() == user
