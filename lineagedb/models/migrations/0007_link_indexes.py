"""Link tables keep only their composite indexes (the single-column ones were redundant)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('lineagedb', '0006_feature_values'),
    ]

    operations = [
        migrations.AlterField(
            model_name='artifactfeaturevalue',
            name='artifact',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='feature_value_links', to='lineagedb.artifact'),
        ),
        migrations.AlterField(
            model_name='artifactfeaturevalue',
            name='featurevalue',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='artifact_links', to='lineagedb.featurevalue'),
        ),
        migrations.AlterField(
            model_name='artifactulabel',
            name='artifact',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='ulabel_links', to='lineagedb.artifact'),
        ),
        migrations.AlterField(
            model_name='artifactulabel',
            name='ulabel',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='artifact_links', to='lineagedb.ulabel'),
        ),
    ]
