"""Commands about records and their bytes: save, ls, get, describe, lineage, restore, rm,
verify, status, report (search and validate: search.py).

Example:
    >>> from lineagedb.cli.records import ls
    >>> ls.name
    'ls'
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click

from lineagedb.cli._base import (
    DEFAULT_COLUMNS,
    REGISTRY,
    _artifact,
    _at_most,
    _ln,
    _quiet,
    _record,
    _registry,
    main,
)
from lineagedb.display.table import format_table, json_value
from lineagedb.errors import InvalidArgument


@main.command()
@click.argument("path")
@click.option("--key", default=None, help="Key in storage (for copied files).")
@click.option("--description", default=None, help="Free text.")
@click.option("--version", "version", default=None, help="A version string.")
@click.option(
    "--revises",
    default=None,
    help="Uid or key of the artifact this is a new version of (a key already names one).",
)
@click.option(
    "--update",
    is_flag=True,
    help="If the content is registered already, give that record these values.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def save(
    path: str,
    key: str | None,
    description: str | None,
    version: str | None,
    revises: str | None,
    update: bool,
    as_json: bool,
) -> None:
    """Register a file or folder (local path or URL); prints uid, key and hash.

    Content registered already returns that record; values given that it
    lacks are reported, and applied with --update. New content under a key
    that an artifact has (or at a registered path whose file changed) is
    that artifact's next version; --revises names the artifact explicitly.

    Example:

        lineagedb save ./results/counts.csv --description "counts table"
    """
    previous = _artifact(revises) if revises is not None else None
    artifact = (
        _ln()
        .Artifact(path, key=key, description=description, version=version, revises=previous)
        .save()
    )
    from lineagedb.models.artifact import not_applied as values_not_applied

    not_applied = values_not_applied(artifact)
    if update and not_applied:
        if "key" in not_applied and not artifact.key_is_virtual:
            raise InvalidArgument(
                f"Artifact {artifact.uid} is registered in place at key {artifact.key!r}; its key "
                "is its path in storage. Move the file to change it."
            )
        for name, value in not_applied.items():
            setattr(artifact, name, value)
        artifact.save()
        click.echo(f"updated {', '.join(not_applied)} of artifact {artifact.uid}", err=True)
    row = {
        "uid": artifact.uid,
        "key": artifact.key,
        "hash": artifact.hash,
        "version": artifact.version,
    }
    click.echo(json.dumps(row) if as_json else f"{artifact.uid}\t{artifact.key}\t{artifact.hash}")


@main.command(name="ls")
@click.argument("registry", default="artifact", type=REGISTRY)
@click.option("--filter", "filters", multiple=True, metavar="FIELD=VALUE", help="Repeatable.")
@click.option("--limit", **_at_most(50, "records"))
@click.option(
    "--before",
    type=click.IntRange(min=1),
    default=None,
    metavar="ID",
    help="Only records older than id ID: the next page, as the last one says.",
)
@click.option(
    "--columns",
    default=None,
    metavar="FIELD,...",
    help="Fields to show, e.g. uid,key,size or transform__key; 'all' for every field.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def ls(
    registry: str,
    filters: tuple[str, ...],
    limit: int,
    before: int | None,
    columns: str | None,
    as_json: bool,
) -> None:
    """List the newest records of a registry.

    A table of a few fields that fits the terminal (COLUMNS is honoured);
    --columns picks others; --json gives every field (integers as integers).
    Pages go by id (--before the last one shown), each read through the
    index however large the registry.

    Example:

        lineagedb ls artifact --filter suffix=.csv --columns uid,key,size --limit 10
    """
    conditions = {}
    for item in filters:
        field, separator, value = item.partition("=")
        if not separator:
            raise click.BadParameter(f"{item!r} is not FIELD=VALUE.", param_hint="--filter")
        conditions[field] = None if value == "None" else value
    from django.core.exceptions import FieldError, ValidationError

    model = _registry(registry)
    from lineagedb.models.query.fields import (
        public_columns,  # Django's: loaded once a command needs it
    )

    every = public_columns(model)
    if columns == "all" or (columns is None and as_json):
        wanted = every
    elif columns is not None:
        wanted = [name.strip() for name in columns.split(",") if name.strip()]
    else:
        wanted = list(DEFAULT_COLUMNS.get(registry.lower(), [c for c in every if c != "id"][:6]))
    try:
        query = model.filter(**conditions)
        if before is not None:
            query = query.filter(id__lt=before)
        # One row more than shown says whether there is a next page (no count of them all).
        page = list(query.order_by("-id").values_list("id", *wanted)[: limit + 1])
        rows = [row[1:] for row in page[:limit]]
    except FieldError:
        raise click.BadParameter(
            f"{columns!r} names a field {model.__name__} does not have; its fields: "
            f"{', '.join(every)}.",
            param_hint="--columns",
        ) from None
    except (ValueError, TypeError, ValidationError) as error:
        # A value the field cannot hold, e.g. size=abc: Django says which.
        message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        raise click.BadParameter(message, param_hint="--filter") from None
    if as_json:
        for row in rows:
            record = {name: json_value(value) for name, value in zip(wanted, row, strict=True)}
            click.echo(json.dumps(record, default=str))
        return
    if not rows:
        click.echo("(no records)")
        return
    click.echo(format_table(rows, wanted))
    if len(page) > limit and not _quiet():
        click.echo(
            f"showing {len(rows)}; next page: --before {page[limit - 1][0]} (or a larger --limit)",
            err=True,
        )


@main.command()
@click.argument("uid_or_key")
@click.option("--cache", "use_cache", is_flag=True, help="Download cloud objects to the cache.")
@click.option("--to", "target", default=None, type=click.Path(), help="Copy into this folder.")
def get(uid_or_key: str, use_cache: bool, target: str | None) -> None:
    """Print the path of an artifact's bytes (cached or copied locally if asked).

    Example:

        lineagedb get iris_studies/study0_raw_images/meta.csv --to ./inputs
    """
    if target is not None:
        _check_folder(Path(target))  # before anything is downloaded
    artifact = _artifact(uid_or_key)  # connects first: the registries need Django
    from lineagedb.models.artifact import file_name, path_text

    if not (use_cache or target):
        # The path as text, without building a UPath (fsspec's import is half of get's time).
        click.echo(path_text(artifact))
        return
    path = artifact.cache()
    if target is not None:
        local = Path(path.path)
        name = file_name(artifact) or local.name
        destination = Path(target) / name
        if destination.resolve() != local.resolve():  # already there: nothing to copy
            try:
                destination.parent.mkdir(parents=True, exist_ok=True)
                if local.is_dir():
                    shutil.copytree(local, destination, dirs_exist_ok=True)
                else:
                    shutil.copyfile(local, destination)
            except OSError as error:
                raise InvalidArgument(
                    f"Cannot copy artifact {artifact.uid} to '{destination}' "
                    f"({error.strerror or error}). Pick a folder you can write to with --to."
                ) from None
        path = destination
    click.echo(str(path))


def _check_folder(folder: Path) -> None:
    """``--to``: a folder that exists, or a new one in a folder that does (never a tree)."""
    if folder.exists() and not folder.is_dir():
        raise InvalidArgument(f"--to '{folder}' is a file; give a folder.")
    parent = folder.absolute().parent
    if not folder.exists() and not parent.is_dir():
        what = "is a file" if parent.exists() else "does not exist either"
        raise InvalidArgument(
            f"--to '{folder}' does not exist, and its parent '{parent}' {what}. Create the "
            f"folder first (mkdir -p '{folder}'), or pick one that exists."
        )


@main.command()
@click.argument("uid_or_key")
@click.option("--registry", default=None, type=REGISTRY, help="Where to look (default: any).")
def describe(uid_or_key: str, registry: str | None) -> None:
    """Print a record with its provenance: an artifact, collection, run or transform.

    A collection lists its artifacts; a run its inputs and outputs.

    Example:

        lineagedb describe Jcs76l0nQW6Oi1go0aeP
    """
    record = _record(uid_or_key, registry)  # connects first: display imports the registries
    from lineagedb.display.describe import summary
    from lineagedb.models import Collection, Run
    from lineagedb.models.annotations.summary import describe_text

    click.echo(describe_text(record))
    if isinstance(record, Collection):
        members = list(record.artifacts.all()[:MAX_LISTED])
        click.echo(f"\nArtifacts ({record.artifacts.count()}):")
        for member in members:
            click.echo(f"  {summary(member)}")
    if isinstance(record, Run):
        outputs = [*record.output_artifacts.all()[:MAX_LISTED]]
        outputs += [*record.output_collections.all()[:MAX_LISTED]]
        click.echo(f"\nOutputs ({len(outputs)}{'+' if len(outputs) >= MAX_LISTED else ''}):")
        for output in outputs:
            click.echo(f"  ⬆ {summary(output)}")


MAX_LISTED = 50


@main.command()
@click.argument("uid_or_key")
@click.option("--registry", default=None, type=REGISTRY, help="Where to look (default: any).")
@click.option("--svg", "svg", default=None, type=click.Path(), help="Write an SVG file.")
def lineage(uid_or_key: str, registry: str | None, svg: str | None) -> None:
    """Print the lineage of an artifact, collection or run (a transform: its parents) as DOT.

    Example:

        lineagedb lineage Jcs76l0nQW6Oi1go0aeP --svg lineage.svg
    """
    record = _record(uid_or_key, registry)
    from lineagedb.models import Transform

    if isinstance(record, Transform):
        graph = record.view_parents(with_children=True)
    else:
        graph = record.view_lineage()
    if svg is None:
        click.echo(graph.source)
        return
    if shutil.which("dot") is None:
        raise InvalidArgument(
            "Rendering SVG needs graphviz's dot: apt-get install graphviz (or omit --svg)."
        )
    Path(svg).write_bytes(graph.pipe(format="svg"))
    click.echo(svg)


@main.command()
@click.argument("uid_or_key")
@click.option("--registry", default=None, type=REGISTRY, help="Where to look (default: any).")
def restore(uid_or_key: str, registry: str | None) -> None:
    """Take an artifact or collection out of the trash.

    Example:

        lineagedb restore Jcs76l0nQW6Oi1go0aeP
    """
    record = _record(uid_or_key, registry)
    if getattr(record, "visibility", None) != -1:
        raise InvalidArgument(
            f"{type(record).__name__} {record.uid} is not in the trash; nothing to restore."
        )
    record.restore()
    click.echo(f"restored {type(record).__name__.lower()} {record.uid}", err=True)


@main.command()
@click.argument("uid_or_key")
@click.option("--permanent", is_flag=True, help="Delete for good instead of trashing.")
def rm(uid_or_key: str, permanent: bool) -> None:
    """Move an artifact to the trash (or delete it for good with --permanent).

    Example:

        lineagedb rm Jcs76l0nQW6Oi1go0aeP --permanent
    """
    _artifact(uid_or_key).delete(permanent=permanent or None)


@main.command()
@click.argument("uids", nargs=-1)
@click.option("--all", "check_all", is_flag=True, help="Check every artifact.")
def verify(uids: tuple[str, ...], check_all: bool) -> None:
    """Re-check stored bytes against their records; exit 1 if any are missing or changed.

    Example:

        lineagedb verify --all
    """
    from lineagedb.errors import StorageMismatch

    ln = _ln()
    if not uids and not check_all:
        raise click.UsageError("Name artifacts to verify, or pass --all.")
    artifacts = ln.Artifact.filter(visibility=None) if check_all else map(_artifact, uids)
    problems = 0
    for artifact in artifacts:
        try:
            artifact.verify()
            click.echo(f"ok\t{artifact.uid}\t{artifact.key or ''}")
        except StorageMismatch as error:
            problems += 1
            click.echo(f"FAILED\t{artifact.uid}\t{error}")
    if problems:
        raise StorageMismatch(f"{problems} artifact(s) failed verification (see above).")


@main.command()
@click.argument("path", default=".")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def status(path: str, as_json: bool) -> None:
    """List changed, missing and unregistered files under a folder of a registered storage.

    Like git status: registered files are compared by size (and by hash when
    modified since registration); exits 0 whatever it finds.

    Example:

        lineagedb status ./data/runs
    """
    _ln().Artifact  # noqa: B018  (connects to the current instance)
    from lineagedb.cli._status import status as folder_status

    report = folder_status(path)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "storage": report.storage_root,
                    "folder": report.folder_key,
                    "changed": [{"key": k, "uid": u, "how": h} for k, u, h in report.changed],
                    "missing": [{"key": k, "uid": u} for k, u in report.missing],
                    "unregistered": report.unregistered,
                    "unchanged": report.unchanged,
                }
            )
        )
        return
    where = report.folder_key or "(the storage root)"
    click.echo(f"storage {report.storage_root}, folder {where}")
    for key, uid, how in report.changed:
        click.echo(f"  changed:       {key}  (artifact {uid}: {how})")
    for key, uid in report.missing:
        click.echo(f"  missing:       {key}  (artifact {uid})")
    for key in report.unregistered:
        click.echo(f"  unregistered:  {key}")
    click.echo(f"{report.unchanged} registered unchanged")
    if report.changed:
        click.echo("register a changed file as a new version: lineagedb save PATH")
    if report.unregistered:
        click.echo("register new files: lineagedb save PATH")


@main.command()
@click.argument("notebook", type=click.Path(exists=True, dir_okay=False))
@click.option("--run", "run_uid", default=None, help="The run's uid (default: found by source).")
def report(notebook: str, run_uid: str | None) -> None:
    """Save an executed notebook's HTML report as its run's report (headless runs).

    nbconvert --execute and papermill write outputs when the run has ended;
    run this afterwards on the executed notebook.

    Example:

        jupyter nbconvert --to notebook --execute --inplace analysis.ipynb
        lineagedb report analysis.ipynb
    """
    from lineagedb.tracking.tracker import attach_report

    run = _ln().Run.get(run_uid) if run_uid is not None else None
    done = attach_report(notebook, run)
    click.echo(f"{done.uid}\t{done.status}\t{done.report.uid if done.report else ''}")
