"""Commands about transforms and runs: load (a transform's saved source back into a folder),
run (a command as a tracked run), export (lineage out), import (workflow runs in).

Example:
    >>> from lineagedb.cli.transforms import load
    >>> load.name
    'load'
"""

from __future__ import annotations

from pathlib import Path

import click

from lineagedb.cli._base import main


@main.command()
@click.argument("transform")
@click.option("--version", "version", default=None, help="This version (default: the latest).")
@click.option("--with-env", is_flag=True, help="Also its latest run's environment file.")
@click.option(
    "--to", "folder", default=".", type=click.Path(file_okay=False), help="Into this folder."
)
@click.option("--force", is_flag=True, help="Overwrite a file there with other content.")
def load(transform: str, version: str | None, with_env: bool, folder: str, force: bool) -> None:
    """Write a transform's saved source (by uid, key or name) into the working folder.

    With --with-env, also the environment (pip freeze) its latest run recorded,
    so the run can be repeated. Prints the paths written.

    Example:

        lineagedb load make_counts.py --version 2 --with-env
    """
    from lineagedb.tracking.sources import find_transform, write_source

    found = find_transform(transform, version)
    for path in write_source(found, Path(folder), with_env=with_env, force=force):
        click.echo(str(path))


@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("--transform", "transform", required=True, help="The pipeline this command runs.")
@click.option("--input", "inputs", multiple=True, type=click.Path(), help="A file it reads.")
@click.option("--output", "outputs", multiple=True, type=click.Path(), help="A file it writes.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def run(
    context: click.Context,
    transform: str,
    inputs: tuple[str, ...],
    outputs: tuple[str, ...],
    command: tuple[str, ...],
) -> None:
    """Run a command as a tracked run of a pipeline: inputs linked, log kept, outputs saved.

    The command line is the run's params; its output and errors pass through
    and are kept as the run's log; exit code 0 completes the run and saves
    the outputs, any other marks it errored (outputs not saved) and is
    lineagedb's exit code too.

    Example:

        lineagedb run --transform Align --input reads.fq --output out.sam -- bwa mem ref.fa reads.fq
    """
    from lineagedb.tracking.commands import run_command

    code = run_command(transform, list(command), list(inputs), list(outputs))
    context.exit(code)


@main.command()
@click.argument("target", required=False)
@click.option(
    "--format",
    "kind",
    type=click.Choice(["prov-json", "provn", "openlineage", "ro-crate"]),
    default="prov-json",
    show_default=True,
    help="W3C PROV as JSON or PROV-N, OpenLineage run events (one per line), or a Process "
    "Run Crate (a folder).",
)
@click.option("--hops", type=click.IntRange(min=0), default=None, help="Runs back (default: all).")
@click.option(
    "--output", "output", type=click.Path(), help="Write to this file (a crate: this folder)."
)
@click.option("--include-data", is_flag=True, help="A crate: copy the files into it.")
@click.option("--license", "license_url", default=None, help="A crate: its data's license URL.")
def export(
    target: str | None,
    kind: str,
    hops: int | None,
    output: str | None,
    include_data: bool,
    license_url: str | None,
) -> None:
    """Export lineage as W3C PROV, OpenLineage events or an RO-Crate: an artifact's, a
    collection's or a run's, or the instance's.

    TARGET is a uid or key (an artifact), a name (a collection) or a run's uid;
    without it, every artifact, collection and run of the instance.

    Example:

        lineagedb export results/umap.png --format ro-crate --output umap-crate
    """
    from lineagedb.cli._base import _record
    from lineagedb.exchange import export

    record = None
    if target is not None:
        record = _record(target)
        if type(record).__name__ == "Transform":
            raise click.UsageError("Export an artifact, a collection or a run, not a transform.")
    if kind == "ro-crate":
        if output is None:
            raise click.UsageError("--format ro-crate writes a folder: give it with --output DIR.")
        from lineagedb.exchange.ro_crate import export_ro_crate

        path = export_ro_crate(record, output, hops, include_data, license_url)
        click.echo(str(path))
        return
    if include_data or license_url:
        raise click.UsageError("--include-data and --license are for --format ro-crate.")
    text = export(record, hops, kind)
    if output is None:
        click.echo(text)
    else:
        Path(output).write_text(text + "\n")
        click.echo(output)


@main.group(name="import")
def import_() -> None:
    """Import runs of workflow managers (CWLProv) and RO-Crates: transforms, runs, artifacts.

    Example:

        lineagedb import cwlprov ./ro
    """


@import_.command(name="cwlprov")
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.option("--name", default=None, help="The workflow's name (default: its file's).")
def import_cwlprov(folder: str, name: str | None) -> None:
    """Import the research object `cwltool --provenance FOLDER` wrote; print the run's uid.

    Example:

        cwltool --provenance ro flow.cwl job.yml && lineagedb import cwlprov ro
    """
    from lineagedb.exchange.cwlprov import import_cwlprov as read

    run = read(folder, name=name)
    click.echo(f"{run.uid}\t{run.transform.name}\t{run.status}")


@import_.command(name="ro-crate")
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
def import_ro_crate(folder: str) -> None:
    """Import the runs of a Workflow Run RO-Crate (a Process Run Crate); print their uids.

    Example:

        lineagedb import ro-crate ./count-crate
    """
    from lineagedb.exchange.crate_import import import_ro_crate as read

    for run in read(folder):
        click.echo(f"{run.uid}\t{run.transform.name}\t{run.status}")
