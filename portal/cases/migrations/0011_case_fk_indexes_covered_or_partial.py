"""Foreign-key indexes that another index already starts with are dropped
(case_applicant, case_submitter, event_case_time serve the same lookups);
duplicate_of and outcome_confirmed_by, empty on nearly every case, get partial
indexes of the filled rows. At 1M cases: 57 + 12 + 12 MB dropped, 2 x 7 MB
replaced by a few kB. Django's AlterField would drop and re-add each foreign key constraint
around the index, re-checking every row (minutes on a district's tables, under
lock); only the index goes, so the database keeps its constraints as they are."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_backup_codes_hashed'),
        ('cases', '0010_drop_district_title_bigrams'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='case',
                    name='applicant',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='cases_applied', to=settings.AUTH_USER_MODEL, verbose_name='applicant'),
                ),
                migrations.AlterField(
                    model_name='case',
                    name='duplicate_of',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.case', verbose_name='duplicate of'),
                ),
                migrations.AlterField(
                    model_name='case',
                    name='outcome_confirmed_by',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='confirmed by leader'),
                ),
                migrations.AlterField(
                    model_name='case',
                    name='submitter',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='cases_submitted', to=settings.AUTH_USER_MODEL, verbose_name='submitted by'),
                ),
                migrations.AlterField(
                    model_name='caseevent',
                    name='case',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='cases.case', verbose_name='case'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "cases_case_applicant_id_756c921c"',
                    'CREATE INDEX IF NOT EXISTS "cases_case_applicant_id_756c921c" ON "cases_case" ("applicant_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "cases_case_duplicate_of_id_1796dfe5"',
                    'CREATE INDEX IF NOT EXISTS "cases_case_duplicate_of_id_1796dfe5" ON "cases_case" ("duplicate_of_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "cases_case_outcome_confirmed_by_id_2acc2164"',
                    'CREATE INDEX IF NOT EXISTS "cases_case_outcome_confirmed_by_id_2acc2164" ON "cases_case" ("outcome_confirmed_by_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "cases_case_submitter_id_a929911c"',
                    'CREATE INDEX IF NOT EXISTS "cases_case_submitter_id_a929911c" ON "cases_case" ("submitter_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "cases_caseevent_case_id_6c6031ac"',
                    'CREATE INDEX IF NOT EXISTS "cases_caseevent_case_id_6c6031ac" ON "cases_caseevent" ("case_id")',
                ),
            ],
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('duplicate_of__isnull', False)), fields=['duplicate_of'], name='case_duplicate_of'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('outcome_confirmed_by__isnull', False)), fields=['outcome_confirmed_by'], name='case_outcome_confirmed_by'),
        ),
    ]
