"""History rows lose their time index (settings.SIMPLE_HISTORY_DATE_INDEX):
they are read by record, never by time."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('grid', '0003_event_grid_index_covered'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalgrid',
            name='history_date',
            field=models.DateTimeField(),
        ),
        migrations.AlterField(
            model_name='historicalgridevent',
            name='history_date',
            field=models.DateTimeField(),
        ),
        migrations.AlterField(
            model_name='historicalgridmember',
            name='history_date',
            field=models.DateTimeField(),
        ),
        migrations.AlterField(
            model_name='historicalopen311client',
            name='history_date',
            field=models.DateTimeField(),
        ),
    ]
