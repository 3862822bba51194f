"""History rows lose their time index (settings.SIMPLE_HISTORY_DATE_INDEX):
they are read by record, never by time."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('whistle', '0003_verbose_names'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalnegativelistentry',
            name='history_date',
            field=models.DateTimeField(),
        ),
        migrations.AlterField(
            model_name='historicalwhistle',
            name='history_date',
            field=models.DateTimeField(),
        ),
        migrations.AlterField(
            model_name='historicalwhistlesummons',
            name='history_date',
            field=models.DateTimeField(),
        ),
    ]
