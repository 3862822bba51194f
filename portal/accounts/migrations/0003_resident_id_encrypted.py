"""Resident identity numbers encrypted at rest, with a blind index for exact
lookups and uniqueness (issue 7).

The schema change turns the column into text and drops its unique
constraint (moved to the blind index); the data step then encrypts the
plain numbers already stored, in the user table and its history, with raw
SQL: the model field would try to decrypt them. Works on SQLite and
PostgreSQL. Not reversible: the plain numbers are not written back.
"""

import portal.accounts.models
import portal.accounts.validators
import portal.crypto.fields
from django.db import migrations

BATCH = 1000


def _encrypt_table(connection, table, pk):
    from portal.crypto import cipher
    from portal.crypto.cipher import blind_index

    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(pk)}, {quote('resident_id')} FROM {quote(table)} "
            f"WHERE {quote('resident_id')} IS NOT NULL"
        )
        rows = cursor.fetchall()
    updates = []
    for key, value in rows:
        if value == "":
            updates.append((None, None, key))
        elif not cipher.is_encrypted(value):
            updates.append(
                (
                    cipher.encrypt(value),
                    blind_index(value, purpose="accounts.user.resident_id"),
                    key,
                )
            )
    with connection.cursor() as cursor:
        for start in range(0, len(updates), BATCH):
            cursor.executemany(
                f"UPDATE {quote(table)} SET {quote('resident_id')} = %s, "
                f"{quote('resident_id_index')} = %s WHERE {quote(pk)} = %s",
                updates[start : start + BATCH],
            )


def encrypt_all(connection):
    _encrypt_table(connection, "accounts_user", "id")
    _encrypt_table(connection, "accounts_historicaluser", "history_id")


def encrypt_existing(apps, schema_editor):
    encrypt_all(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_password_age_session_token'),
    ]

    operations = [
        migrations.AlterModelManagers(
            name='user',
            managers=[
                ('objects', portal.accounts.models.UserManager()),
            ],
        ),
        migrations.AlterModelOptions(
            name='user',
            options={'permissions': [('view_full_resident_id', 'Can see full resident identity numbers'), ('manage_grants', "Can grant and remove users' groups and permissions")], 'verbose_name': 'user', 'verbose_name_plural': 'users'},
        ),
        migrations.AddField(
            model_name='historicaluser',
            name='resident_id_index',
            field=portal.crypto.fields.BlindIndexField(db_index=True, purpose='accounts.user.resident_id', source='resident_id', verbose_name='resident identity number (blind index)'),
        ),
        migrations.AddField(
            model_name='user',
            name='resident_id_index',
            field=portal.crypto.fields.BlindIndexField(purpose='accounts.user.resident_id', source='resident_id', unique=True, verbose_name='resident identity number (blind index)'),
        ),
        migrations.AlterField(
            model_name='historicaluser',
            name='resident_id',
            field=portal.crypto.fields.EncryptedTextField(blank=True, max_length=18, null=True, validators=[portal.accounts.validators.validate_resident_id], verbose_name='resident identity number'),
        ),
        migrations.AlterField(
            model_name='user',
            name='resident_id',
            field=portal.crypto.fields.EncryptedTextField(blank=True, max_length=18, null=True, validators=[portal.accounts.validators.validate_resident_id], verbose_name='resident identity number'),
        ),
        migrations.RunPython(encrypt_existing),
    ]
