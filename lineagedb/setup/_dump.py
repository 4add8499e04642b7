"""An instance through Parquet files: ``export_db(folder)`` writes each table as a Parquet
file with a manifest (schema migrations, modules, row counts, SHA-256 of each file);
``import_db(folder, ...)`` builds a new instance from such a folder, into an empty
database, as a move fills one (``setup/_move.py``).

Example:
    >>> import lineagedb as ln, tempfile
    >>> ln.setup.export_db(Path(tempfile.mkdtemp()) / "dump").name
    'manifest.json'
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lineagedb._base.config import instance_file, validate_name
from lineagedb._base.logger import logger
from lineagedb._base.session import session
from lineagedb.errors import InvalidArgument
from lineagedb.setup._instance import InstanceSettings
from lineagedb.setup._modules import resolve_all
from lineagedb.setup._move import (
    MoveReport,
    clear,
    database_url,
    drop_tables,
    finish_copy,
    refuse_unless_empty,
)

FORMAT = "lineagedb-db-export"
MANIFEST = "manifest.json"


def export_db(folder: str | Path) -> Path:
    """Write every table of the connected instance as Parquet into ``folder`` (new or
    empty), with ``manifest.json``; return the manifest's path.

    Example:
        >>> import lineagedb as ln, tempfile
        >>> folder = Path(tempfile.mkdtemp()) / "dump"
        >>> ln.setup.export_db(folder).name
        'manifest.json'
    """
    import pyarrow.parquet as pq
    from django.db import transaction

    from lineagedb.setup._django import shipped_migrations
    from lineagedb.setup._tables import (
        arrow_type,
        columns,
        copied_models,
        lock_tables,
        read_rows,
        to_arrow,
    )

    session.ensure_connected()
    instance = session.instance
    assert instance is not None
    out = Path(folder)
    if out.exists() and any(out.iterdir()):
        raise InvalidArgument(f"{str(out)!r} is not empty: export into a new or empty folder.")
    out.mkdir(parents=True, exist_ok=True)
    import pyarrow as pa

    tables = []
    models = copied_models()
    with transaction.atomic():
        lock_tables("default", models)
        for model in models:
            table = model._meta.db_table
            schema = pa.schema([(f.column, arrow_type(f)) for f in columns(model)])
            path = out / f"{table}.parquet"
            rows = 0
            with pq.ParquetWriter(path, schema) as writer:
                for batch in read_rows(model, "default"):
                    writer.write_table(to_arrow(model, batch))
                    rows += len(batch)
                if rows == 0:
                    writer.write_table(schema.empty_table())
            tables.append(
                {"table": table, "file": path.name, "rows": rows, "sha256": _sha256(path)}
            )
    modules = resolve_all(instance.modules, extras=False)
    manifest = {
        "format": FORMAT,
        "format_version": 1,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "instance": {
            "name": instance.name,
            "storage_root": instance.storage_root,
            "modules": list(instance.modules),
        },
        "migrations": {app: sorted(names) for app, names in shipped_migrations(modules).items()},
        "tables": tables,
    }
    path = out / MANIFEST
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    total = sum(entry["rows"] for entry in tables)
    logger.success(f"exported instance {instance.name}: {len(tables)} tables, {total:,} rows")
    return path


def import_db(
    folder: str | Path,
    *,
    db: str | None = None,
    storage: str | None = None,
    name: str | None = None,
) -> MoveReport:
    """Build a new instance from a folder ``export_db`` wrote, and connect to it.

    Args:
        folder: The export (its ``manifest.json`` is checked, and every file's SHA-256).
        db: ``postgresql://...`` (an empty database), or None for the embedded SQLite file.
        storage: The new instance's default storage root (default: the exported one's).
            Artifacts keep their own storage: their bytes are read where they are.
        name: The new instance's name (default: the exported one's).

    Example:
        >>> import lineagedb as ln
        >>> ln.setup.import_db("dump", db="postgresql://me@127.0.0.1/lab2")  # doctest: +SKIP
    """
    from django.db import transaction

    from lineagedb.setup._connect import connect
    from lineagedb.setup._django import configure, shipped_migrations
    from lineagedb.setup._tables import (
        bulk_load,
        copied_models,
        from_arrow,
        unchecked_foreign_keys,
        write_rows,
    )
    from lineagedb.storage.paths import normalize_root

    source = Path(folder)
    manifest = _read_manifest(source)
    exported = manifest["instance"]
    modules = resolve_all(exported["modules"])
    ours = {app: sorted(names) for app, names in shipped_migrations(modules).items()}
    if manifest["migrations"] != ours:
        raise InvalidArgument(
            f"The export in {str(source)!r} has another schema than this lineagedb's (its "
            "migrations differ): import it with the lineagedb that exported it, connect once "
            "with this one to migrate it, and export again."
        )
    target = InstanceSettings(
        name=validate_name(name or exported["name"]),
        storage_root=normalize_root(storage or exported["storage_root"]),
        db=None if db is None else database_url(db),
        modules=tuple(exported["modules"]),
    )
    if instance_file(target.name).exists():
        raise InvalidArgument(
            f"An instance named {target.name!r} exists on this machine: pass another name."
        )
    refuse_unless_empty(target)
    start = time.perf_counter()
    previous = session.instance
    configure(target)  # the tables, and the models of its modules
    try:
        import pyarrow.parquet as pq

        models = {model._meta.db_table: model for model in copied_models()}
        unknown = [e["table"] for e in manifest["tables"] if e["table"] not in models]
        if unknown:
            raise InvalidArgument(f"The export has tables this instance lacks: {unknown}.")
        rows = {}
        with (
            unchecked_foreign_keys("default"),
            transaction.atomic(),
            bulk_load("default", list(models.values())),
        ):
            clear("default", list(models.values()))
            for entry in manifest["tables"]:
                model = models[entry["table"]]
                batches = (
                    from_arrow(model, batch_table)
                    for batch_table in _batches(pq.ParquetFile(source / entry["file"]))
                )
                rows[entry["table"]] = write_rows(model, "default", batches)
            expected = {e["table"]: e["rows"] for e in manifest["tables"]}
            finish_copy("default", list(models.values()), expected)
    except BaseException:
        drop_tables("default", target)
        _back_to(previous)
        raise
    target.save()
    connect(target.name, quiet=True)
    report = MoveReport(target.db_display, rows, seconds=time.perf_counter() - start)
    logger.success(
        f"imported instance {target.name} into {target.db_display}: {len(rows)} tables, "
        f"{report.total:,} rows"
    )
    return report


def _read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.exists():
        raise InvalidArgument(
            f"{str(folder)!r} has no {MANIFEST}: give a folder that `lineagedb db export` wrote."
        )
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("format") != FORMAT or manifest.get("format_version") != 1:
        raise InvalidArgument(f"{str(path)!r} is not a lineagedb export (format {FORMAT} 1).")
    for entry in manifest["tables"]:
        file = folder / entry["file"]
        if not file.exists() or _sha256(file) != entry["sha256"]:
            raise InvalidArgument(
                f"{str(file)!r} is missing or differs from the manifest's checksum: the "
                "export is incomplete or was changed; export again."
            )
    return manifest


def _batches(parquet: Any) -> Iterator[Any]:
    import pyarrow as pa

    for batch in parquet.iter_batches(batch_size=20_000):
        yield pa.Table.from_batches([batch])


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _back_to(previous: InstanceSettings | None) -> None:
    """Reconnect to the instance connected before a failed import (or to none)."""
    from lineagedb.setup._connect import connect
    from lineagedb.setup._django import disconnect

    if previous is None:
        disconnect()
        session.set(None, None, None)
    else:
        connect(previous.name, quiet=True)
