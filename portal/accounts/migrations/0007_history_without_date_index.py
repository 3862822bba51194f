"""History rows lose their time index (settings.SIMPLE_HISTORY_DATE_INDEX):
they are read by record, never by time."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_backup_codes_hashed'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicaldepartment',
            name='history_date',
            field=models.DateTimeField(),
        ),
        migrations.AlterField(
            model_name='historicalstaffmembership',
            name='history_date',
            field=models.DateTimeField(),
        ),
        migrations.AlterField(
            model_name='historicaluser',
            name='history_date',
            field=models.DateTimeField(),
        ),
    ]
