"""Commands about schema modules: ``lineagedb module add NAME``, ``lineagedb module new NAME``.

A schema module is a Django app of registries beyond the core ones; see
``lineagedb.setup._modules``. ``module new`` writes a skeleton a lab edits:
a package ``lnschema_<name>`` with one registry (``Sample``) that labels
artifacts and collections, its first migration, and a test.

Example:
    >>> from lineagedb.cli.modules import module
    >>> sorted(module.commands)
    ['add', 'new']
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from lineagedb.cli._base import _ln, main
from lineagedb.errors import InvalidArgument


@main.group()
def module() -> None:
    """Schema modules: add one to the current instance, or write a new one.

    Example:

        lineagedb module add bionty
    """


@module.command()
@click.argument("name")
def add(name: str) -> None:
    """Add schema module NAME (e.g. bionty) to the current instance; its tables are created.

    Example:

        lineagedb module add bionty
    """
    _ln().setup.add_module(name)


@module.command()
@click.argument("name")
@click.option("--path", default=".", help="Folder to write the package into (default: here).")
def new(name: str, path: str) -> None:
    """Write a skeleton schema module lnschema_NAME: one registry, its migration, a test.

    Example:

        lineagedb module new mylab --path ./modules
    """
    folder = write_module(name, Path(path))
    click.echo(str(folder))
    click.echo(
        f"install it (pip install -e {folder}), then: "
        f"lineagedb init --storage ./data --schema {name}",
        err=True,
    )


_NAME = re.compile(r"[a-z][a-z0-9_]*")

_PYPROJECT = """[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "lnschema-{name}"
version = "0.1.0"
description = "The {name} schema module of lineagedb."
dependencies = ["lineagedb"]

[tool.setuptools.packages.find]
include = ["lnschema_{name}*"]
"""

_INIT = '''"""The {name} schema module: registries of this lab, beside lineagedb's own.

Use it with ``ln.setup.init(storage=..., schema="{name}")``; import the
registries once an instance is connected: ``from lnschema_{name}.models import Sample``.
"""

__version__ = "0.1.0"
'''

_MODELS = '''"""The registries of the {name} module. Edit them, then write a migration:

    python -m lineagedb.setup._makemigrations --module {name}
"""

from __future__ import annotations

import secrets
import string

from django.db import models

from lineagedb.models import SQLRecord


def sample_uid() -> str:
    """A new Sample uid (12 random base62 characters)."""
    alphabet = string.digits + string.ascii_letters
    return "".join(secrets.choice(alphabet) for _ in range(12))


class Sample(SQLRecord):
    """A biological sample; labels artifacts and collections like ULabel does."""

    _name_field = "name"
    _search_fields = ("name", "description")

    uid = models.CharField(max_length=12, unique=True, default=sample_uid)
    name = models.CharField(max_length=255, db_index=True)
    description = models.TextField(null=True, blank=True)
    artifacts = models.ManyToManyField(
        "lineagedb.Artifact", through="ArtifactSample", related_name="samples"
    )
    collections = models.ManyToManyField(
        "lineagedb.Collection", through="CollectionSample", related_name="samples"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey("lineagedb.User", models.PROTECT, related_name="+")


class ArtifactSample(models.Model):
    """Links an artifact to a sample, under at most one feature."""

    artifact = models.ForeignKey("lineagedb.Artifact", models.CASCADE, related_name="+")
    sample = models.ForeignKey(Sample, models.CASCADE, related_name="artifact_links")
    feature = models.ForeignKey(
        "lineagedb.Feature", models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["artifact", "sample"], name="unique_{name}_artifact")
        ]


class CollectionSample(models.Model):
    """Links a collection to a sample, under at most one feature."""

    collection = models.ForeignKey("lineagedb.Collection", models.CASCADE, related_name="+")
    sample = models.ForeignKey(Sample, models.CASCADE, related_name="collection_links")
    feature = models.ForeignKey(
        "lineagedb.Feature", models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "sample"], name="unique_{name}_collection"
            )
        ]
'''

_TEST = '''"""The {name} module on a fresh instance: a sample labels an artifact."""

import lineagedb as ln


def test_a_sample_labels_an_artifact(tmp_path, monkeypatch):
    monkeypatch.setenv("LINEAGEDB_HOME", str(tmp_path / "home"))
    ln.setup.init(storage=tmp_path / "data", schema="{name}")
    from lnschema_{name}.models import Sample

    sample = Sample(name="donor 1").save()
    path = tmp_path / "counts.csv"
    path.write_text("gene,count\\nCD4,3\\n")
    artifact = ln.Artifact(str(path), description="counts").save()
    donor = ln.Feature(name="donor", type="category").save()
    artifact.labels.add(sample, feature=donor)
    assert ln.Artifact.filter(samples__name="donor 1").one() == artifact
    assert artifact.labels.get(donor, flat_names=True) == ["donor 1"]
'''


def write_module(name: str, folder: Path) -> Path:
    """Write the skeleton of schema module ``name`` under ``folder``; return the project folder.

    The first migration is written by Django's makemigrations, run in a
    fresh process against a throwaway SQLite instance.

    Example:
        >>> write_module("mylab", Path("./modules"))
        PosixPath('modules/lnschema-mylab')
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidArgument(
            f"A module name is lowercase letters, digits and underscores, starting with a "
            f"letter (e.g. 'mylab'); not {name!r}."
        )
    project = folder / f"lnschema-{name}"
    if project.exists():
        raise InvalidArgument(f"{project} exists already; pick another --path or name.")
    package = project / f"lnschema_{name}"
    (package / "migrations").mkdir(parents=True)
    (project / "tests").mkdir()
    (project / "pyproject.toml").write_text(_PYPROJECT.format(name=name))
    (package / "__init__.py").write_text(_INIT.format(name=name))
    (package / "models.py").write_text(_MODELS.format(name=name))
    (package / "migrations" / "__init__.py").write_text("")
    (project / "tests" / f"test_{name}.py").write_text(_TEST.format(name=name))
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "LINEAGEDB_HOME": home,
            "PYTHONPATH": os.pathsep.join(
                [str(project.resolve()), os.environ.get("PYTHONPATH", "")]
            ),
        }
        done = subprocess.run(
            [sys.executable, "-m", "lineagedb.setup._makemigrations", "--module", name],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"makemigrations failed for module {name!r}:\n{done.stderr[-2000:]}")
    return project
