"""The grid's own index on grid events goes: grid_event_grid starts with it.
Django's AlterField would drop and re-add each foreign key constraint
around the index, re-checking every row (minutes on a district's tables, under
lock); only the index goes, so the database keeps its constraints as they are."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('grid', '0002_verbose_names'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='gridevent',
                    name='grid',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='grid.grid', verbose_name='grid'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "grid_gridevent_grid_id_7808bd29"',
                    'CREATE INDEX IF NOT EXISTS "grid_gridevent_grid_id_7808bd29" ON "grid_gridevent" ("grid_id")',
                ),
            ],
        ),
    ]
