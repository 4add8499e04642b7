"""Django configuration: the only place that calls ``settings.configure``.

Django is configured once per process, when the first instance is
initialised or connected. Connecting to another instance later swaps the
``default`` database in place, so one process (a test session, a notebook)
can move between instances.
"""

from __future__ import annotations

import os
import pkgutil
from typing import Any

from django.apps import AppConfig

from lineagedb.errors import InstanceError
from lineagedb.setup._instance import InstanceSettings
from lineagedb.setup._modules import Module, resolve_all

CORE_APP = "lineagedb.setup._django.LineageDBConfig"


class LineageDBConfig(AppConfig):
    """The Django app holding lineagedb's registries (``lineagedb.models``)."""

    name = "lineagedb"
    label = "lineagedb"
    verbose_name = "lineagedb"
    default_auto_field = "django.db.models.BigAutoField"


def configure(instance: InstanceSettings) -> set[str]:
    """Point Django at ``instance``'s database and bring its schema up to date.

    Returns the app labels the database has tables of (its applied migrations):
    what the instance *is*, whichever user connects.

    Example:
        >>> import tempfile
        >>> sorted(configure(InstanceSettings(name="demo", storage_root=tempfile.mkdtemp())))
        ['lineagedb']
    """
    from django.conf import settings

    modules = resolve_all(instance.modules, extras=False)  # init checked them
    installed = [CORE_APP, *(module.package for module in modules)]
    database = instance.django_database()
    if database["ENGINE"].endswith("sqlite3"):
        instance.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    if not settings.configured:
        # Jupyter runs an event loop; Django refuses sync ORM calls inside one
        # unless told that this process is not serving async requests.
        os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        settings.configure(
            INSTALLED_APPS=installed,
            DATABASES={"default": database},
            MIGRATION_MODULES={"lineagedb": "lineagedb.models.migrations"},
            USE_TZ=True,
            TIME_ZONE="UTC",
        )
        # django.setup() would also import the URL resolver and HTTP layer and
        # configure logging (about 25 ms, and the user's logging is not ours
        # to change); a library needs only the app registry.
        from django.apps import apps

        apps.populate(settings.INSTALLED_APPS)
    else:
        _swap_default_database(database)
        if list(settings.INSTALLED_APPS) != installed:
            _install_apps(installed)
    from lineagedb.models.query.dialects import register_lookups

    register_lookups()
    return migrate(modules)


def _install_apps(installed: list[str]) -> None:
    """Make ``installed`` the app registry's apps (another instance has other modules).

    Models of a module imported before stay importable, but the registry —
    hence every reverse relation, delete cascade and ``ln.view`` — knows only
    the apps of the connected instance.
    """
    from django.apps import apps
    from django.conf import settings

    previous = list(settings.INSTALLED_APPS)

    def populate(names: list[str]) -> None:
        apps.clear_cache()  # expire the cached relations of the models known so far
        settings.INSTALLED_APPS = names
        apps.app_configs = {}
        apps.apps_ready = apps.models_ready = apps.ready = apps.loading = False
        apps.populate(names)

    try:
        populate(installed)
    except Exception as error:
        # A module that fails to load leaves the registry as it was, not half-populated.
        populate(previous)
        raise InstanceError(
            f"The schema modules {installed[1:]} cannot be loaded ({type(error).__name__}: "
            f"{error}); the connected instance's registries are unchanged."
        ) from error


def _swap_default_database(database: dict[str, Any]) -> None:
    from asgiref.local import Local
    from django.conf import settings
    from django.db import connections

    from lineagedb._base.session import session

    connections.close_all()
    session.other_aliases.clear()  # other instances' read-only aliases go with the settings
    settings.DATABASES["default"] = database
    # ConnectionHandler caches the settings it was built from and one
    # connection per thread; reset both so every thread reconnects.
    connections.__dict__.pop("settings", None)
    connections._connections = Local(connections.thread_critical)


def migrate(modules: list[Module] | None = None) -> set[str]:
    """Apply the shipped migrations the database lacks, core's then each module's; return the
    labels of every app the database has migrations of (modules other users added too).

    One plain query on every connect when nothing is to be applied.

    Example:
        >>> "lineagedb" in migrate()
        True
    """
    packages = {"lineagedb": "lineagedb.models.migrations"}
    packages.update({module.label: f"{module.package}.migrations" for module in modules or []})
    # Django's migration machinery (tens of milliseconds to import) loads only
    # when something is to be applied.
    applied = _applied_migrations()
    shipped = shipped_migrations(modules or [])
    for label, names in shipped.items():
        if not {(label, name) for name in names} <= applied:
            from lineagedb.models.query.dialects import migration_lock

            # Processes creating one instance at once: the first migrates, the
            # others find the tables there when they get the lock.
            with migration_lock():
                _migrate_app(label, packages[label], names)
    return {app for app, _ in applied} | set(shipped)


def _migrate_app(label: str, package: str, shipped: set[str], using: str = "default") -> None:
    """Bring one app's tables up to date: a new database's from the recorded snapshot
    (milliseconds), others through Django's migrations (about 0.1 s each)."""
    from django.db import connections

    from lineagedb.setup._schema import apply_snapshot, read_snapshot

    connection = connections[using]
    snapshot = read_snapshot(package, connection.vendor)
    # Read again under the lock: another process may have migrated meanwhile.
    untouched = not any(app == label for app, _ in _applied_migrations(using))
    if snapshot is not None and set(snapshot.migrations) == shipped and untouched:
        apply_snapshot(connection, label, snapshot)
        return
    from django.core.management import call_command

    call_command("migrate", label, database=using, verbosity=0, interactive=False)


def shipped_migrations(modules: list[Module]) -> dict[str, set[str]]:
    """App label → the names of the migrations this lineagedb ships for it: core's, then
    each module's, in that order.

    Example:
        >>> "0001_initial" in shipped_migrations([])["lineagedb"]
        True
    """
    import importlib.util
    from pathlib import Path

    apps = [("lineagedb", "lineagedb.models.migrations")]
    apps += [(module.label, f"{module.package}.migrations") for module in modules]
    shipped = {}
    for label, package in apps:
        # Found without importing it: a migrations package imports its app's models,
        # which need Django configured (``db import`` asks before configuring).
        top, *below = package.split(".")
        spec = importlib.util.find_spec(top)
        assert spec is not None and spec.submodule_search_locations, f"{top} is no package"
        path = Path(next(iter(spec.submodule_search_locations))).joinpath(*below)
        shipped[label] = {module.name for module in pkgutil.iter_modules([str(path)])}
    return shipped


def create_tables(using: str, modules: list[Module]) -> None:
    """Give the empty database ``using`` the tables of core and ``modules``, as ``migrate``
    would (``db move`` and ``db import`` fill them then).

    Example:
        >>> create_tables("move-target", [])  # an alias with an empty database  # doctest: +SKIP
    """
    packages = {"lineagedb": "lineagedb.models.migrations"}
    packages.update({module.label: f"{module.package}.migrations" for module in modules})
    for label, names in shipped_migrations(modules).items():
        _migrate_app(label, packages[label], names, using)


def _applied_migrations(using: str = "default") -> set[tuple[str, str]]:
    """(app, name) of every migration the database has applied; none for a new database."""
    from django.db import DatabaseError, connections

    connection = connections[using]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT app, name FROM django_migrations")
            return set(cursor.fetchall())
    except DatabaseError:  # a new database: no migrations table yet
        return set()


def disconnect() -> None:
    """Close every connection and point Django at no database until the next connect.

    Queries made after an instance was deleted then fail instead of
    recreating its SQLite file.
    """
    from django.conf import settings

    from lineagedb._base.session import session

    session.tracked.wait_for_environment()  # its thread writes to the current database
    if settings.configured:
        _swap_default_database({"ENGINE": "django.db.backends.dummy"})
