"""What the exchange tests export: an instance per test, and one tracked run in it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

import lineagedb as ln


def instance_at(folder: Path, database: str | None) -> Iterator[Path]:
    """A fresh instance storing in ``folder``/data (the body of the tests' fixtures)."""
    ln.setup.init(storage=folder / "data", db=database)
    yield folder
    ln.settings.openlineage_url = None
    from lineagedb.setup._django import disconnect

    disconnect()


def normalize_run(folder: Path) -> tuple[Any, Any, Any]:
    """A tracked run of 'normalize' (params k=2): it reads raw.csv (registered before) and
    saves a table with features; returns (input, output, run)."""
    raw = folder / "raw.csv"
    raw.write_text("gene,count\nCD4,3\n")
    source = ln.Artifact(str(raw), description="raw counts").save()
    ln.track(transform=ln.Transform(name="normalize", type="pipeline").save(), params={"k": 2})
    source.cache()  # an input of the run
    frame = pd.DataFrame({"gene": ["CD4"], "count": [3.0]})
    ln.save(ln.Feature.from_df(frame))
    output = ln.Artifact.from_df(frame, description="normalized").save()
    output.features.add_from_df()
    ln.finish()
    return source, output, ln.core.run_context.run
