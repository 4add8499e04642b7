"""Database-side text search: FTS5 trigram tables (SQLite) or pg_trgm GIN indexes (PostgreSQL).

SQLite keeps each registry's FTS table in sync with triggers. Django rebuilds
a SQLite table for some schema changes, which drops its triggers: a later
migration that alters one of these tables must run ``create_sqlite`` again.
"""

from django.db import migrations

SEARCH_FIELDS = {
    "lineagedb_artifact": ("key", "description", "suffix"),
    "lineagedb_collection": ("name", "description"),
    "lineagedb_transform": ("name", "key"),
    "lineagedb_user": ("handle", "name"),
    "lineagedb_storage": ("root", "description"),
}


def create_sqlite(cursor, table, fields):
    columns = ", ".join(fields)
    new_values = ", ".join(f"new.{field}" for field in fields)
    old_values = ", ".join(f"old.{field}" for field in fields)
    fts = f"{table}_fts"
    cursor.execute(f"DROP TABLE IF EXISTS {fts}")
    cursor.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5({columns}, content='{table}', "
        "content_rowid='id', tokenize='trigram')"
    )
    cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    insert = f"INSERT INTO {fts}(rowid, {columns}) VALUES (new.id, {new_values});"
    delete = f"INSERT INTO {fts}({fts}, rowid, {columns}) VALUES ('delete', old.id, {old_values});"
    for name, event, body in (
        ("ai", "AFTER INSERT", insert),
        ("ad", "AFTER DELETE", delete),
        ("au", "AFTER UPDATE", delete + insert),
    ):
        cursor.execute(f"DROP TRIGGER IF EXISTS {fts}_{name}")
        cursor.execute(f"CREATE TRIGGER {fts}_{name} {event} ON {table} BEGIN {body} END")


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for table, fields in SEARCH_FIELDS.items():
                create_sqlite(cursor, table, fields)
        elif connection.vendor == "postgresql":
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for table, fields in SEARCH_FIELDS.items():
                for field in fields:
                    cursor.execute(
                        f"CREATE INDEX IF NOT EXISTS {table}_{field}_trgm "
                        f"ON {table} USING gin ({field} gin_trgm_ops)"
                    )


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for table, fields in SEARCH_FIELDS.items():
            if connection.vendor == "sqlite":
                for name in ("ai", "ad", "au"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{name}")
                cursor.execute(f"DROP TABLE IF EXISTS {table}_fts")
            elif connection.vendor == "postgresql":
                for field in fields:
                    cursor.execute(f"DROP INDEX IF EXISTS {table}_{field}_trgm")


class Migration(migrations.Migration):
    dependencies = [("lineagedb", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
