"""Folder artifacts keep the files they were registered with (FolderManifest)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('lineagedb', '0008_run_status_params'),
    ]

    operations = [
        migrations.CreateModel(
            name='FolderManifest',
            fields=[
                ('artifact', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='folder_manifest', serialize=False, to='lineagedb.artifact')),
                ('files', models.JSONField()),
            ],
        ),
    ]
