"""Backup codes kept hashed (ASVS 2.6.2): the new device and code tables, and
the codes of django-otp's static devices, which it keeps as they are, moved
into them hashed and deleted from its table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def hash_static_tokens(apps, schema_editor):
    from portal.accounts import backup_codes

    StaticDevice = apps.get_model("otp_static", "StaticDevice")
    StaticToken = apps.get_model("otp_static", "StaticToken")
    BackupCodeDevice = apps.get_model("accounts", "BackupCodeDevice")
    BackupCode = apps.get_model("accounts", "BackupCode")
    for device in StaticDevice.objects.filter(token_set__isnull=False).distinct():
        target, _created = BackupCodeDevice.objects.get_or_create(
            user_id=device.user_id,
            name="backup",
            defaults={"confirmed": device.confirmed},
        )
        rows = []
        for token in StaticToken.objects.filter(device=device):
            salt = backup_codes.new_salt()
            digest = backup_codes.digest(token.token, salt)
            rows.append(BackupCode(device=target, salt=salt, digest=digest))
        BackupCode.objects.bulk_create(rows)
    StaticToken.objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_verbose_names'),
        ('otp_static', '0003_add_timestamps'),
    ]

    operations = [
        migrations.CreateModel(
            name='BackupCodeDevice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='The human-readable name of this device.', max_length=64)),
                ('confirmed', models.BooleanField(default=True, help_text='Is this device ready for use?')),
                ('throttling_failure_timestamp', models.DateTimeField(blank=True, default=None, help_text='A timestamp of the last failed verification attempt. Null if last attempt succeeded.', null=True)),
                ('throttling_failure_count', models.PositiveIntegerField(default=0, help_text='Number of successive failed attempts.')),
                ('created_at', models.DateTimeField(auto_now_add=True, help_text='The date and time when this device was initially created in the system.', null=True)),
                ('last_used_at', models.DateTimeField(blank=True, help_text='The most recent date and time this device was used.', null=True)),
                ('user', models.ForeignKey(help_text='The user that this device belongs to.', on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'backup code device',
                'verbose_name_plural': 'backup code devices',
            },
        ),
        migrations.CreateModel(
            name='BackupCode',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('salt', models.CharField(max_length=32)),
                ('digest', models.CharField(max_length=64)),
                ('device', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='codes', to='accounts.backupcodedevice')),
            ],
            options={
                'verbose_name': 'backup code',
                'verbose_name_plural': 'backup codes',
            },
        ),
        migrations.RunPython(hash_static_tokens, migrations.RunPython.noop),
    ]
