"""Commands about transforms: load (a transform's saved source back into a folder).

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
