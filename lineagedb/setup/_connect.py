"""Create, connect and delete instances."""

from __future__ import annotations

import contextlib
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from lineagedb._base import config as _config
from lineagedb._base.config import (
    ANONYMOUS_HANDLE,
    ANONYMOUS_UID,
    UserSettings,
    instance_file,
    read_current_name,
    validate_name,
    write_current_name,
)
from lineagedb._base.logger import logger
from lineagedb._base.session import session
from lineagedb.errors import InstanceError, InvalidArgument, NotConnected
from lineagedb.setup._instance import InstanceSettings, postgres_database
from lineagedb.setup._modules import name_of_label, resolve_all
from lineagedb.setup._modules import parse as parse_modules
from lineagedb.storage.location import Location
from lineagedb.storage.paths import default_instance_name, is_local, normalize_root, protocol_of


def init(
    *,
    storage: str | Path,
    db: str | None = None,
    name: str | None = None,
    storage_options: dict[str, Any] | None = None,
    schema: str | list[str] | None = None,
    modules: str | list[str] | None = None,
) -> None:
    """Create an instance (or connect to it if it exists with the same settings).

    Args:
        storage: Default storage root: a local folder (created if missing) or an
            existing bucket (``s3://my-bucket``). With a bucket, the SQLite file
            lives in the settings home (``$LINEAGEDB_HOME/databases``); share such
            an instance between people with ``db="postgresql://..."``.
        db: ``None`` for the embedded SQLite file in the storage root, or a
            ``postgresql://<user>:<password>@<host>:<port>/<dbname>`` URL.
        name: Instance name; defaults to the storage folder's name.
        storage_options: fsspec options for a bucket ``storage`` (endpoint,
            credentials, project), kept for this user: see ``set_storage_options``.
        schema: Schema modules beyond the core registries, e.g. ``"bionty"`` or
            ``"bionty,mylab"`` (a module's package is ``lnschema_<name>`` or
            ``<name>``). On an existing instance, modules it lacks are added.
        modules: LaminDB 2's name of ``schema``.

    Example (not run here: creates, switches or deletes instances):
        >>> import lineagedb as ln
        >>> ln.setup.init(storage="./lamin-tutorial")  # instances  # doctest: +SKIP
        • connected lineagedb: anonymous/lamin-tutorial
        >>> ln.setup.init(storage="./lamin-tutorial", schema="bionty")  # doctest: +SKIP
        >>> ln.setup.init(
        ...     storage="s3://lab-bucket",
        ...     storage_options={"endpoint_url": "https://minio.lab.org"},
        ... )  # creates, switches or deletes instances  # doctest: +SKIP
    """
    root = normalize_root(storage)
    if db is not None:
        postgres_database(db)  # validates the URL before anything is written
    if schema is not None and modules is not None:
        raise InvalidArgument("Pass schema= or modules= (LaminDB 2's name), not both.")
    names = parse_modules(schema if schema is not None else modules)
    resolve_all(names)  # an unknown module: ImportError before anything is created
    if storage_options is not None:
        previous_options = _config.storage_options(root)
        _config.set_storage_options(root, storage_options)
        try:
            init(storage=storage, db=db, name=name, schema=names)
        except Exception:
            _config.set_storage_options(root, previous_options or None)
            raise
        return
    instance = InstanceSettings(
        name=validate_name(name or default_instance_name(root)),
        storage_root=root,
        db=db,
        modules=tuple(names),
    )
    if instance_file(instance.name).exists():
        existing = InstanceSettings.load(instance.name)
        if (existing.storage_root, existing.db) != (instance.storage_root, instance.db):
            raise InstanceError(
                f"Instance {instance.name!r} already exists with storage "
                f"{existing.storage_root!r} and database {existing.db_display!r}. "
                f"Connect to it with ln.connect({instance.name!r}), or pass another name=."
            )
        added = [module for module in names if module not in existing.modules]
        instance = replace(instance, modules=(*existing.modules, *added))
        if added:
            logger.info(f"adding schema module(s) {added} to instance {instance.name!r}")
    created = is_local(root) and not os.path.lexists(root)
    Location(root).ensure_writable_root()
    try:
        instance = _activate(instance)
    except Exception:
        if created:
            # Only an empty folder: another process may have connected to the
            # new root meanwhile and saved into it (never delete its bytes).
            with contextlib.suppress(OSError):
                os.rmdir(root)
        raise
    from lineagedb.setup._cleanup import claim

    claim(session.storage_record)  # its managed folder is this instance's to clean up
    _write_module_data(instance.modules)
    instance.save()
    write_current_name(instance.name)
    logger.info(f"connected lineagedb: {session.user.handle}/{instance.name}")


def add_module(name: str) -> None:
    """Add a schema module to the connected instance: its tables are created, and kept.

    Example:
        >>> import lineagedb as ln
        >>> ln.setup.add_module("bionty")  # instances  # doctest: +SKIP
        • added schema module 'bionty' to instance lamin-tutorial
    """
    session.ensure_connected()
    instance = session.instance
    assert instance is not None
    names = parse_modules(name)
    resolve_all(names)
    added = [module for module in names if module not in instance.modules]
    if not added:
        logger.info(f"instance {instance.name!r} has schema module(s) {names} already")
        return
    extended = _activate(replace(instance, modules=(*instance.modules, *added)))
    _write_module_data(added)
    extended.save()
    logger.info(f"added schema module(s) {added} to instance {instance.name}")


def _write_module_data(modules: tuple[str, ...] | list[str]) -> None:
    """Rows a module's registries start with: bionty's Source rows."""
    if "bionty" in modules:
        from lineagedb.bionty.registry import write_sources

        write_sources()


def connect(name: str, *, quiet: bool = False) -> None:
    """Connect to an existing instance by name.

    Example:
        >>> import lineagedb as ln
        >>> ln.connect("lamin-tutorial")  # creates, switches or deletes instances  # doctest: +SKIP
        • connected lineagedb: anonymous/lamin-tutorial
    """
    instance = InstanceSettings.load(validate_name(name))
    instance = _activate(instance)
    write_current_name(instance.name)
    if not quiet:
        logger.info(f"connected lineagedb: {session.user.handle}/{instance.name}")


def reconnect(quiet: bool = False) -> None:
    """Connect to the instance this user connected to last (first use in a process).

    Example:
        >>> reconnect()
    """
    name = read_current_name()
    if name is None:
        raise NotConnected(
            "No instance is connected. Create one with ln.setup.init(storage='./mydata') "
            "or connect to one with ln.connect('<name>')."
        )
    connect(name, quiet=quiet)


def delete(name: str) -> None:
    """Delete an instance's settings and its SQLite database; keep its stored files.

    A PostgreSQL database is left as it is (drop it with your database tools);
    the files in the storage root are never deleted by this call.

    Example:
        >>> import lineagedb as ln
        >>> ln.setup.delete("lamin-tutorial")  # instances  # doctest: +SKIP
        ✓ deleted instance lamin-tutorial; kept the files in /home/me/lamin-tutorial
    """
    instance = InstanceSettings.load(validate_name(name))
    if session.instance is not None and session.instance.name == instance.name:
        from lineagedb.setup._django import disconnect

        disconnect()
        session.set(None, None, None)
    if instance.db is None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{instance.sqlite_path}{suffix}").unlink(missing_ok=True)
    instance_file(instance.name).unlink()
    if read_current_name() == instance.name:
        write_current_name(None)
    kept = "" if instance.db is None else f"; the database {instance.db_display} was not dropped"
    logger.success(
        f"deleted instance {instance.name}; kept the files in {instance.storage_root}{kept}"
    )


def user_record(user: UserSettings) -> Any:
    """The User record for ``user`` in the connected instance, created if missing.

    A handle already registered under another uid is that user: its record is used.
    """
    from lineagedb.models import User

    existing = User.objects.filter(handle=user.handle).first()
    if existing is not None:
        return existing
    record, _ = User.objects.get_or_create(
        uid=user.uid, defaults={"handle": user.handle, "name": user.name}
    )
    return record


def _with_database_modules(instance: InstanceSettings, applied: set[str]) -> InstanceSettings:
    """``instance`` with the schema modules its database has that this user's settings lack.

    Modules belong to the instance, not to a user: after user 1 adds bionty to
    a shared instance, user 2's connect loads it too (or refuses with the
    command that installs its package), so queries, values and deletes see
    every registry the database holds. ``applied``: the app labels of the database's
    migrations, as ``configure()`` read them.
    """
    from lineagedb.setup._django import configure

    known = {"lineagedb", *(m.label for m in resolve_all(instance.modules, extras=False))}
    names = sorted(name_of_label(label) for label in applied - known)
    if not names:
        return instance
    try:
        resolve_all(names, extras=False)
    except (ImportError, InvalidArgument) as error:
        raise InstanceError(
            f"Instance {instance.name!r} has the schema module(s) {names} (its database holds "
            f"their tables), which this Python cannot load: {error} Install them, then "
            "connect again."
        ) from None
    extended = replace(instance, modules=(*instance.modules, *names))
    configure(extended)
    extended.save()
    logger.info(f"loaded schema module(s) {names} of instance {instance.name!r}")
    return extended


def _activate(instance: InstanceSettings) -> InstanceSettings:
    from django.db import DatabaseError, OperationalError, transaction

    from lineagedb.setup._django import configure

    session.tracked.clear()  # a tracked run belongs to the instance it was saved in

    try:
        instance = _with_database_modules(instance, configure(instance))
        # setup seeds the two records every instance needs; models are only
        # importable once Django is configured, hence the late import.
        from lineagedb.models import Storage, User

        with transaction.atomic():
            anonymous, _ = User.objects.get_or_create(
                uid=ANONYMOUS_UID, defaults={"handle": ANONYMOUS_HANDLE}
            )
            user = user_record(session.user) if session.user.uid != ANONYMOUS_UID else anonymous
            # get_or_create: another process may be seeding the same instance.
            storage, _ = Storage.objects.get_or_create(
                root=instance.storage_root,
                defaults={"type": protocol_of(instance.storage_root), "created_by": user},
            )
    except OperationalError as error:
        session.set(None, None, None)
        raise InstanceError(
            f"Cannot open the database of instance {instance.name!r} at "
            f"{instance.db_display}: {str(error).strip()}. Check that the server runs "
            "and the URL is right."
        ) from None
    session.set(instance, user, storage)
    from lineagedb.tracking.run_status import mark_aborted

    try:
        mark_aborted()
    except DatabaseError as error:  # a read-only or older database: connect all the same
        logger.debug(f"could not check for aborted runs: {error}")
    return instance
