"""Readers for stored files, chosen by suffix."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lineagedb.errors import NoLoader


def _read_csv(path: Path, **kwargs: Any) -> Any:
    import pandas as pd

    return pd.read_csv(path, **kwargs)


def _read_tsv(path: Path, **kwargs: Any) -> Any:
    import pandas as pd

    return pd.read_csv(path, **{"sep": "\t", **kwargs})


def _read_parquet(path: Path, **kwargs: Any) -> Any:
    import pandas as pd

    return pd.read_parquet(path, **kwargs)


def _read_json(path: Path, **kwargs: Any) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle, **kwargs)


def _read_html(path: Path, **kwargs: Any) -> Path:
    """The path; shown inline when IPython is running (as LaminDB does)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return path
    if get_ipython() is not None:
        from IPython.display import HTML, display

        display(HTML(path.read_text(encoding="utf-8")))
    return path


def _read_text(path: Path, **kwargs: Any) -> str:
    return path.read_text(**{"encoding": "utf-8", **kwargs})


def _read_h5ad(path: Path, **kwargs: Any) -> Any:
    from lineagedb.storage.serializers import require

    require("AnnData")
    import anndata as ad

    return ad.read_h5ad(path, **kwargs)


def _read_zarr(path: Path, **kwargs: Any) -> Any:
    from lineagedb.storage.serializers import require

    require("AnnData")
    import anndata as ad

    return ad.read_zarr(path, **kwargs)


def _read_h5mu(path: Path, **kwargs: Any) -> Any:
    from lineagedb.storage.serializers import require

    require("MuData")
    import mudata

    return mudata.read_h5mu(path, **kwargs)


LOADERS: dict[str, Callable[..., Any]] = {
    ".h5ad": _read_h5ad,
    ".zarr": _read_zarr,
    ".zrad": _read_zarr,
    ".h5mu": _read_h5mu,
    ".csv": _read_csv,
    ".tsv": _read_tsv,
    ".parquet": _read_parquet,
    ".json": _read_json,
    ".txt": _read_text,
    ".html": _read_html,
}


def _read_pickle(path: Path, **kwargs: Any) -> Any:
    import pickle

    with open(path, "rb") as handle:
        return pickle.load(handle, **kwargs)


# Formats whose reading can run arbitrary code: loaded only when asked explicitly.
CODE_EXECUTING = {".pkl": _read_pickle, ".pickle": _read_pickle}


def load(path: Path, suffix: str, allow_pickle: bool = False, **kwargs: Any) -> Any:
    """Read a local file with the reader for ``suffix``; kwargs go to the reader.

    Pickles can execute code when read; they are loaded only with
    ``allow_pickle=True``.

    Example:
        >>> load(Path("meta.csv"), ".csv", index_col=0)  # doctest: +SKIP
    """
    if suffix.lower() in CODE_EXECUTING:
        if not allow_pickle:
            raise NoLoader(
                f"'{path.name}' is a pickle, which can run arbitrary code when loaded. "
                "If you trust where it came from, pass allow_pickle=True."
            )
        return CODE_EXECUTING[suffix.lower()](path, **kwargs)
    reader = LOADERS.get(suffix.lower())
    if reader is None:
        raise NoLoader(
            f"No loader for suffix {suffix!r} (known: {', '.join(LOADERS)}). "
            f"Use artifact.cache() to get the local path '{path}' and read it yourself."
        )
    return reader(path, **kwargs)
