"""Feature sets (schemas) can refuse columns beyond their members (maximal_set)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('lineagedb', '0010_artifact_original_name'),
    ]

    operations = [
        migrations.AddField(
            model_name='featureset',
            name='maximal_set',
            field=models.BooleanField(default=False),
        ),
    ]
