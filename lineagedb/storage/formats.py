"""The one table of formats: for each suffix, what reads it, what writes it, how it opens.

Every caller asks this table — ``Artifact`` (the suffix an in-memory object
is stored as, ``load()``, ``open()``), ``Collection`` (which members load
together), the arrays layer (HDF5 or zarr) and the serializers — so adding
a format is one row here (and its reader, if new). Like anndata's registry
of element specs and fsspec's registry of protocols.

Example:
    >>> FORMATS[".h5ad"].accessor, FORMATS[".h5ad"].backed
    ('AnnData', 'hdf5')
    >>> FORMATS[".zarr"].folder
    True
    >>> stored_as("DataFrame")
    ('.parquet',)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Format:
    """One stored format, by suffix.

    Example:
        >>> FORMATS[".csv"].joins
        'table'
    """

    suffix: str
    # The in-memory object stored as (and loaded back from) this format, if any.
    accessor: str | None = None
    # Reads a local file or folder; kwargs go to the underlying reader.
    load: Callable[..., Any] | None = None
    # Whether the format is a folder (zarr) rather than a file.
    folder: bool = False
    # How open() reads it in place: "hdf5", "zarr", or None (no backed access).
    backed: str | None = None
    # Whether open() gives an AnnData accessor whatever the file's attributes say.
    anndata: bool = False
    # How a collection's load() joins members of this format: "table", "AnnData", None.
    joins: str | None = None
    # Reading it can run arbitrary code (pickles): loaded only when asked explicitly.
    runs_code: bool = False


@dataclass(frozen=True)
class ObjectKind:
    """An in-memory object an artifact can hold: how it is recognised, stored and counted.

    Example:
        >>> OBJECTS["AnnData"].constructor
        'from_anndata'
    """

    accessor: str
    # (top-level package, class name) of its type.
    type_key: tuple[str, str]
    # The suffixes it can be stored as, the default first.
    suffixes: tuple[str, ...]
    # The Artifact constructor that names it.
    constructor: str
    # The package it needs (and the extra that brings it), if not pandas.
    package: str | None = None


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
    require("AnnData")
    import anndata as ad

    return ad.read_h5ad(path, **kwargs)


def _read_zarr(path: Path, **kwargs: Any) -> Any:
    require("AnnData")
    import anndata as ad

    return ad.read_zarr(path, **kwargs)


def _read_h5mu(path: Path, **kwargs: Any) -> Any:
    require("MuData")
    import mudata

    return mudata.read_h5mu(path, **kwargs)


def _read_pickle(path: Path, **kwargs: Any) -> Any:
    import pickle

    with open(path, "rb") as handle:
        return pickle.load(handle, **kwargs)


FORMATS: dict[str, Format] = {
    f.suffix: f
    for f in (
        Format(".h5ad", "AnnData", _read_h5ad, backed="hdf5", anndata=True, joins="AnnData"),
        Format(".h5", backed="hdf5"),
        Format(".hdf5", backed="hdf5"),
        Format(".zarr", "AnnData", _read_zarr, folder=True, backed="zarr", joins="AnnData"),
        Format(
            ".zrad",
            "AnnData",
            _read_zarr,
            folder=True,
            backed="zarr",
            anndata=True,
            joins="AnnData",
        ),
        Format(".h5mu", "MuData", _read_h5mu),
        Format(".csv", load=_read_csv, joins="table"),
        Format(".tsv", load=_read_tsv, joins="table"),
        Format(".parquet", "DataFrame", _read_parquet, joins="table"),
        Format(".json", load=_read_json),
        Format(".txt", load=_read_text),
        Format(".html", load=_read_html),
        Format(".pkl", load=_read_pickle, runs_code=True),
        Format(".pickle", load=_read_pickle, runs_code=True),
    )
}

OBJECTS: dict[str, ObjectKind] = {
    kind.accessor: kind
    for kind in (
        ObjectKind("DataFrame", ("pandas", "DataFrame"), (".parquet",), "from_df"),
        ObjectKind(
            "AnnData",
            ("anndata", "AnnData"),
            (".h5ad", ".zarr", ".zrad"),
            "from_anndata",
            "anndata",
        ),
        ObjectKind("MuData", ("mudata", "MuData"), (".h5mu",), "from_mudata", "mudata"),
    )
}

# Suffixes stored as folders.
FOLDER_SUFFIXES = tuple(f.suffix for f in FORMATS.values() if f.folder)
# Suffixes open() reads in place.
BACKED_SUFFIXES = tuple(f.suffix for f in FORMATS.values() if f.backed)


def format_of(suffix: str) -> Format | None:
    """The format of a suffix (case-insensitive), or None.

    Example:
        >>> format_of(".CSV").suffix
        '.csv'
    """
    return FORMATS.get(suffix.lower())


def stored_as(accessor: str) -> tuple[str, ...]:
    """The suffixes an in-memory object of ``accessor`` can be stored as, the default first.

    Example:
        >>> stored_as("AnnData")
        ('.h5ad', '.zarr', '.zrad')
    """
    return OBJECTS[accessor].suffixes


def require(accessor: str) -> None:
    """Raise ImportError naming the extra to install when a format's package is missing.

    Example:
        >>> require("DataFrame")
    """
    package = OBJECTS[accessor].package if accessor in OBJECTS else None
    if package is None:
        return
    try:
        __import__(package)
    except ImportError:
        raise ImportError(
            f"Storing or reading a {accessor} needs the package {package!r}: "
            "pip install 'lineagedb[arrays]'."
        ) from None
