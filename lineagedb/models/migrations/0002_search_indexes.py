"""Database-side text search: FTS5 trigram tables (SQLite) or pg_trgm GIN indexes (PostgreSQL).

SQLite keeps each registry's FTS table in sync with triggers. Django rebuilds
a SQLite table for some schema changes, which drops its triggers: a later
migration that alters one of these tables must run
``lineagedb.models.query.dialects.create_search_indexes`` for it again.
"""

from django.db import migrations

from lineagedb.models.query.dialects import create_search_indexes, drop_search_indexes

SEARCH_FIELDS = {
    "lineagedb_artifact": ("key", "description", "suffix"),
    "lineagedb_collection": ("name", "description"),
    "lineagedb_transform": ("name", "key"),
    "lineagedb_user": ("handle", "name"),
    "lineagedb_storage": ("root", "description"),
}


def forwards(apps, schema_editor):
    create_search_indexes(schema_editor.connection, SEARCH_FIELDS)


def backwards(apps, schema_editor):
    drop_search_indexes(schema_editor.connection, SEARCH_FIELDS)


class Migration(migrations.Migration):
    dependencies = [("lineagedb", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
