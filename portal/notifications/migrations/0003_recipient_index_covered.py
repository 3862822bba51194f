"""The recipient's own index goes: notif_recipient_read, notif_recipient_time
and notification_once_per_event start with the recipient. Django's AlterField would drop and re-add each foreign key constraint
around the index, re-checking every row (minutes on a district's tables, under
lock); only the index goes, so the database keeps its constraints as they are."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0002_verbose_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='notification',
                    name='recipient',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL, verbose_name='recipient'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "notifications_notification_recipient_id_d055f3f0"',
                    'CREATE INDEX IF NOT EXISTS "notifications_notification_recipient_id_d055f3f0" ON "notifications_notification" ("recipient_id")',
                ),
            ],
        ),
    ]
