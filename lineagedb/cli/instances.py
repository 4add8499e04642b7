"""Commands about instances and users: init, connect, info, delete, instances, login, logout,
cleanup, view, db (move, export, import).

Example:
    >>> from lineagedb.cli.instances import info
    >>> info.name
    'info'
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from lineagedb.cli._base import (
    REGISTRIES,
    _ln,
    _quiet,
    _registry,
    main,
)


@main.command()
@click.option("--storage", required=True, help="Local folder or bucket URL (s3://bucket).")
@click.option("--db", default=None, help="postgresql://user:password@host:port/dbname")
@click.option("--name", default=None, help="Instance name (default: the storage folder's).")
@click.option(
    "--schema", "--modules", "schema", default=None, help="Schema modules, e.g. bionty,mylab."
)
def init(storage: str, db: str | None, name: str | None, schema: str | None) -> None:
    """Create an instance and connect to it.

    Example:

        lineagedb init --storage ./lamin-tutorial --schema bionty
    """
    _ln().setup.init(storage=storage, db=db, name=name, schema=schema)
    _say_switched()


def _say_switched() -> None:
    """One line on stderr naming the instance later commands use, even with -q."""
    if _quiet():  # otherwise the "connected" message said it
        instance = _ln().setup.settings.instance
        click.echo(f"current instance: {instance.name} (later commands use it)", err=True)


@main.command()
@click.argument("name")
def connect(name: str) -> None:
    """Connect to an instance; later commands and Python sessions use it.

    Example:

        lineagedb connect lamin-tutorial
    """
    _ln().setup.connect(name)
    _say_switched()


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def info(as_json: bool) -> None:
    """Show the current instance (the one every later command uses), its storage and counts.

    Example:

        lineagedb info
    """
    ln = _ln()
    instance = ln.setup.settings.instance
    details: dict[str, Any] = {
        "instance": instance.name,
        "storage": ln.setup.settings.storage.root_as_str,
        "database": instance.db_display,
        "modules": list(instance.modules),
        "user": ln.setup.settings.user.handle,
        "counts": {name: _registry(name).filter().count() for name in REGISTRIES},
    }
    if as_json:
        click.echo(json.dumps(details))
        return
    for key, value in details.items():
        if key == "counts":
            value = ", ".join(f"{n}: {c}" for n, c in value.items())
        if key == "modules":
            value = ", ".join(value) or "none (core registries only)"
        if key == "instance":
            value = f"{value}  (current: later commands use it; switch: lineagedb connect NAME)"
        click.echo(f"{key:<9} {value}")


@main.command()
@click.argument("name")
@click.option("--force", is_flag=True, help="Do not ask for confirmation.")
def delete(name: str, force: bool) -> None:
    """Delete an instance's settings and SQLite file (stored files are kept).

    Example:

        lineagedb delete lamin-tutorial --force
    """
    if not force:
        click.confirm(f"Delete instance {name!r}?", abort=True)
    _ln().setup.delete(name)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def instances(as_json: bool) -> None:
    """List the known instances; * marks the current one.

    Example:

        lineagedb instances
    """
    from lineagedb._base.config import list_instances, read_current_name
    from lineagedb.setup._instance import InstanceSettings

    current = read_current_name()
    for name in list_instances():
        instance = InstanceSettings.load(name)
        row = {"name": name, "storage": instance.storage_root, "database": instance.db_display}
        if as_json:
            click.echo(json.dumps({**row, "current": name == current}))
        else:
            click.echo(
                f"{'*' if name == current else ' '} {name}  {row['storage']}  {row['database']}"
            )


@main.command()
@click.argument("handle")
@click.option("--name", default=None, help="Full name.")
def login(handle: str, name: str | None) -> None:
    """Save records as the local user HANDLE from now on.

    Example:

        lineagedb login jdoe --name "Jane Doe"
    """
    _ln().setup.login(handle, name=name)


@main.command()
def logout() -> None:
    """Save records as the anonymous user again.

    Example:

        lineagedb logout
    """
    _ln().setup.logout()


@main.command()
@click.option("--dry-run", is_flag=True, help="List, don't remove.")
@click.option(
    "--min-age",
    default=900,
    show_default=True,
    type=click.IntRange(min=0),
    help="Seconds; younger is left alone.",
)
def cleanup(dry_run: bool, min_age: int) -> None:
    """Remove temporary copies and unreferenced bytes left by interrupted saves.

    Example:

        lineagedb cleanup --dry-run
    """
    for path in _ln().setup.cleanup(dry_run=dry_run, min_age_seconds=min_age):
        click.echo(path)


@main.command()
@click.option("--limit", default=7, show_default=True, help="Records per registry.")
def view(limit: int) -> None:
    """Print the newest records of every registry.

    Example:

        lineagedb view --limit 3
    """
    _ln().view(limit=limit)


if __name__ == "__main__":
    sys.exit(main())


@main.group()
def db() -> None:
    """Move an instance's database: to PostgreSQL and back, or through Parquet files.

    Example:

        lineagedb db move --to postgresql://me@127.0.0.1:5432/lab
    """


@db.command(name="move")
@click.option("--to", "to", required=True, help="postgresql://... (an empty database) or sqlite.")
@click.option("--no-verify-bytes", is_flag=True, help="Skip re-checking every artifact's bytes.")
def db_move(to: str, no_verify_bytes: bool) -> None:
    """Move the connected instance's database; bytes stay, the old database is kept.

    Example:

        lineagedb db move --to postgresql://me@127.0.0.1:5432/lab
    """
    report = _ln().setup.move_db(to=to, verify_bytes=not no_verify_bytes)
    click.echo(f"{report.database}\t{len(report.rows)} tables\t{report.total} rows")
    if report.mismatched:
        raise click.ClickException(
            f"{len(report.mismatched)} artifact(s) differ from their bytes: "
            + ", ".join(report.mismatched[:5])
        )


@db.command(name="export")
@click.argument("folder", type=click.Path(file_okay=False))
def db_export(folder: str) -> None:
    """Write every table of the connected instance as Parquet, with a manifest.

    Example:

        lineagedb db export ./lab-dump
    """
    click.echo(str(_ln().setup.export_db(folder)))


@db.command(name="import")
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.option("--db", "database", default=None, help="postgresql://... (default: SQLite).")
@click.option("--storage", default=None, help="Default storage root (default: the exported).")
@click.option("--name", default=None, help="Instance name (default: the exported one's).")
def db_import(folder: str, database: str | None, storage: str | None, name: str | None) -> None:
    """Build a new instance from a `lineagedb db export` folder and connect to it.

    Example:

        lineagedb db import ./lab-dump --db postgresql://me@127.0.0.1:5432/lab2 --name lab2
    """
    report = _ln().setup.import_db(folder, db=database, storage=storage, name=name)
    click.echo(f"{report.database}\t{len(report.rows)} tables\t{report.total} rows")
    _say_switched()
