"""Runs get a status (started, completed, errored, aborted), parameters, and their process."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('lineagedb', '0007_link_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='run',
            name='params',
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='run',
            name='_process',
            field=models.CharField(blank=True, max_length=255, null=True),
        ),
        migrations.AddField(
            model_name='run',
            name='status',
            field=models.CharField(blank=True, db_index=True, max_length=16, null=True),
        ),
    ]
