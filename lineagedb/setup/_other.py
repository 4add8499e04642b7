"""Other instances beside the connected one, read-only (``ln.Artifact.connect("name")``).

The other instance's database gets a Django alias of its own, opened read-only by the
database itself (SQLite ``mode=ro``; PostgreSQL ``default_transaction_read_only``), so no
query through it can write. Its schema must be this lineagedb's: an instance some
migrations behind is migrated by connecting to it once.

Example:
    >>> alias = other_database("lab-archive")  # an instance this machine knows  # doctest: +SKIP
    >>> ln.Artifact.objects.using(alias).count()  # doctest: +SKIP
    120
"""

from __future__ import annotations

from typing import Any

from lineagedb._base.session import session
from lineagedb.errors import InvalidArgument
from lineagedb.setup._instance import InstanceSettings

_ALIASES = session.other_aliases  # instance name → its read-only alias, in this process


def other_database(name: str) -> str:
    """The Django alias of instance ``name``'s database, read-only, added on first use.

    Example:
        >>> other_database(ln.setup.settings.instance.name)
        Traceback (most recent call last):
        lineagedb.errors.InvalidArgument: 'lamin-tutorial' is the connected instance: ...
    """
    from django.db import connections

    from lineagedb.setup._connect import validate_name

    session.ensure_connected()
    current = session.instance
    if current is not None and name == current.name:
        raise InvalidArgument(
            f"{name!r} is the connected instance: query it directly, e.g. ln.Artifact.filter()."
        )
    if name in _ALIASES:
        return _ALIASES[name]
    other = InstanceSettings.load(validate_name(name))
    alias = f"other-{name}"
    given = {"default": dict(connections.settings["default"]), alias: read_only(other)}
    connections.settings[alias] = connections.configure_settings(given)[alias]  # its defaults
    try:
        check_schema(alias, name)
    except BaseException:
        connections[alias].close()
        del connections.settings[alias]
        raise
    _ALIASES[name] = alias
    session.other_modules[name] = tuple(other.modules)
    return alias


def read_only(instance: InstanceSettings) -> dict[str, Any]:
    """Django's database entry for ``instance``, opened so that nothing can write.

    Example:
        >>> read_only(InstanceSettings(name="x", storage_root="/data/x"))["NAME"]
        'file:/data/x/.lineagedb/lineagedb.sqlite3?mode=ro'
    """
    entry = instance.django_database()
    if instance.db is None:
        return {
            "ENGINE": entry["ENGINE"],
            "NAME": f"file:{instance.sqlite_path}?mode=ro",
            "OPTIONS": {"uri": True, "timeout": 60},
        }
    options = dict(entry.get("OPTIONS", {}))
    given = options.get("options", "")
    options["options"] = f"{given} -c default_transaction_read_only=on".strip()
    return {**entry, "OPTIONS": options}


def check_schema(alias: str, name: str) -> None:
    """Refuse an instance whose core schema is not this lineagedb's (older or newer)."""
    from django.db import connections
    from django.db.migrations.loader import MigrationLoader

    ours = {
        migration for app, migration in MigrationLoader(None).disk_migrations if app == "lineagedb"
    }
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT name FROM django_migrations WHERE app = %s", ["lineagedb"])
            theirs = {row[0] for row in cursor.fetchall()}
    except Exception as error:
        raise InvalidArgument(
            f"Cannot read instance {name!r} ({error}). Check that its database exists and "
            "that this machine may read it."
        ) from None
    if theirs != ours:
        missing, unknown = sorted(ours - theirs), sorted(theirs - ours)
        what = (
            f"is {len(missing)} migrations behind (first: {missing[0]}): connect to it once "
            f"(ln.connect({name!r})) to migrate it, then connect back"
            if missing
            else f"has migrations this lineagedb does not know ({unknown[0]}): upgrade lineagedb"
        )
        raise InvalidArgument(f"Instance {name!r} {what}.")
