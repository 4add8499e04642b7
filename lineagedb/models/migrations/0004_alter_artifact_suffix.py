"""Artifact.suffix holds up to 128 characters (real suffixes exceed 30).

SQLite rebuilds the table for the change, which drops its search triggers:
the artifact's search index is made again (see 0002).
"""

from django.db import migrations, models

from lineagedb.models.query.dialects import create_search_indexes


def search_index_again(apps, schema_editor):
    fields = ("key", "description", "suffix")
    create_search_indexes(schema_editor.connection, {"lineagedb_artifact": fields})


class Migration(migrations.Migration):
    dependencies = [("lineagedb", "0003_artifact_unique_managed_content")]

    operations = [
        migrations.AlterField(
            model_name="artifact",
            name="suffix",
            field=models.CharField(blank=True, db_index=True, max_length=128),
        ),
        migrations.RunPython(search_index_again, migrations.RunPython.noop),
    ]
