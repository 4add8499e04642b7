"""Artifacts keep the name their file had when it was registered."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('lineagedb', '0009_foldermanifest'),
    ]

    operations = [
        migrations.AddField(
            model_name='artifact',
            name='_original_name',
            field=models.CharField(blank=True, max_length=255, null=True),
        ),
    ]
