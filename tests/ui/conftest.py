"""Fixtures of the UI tests: an instance with something of every kind to show."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

# The smallest PNG: one transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture
def png() -> bytes:
    """The bytes of the smallest PNG."""
    return PNG


@pytest.fixture
def filled(instance: ModuleType, tmp_path: Path) -> dict[str, Any]:
    """An instance with an artifact of each previewable kind, a run, labels and a collection."""
    ln = instance
    transform = ln.Transform(name="Preprocess", type="pipeline").save()
    ln.track(transform=transform)
    table = ln.Artifact.from_df(
        pd.DataFrame({"gene": ["CD3E", "MS4A1"], "n": [3, 5]}), key="t.parquet"
    )
    table = table.save()
    (tmp_path / "notes.txt").write_text("line one\nline two\n")
    text = ln.Artifact(tmp_path / "notes.txt", key="notes.txt").save()
    (tmp_path / "cell.png").write_bytes(PNG)
    image = ln.Artifact(tmp_path / "cell.png", key="cell.png").save()
    adata = ln.datasets.anndata_counts(n_obs=12, n_vars=4)
    cells = ln.Artifact.from_anndata(adata, key="cells.h5ad").save()
    folder = tmp_path / "study"
    folder.mkdir()
    (folder / "a.csv").write_text("x\n1\n")
    (folder / "b.csv").write_text("x\n2\n")
    study = ln.Artifact(folder, key="study").save()
    table.labels.add(ln.ULabel(name="study0").save())
    collection = ln.Collection([table, text], name="bundle").save()
    ln.finish()
    gone = ln.Artifact.from_df(pd.DataFrame({"x": [9]}), key="gone.parquet").save()
    gone.delete()  # to the trash
    return {
        "ln": ln,
        "table": table,
        "text": text,
        "image": image,
        "cells": cells,
        "study": study,
        "collection": collection,
        "transform": transform,
        "gone": gone,
        "png": PNG,
    }
