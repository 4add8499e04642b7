"""Backed access: slices of ``.h5ad``/``.h5``/``.zarr`` arrays without loading the whole object.

``open_backed(path)`` opens a local file, or streams a cloud object (h5py
over an fsspec file, zarr over an fsspec store), and returns an
:class:`AnnDataAccessor` for AnnData, else a :class:`BackedAccessor` with
the raw ``h5py.File``/``zarr.Group``. Indexing an accessor like an AnnData
(slices, positions, masks, names, tuples) gives a chainable
:class:`AnnDataAccessorSubset`; its attributes read only the selected
rows and columns.

Example:
    >>> with open_backed(Path("pbmc.h5ad")) as adata:
    ...     subset = adata[adata.obs.cell_type == "T cell", :5]
    ...     subset.X.shape
    (23, 5)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from lineagedb.arrays._elements import (
    Elements,
    has_element,
    lazy,
    read_elem,
)
from lineagedb.arrays._index import Selection
from lineagedb.arrays._ranges import Bytes, LocalBytes, RemoteBytes
from lineagedb.arrays._subset import AnnDataAccessorSubset, RawAccessor
from lineagedb.errors import InvalidArgument
from lineagedb.storage.formats import BACKED_SUFFIXES, format_of
from lineagedb.storage.paths import is_local, local_path

if TYPE_CHECKING:
    import anndata as ad
    from upath import UPath

SPARSE = ("csr_matrix", "csc_matrix")
# Bytes of a cloud object h5py reads at a time (its metadata, and non-raw reads).
_REMOTE_BLOCK = 256 * 1024


def check_backed_suffix(suffix: str, what: str) -> None:
    """Raise InvalidArgument unless ``suffix`` can be opened backed.

    Example:
        >>> check_backed_suffix(".csv", "artifact x")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        lineagedb.errors.InvalidArgument: artifact x has suffix '.csv'; open() reads ...
    """
    if suffix not in BACKED_SUFFIXES:
        raise InvalidArgument(
            f"{what} has suffix {suffix!r}; open() reads arrays stored as "
            f"{', '.join(BACKED_SUFFIXES)} and tables (.parquet, .csv, .tsv, Arrow IPC). "
            "Use load() for it."
        )


def open_backed(path: Path | UPath, name: str | None = None) -> AnnDataAccessor | BackedAccessor:
    """Open an array store in place: an AnnDataAccessor for AnnData, else a BackedAccessor.

    Example:
        >>> accessor = open_backed(Path("pbmc.h5ad"))
        >>> accessor.shape
        (40, 10)
    """
    suffix = Path(str(path)).suffix
    check_backed_suffix(suffix, f"'{path}'")
    stored = format_of(suffix)
    assert stored is not None
    name = name or Path(str(path)).name
    connection: Any = None
    source: Bytes | None = None
    try:
        if stored.backed == "zarr":
            storage = _open_zarr(path)
        else:
            import h5py

            if is_local(path):
                local = local_path(path)
                storage = h5py.File(local, "r")
                source = LocalBytes(local)
            else:
                fs, key = path.fs, path.path  # type: ignore[union-attr]
                connection = fs.open(key, "rb", block_size=_REMOTE_BLOCK, cache_type="readahead")
                storage = h5py.File(connection, "r")
                source = RemoteBytes(fs, key, connection)
    except (OSError, ValueError) as error:
        if connection is not None:
            connection.close()
        kind = "a zarr store" if stored.backed == "zarr" else "an HDF5 file"
        raise InvalidArgument(
            f"'{path}' cannot be opened as {kind} ({error}). Check that it is complete and of "
            "the format its suffix says."
        ) from None
    if stored.anndata or storage.attrs.get("encoding-type") == "anndata":
        import scipy.sparse  # noqa: F401 (slices come back as its matrices: import it up front)

        return AnnDataAccessor(storage, connection, source, name)
    return BackedAccessor(connection, storage)


def _open_zarr(path: Path | UPath) -> Any:
    import zarr

    if is_local(path):
        local = local_path(path)
        if not local.is_dir():
            raise ValueError("a zarr store is a folder")
        return zarr.open_group(str(local), mode="r")
    from fsspec.implementations.asyn_wrapper import AsyncFileSystemWrapper
    from zarr.storage import FsspecStore

    # zarr runs its own event loop; the path's file system runs in fsspec's.
    # Wrapped, its calls run in threads: one session, on the loop it belongs to.
    fs = AsyncFileSystemWrapper(path.fs)  # type: ignore[union-attr]
    store = FsspecStore(fs, path=path.path, read_only=True)  # type: ignore[union-attr]
    return zarr.open_group(store, mode="r")


@dataclass
class BackedAccessor:
    """An HDF5 file or zarr group that is not an AnnData: ``storage`` is the h5py/zarr object.

    Example:
        >>> accessor = open_backed(Path("raw.h5"))
        >>> accessor.storage["counts"][:10]
        array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """

    connection: Any
    storage: Any

    def close(self) -> None:
        """Close the store and its connection.

        Example:
            >>> accessor.close()
        """
        close = getattr(self.storage, "close", None)
        if close is not None:
            close()
        if self.connection is not None:
            self.connection.close()

    def __enter__(self) -> BackedAccessor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AnnDataAccessor:
    """An AnnData in a store, read on demand: ``obs``/``var`` tables, lazy ``X`` and layers.

    ``accessor[obs_index, var_index]`` selects like AnnData and returns an
    :class:`AnnDataAccessorSubset`; ``to_memory()`` reads the whole AnnData.

    Example:
        >>> with adata_artifact.open() as adata:
        ...     adata[:10].to_memory().shape
        (10, 10)
    """

    def __init__(self, storage: Any, connection: Any, source: Bytes | None, name: str) -> None:
        self.storage, self._connection, self._source, self._name = storage, connection, source, name
        self._obs: pd.DataFrame | None = None
        self._var: pd.DataFrame | None = None
        self._obs_names: pd.Index | None = None
        self._var_names: pd.Index | None = None
        self._closed = False

    # -- shape and names ----------------------------------------------------------------

    def _index_length(self, key: str) -> int:
        group = self.storage[key]
        return int(group[group.attrs["_index"]].shape[0])

    @property
    def n_obs(self) -> int:
        """Number of observations (rows).

        Example:
            >>> accessor.n_obs
            40
        """
        return self._index_length("obs")

    @property
    def n_vars(self) -> int:
        """Number of variables (columns).

        Example:
            >>> accessor.n_vars
            10
        """
        return self._index_length("var")

    @property
    def shape(self) -> tuple[int, int]:
        """(n_obs, n_vars).

        Example:
            >>> accessor.shape
            (40, 10)
        """
        return self.n_obs, self.n_vars

    def _names(self, key: str) -> pd.Index:
        group = self.storage[key]
        values = read_elem(group[group.attrs["_index"]])
        return pd.Index(np.asarray(values).astype(object)).astype(str)

    @property
    def obs_names(self) -> pd.Index:
        """The observation names.

        Example:
            >>> accessor.obs_names[:2]
            Index(['cell_0', 'cell_1'], dtype='object')
        """
        if self._obs_names is None:
            self._obs_names = self._names("obs")
        return self._obs_names

    @property
    def var_names(self) -> pd.Index:
        """The variable names.

        Example:
            >>> accessor.var_names[:2]
            Index(['ENSG00000000000', 'ENSG00000000001'], dtype='object')
        """
        if self._var_names is None:
            self._var_names = self._names("var")
        return self._var_names

    @property
    def obs(self) -> pd.DataFrame:
        """The observation table (read once).

        Example:
            >>> accessor.obs.columns.tolist()
            ['cell_type', 'n_genes']
        """
        if self._obs is None:
            self._obs = read_elem(self.storage["obs"])
        return self._obs

    @property
    def var(self) -> pd.DataFrame:
        """The variable table (read once).

        Example:
            >>> accessor.var.index[:2].tolist()
            ['ENSG00000000000', 'ENSG00000000001']
        """
        if self._var is None:
            self._var = read_elem(self.storage["var"])
        return self._var

    @property
    def uns(self) -> dict[str, Any]:
        """Unstructured annotations, read in full.

        Example:
            >>> list(accessor.uns.keys())
            ['method']
        """
        return dict(read_elem(self.storage["uns"])) if has_element(self.storage, "uns") else {}

    # -- arrays -------------------------------------------------------------------------

    @property
    def X(self) -> Any:
        """The matrix, lazy: an h5py/zarr array, or a :class:`SparseArray`.

        Example:
            >>> accessor.X[:5].toarray().shape
            (5, 10)
        """
        return lazy(self.storage["X"], self._source) if has_element(self.storage, "X") else None

    def _group(self, key: str) -> Elements:
        group = self.storage[key] if has_element(self.storage, key) else None
        return Elements(group, lambda element: lazy(element, self._source))

    @property
    def layers(self) -> Elements:
        """Layers by name, each lazy like ``X``.

        Example:
            >>> accessor.layers["counts"][:10].shape
            (10, 10)
        """
        return self._group("layers")

    @property
    def obsm(self) -> Elements:
        """Multi-dimensional observation annotations, each lazy.

        Example:
            >>> accessor.obsm["X_umap"][:10].shape
            (10, 2)
        """
        return self._group("obsm")

    @property
    def varm(self) -> Elements:
        """Multi-dimensional variable annotations, each lazy.

        Example:
            >>> accessor.varm.keys()
            []
        """
        return self._group("varm")

    @property
    def obsp(self) -> Elements:
        """Pairwise observation annotations, each lazy.

        Example:
            >>> accessor.obsp["distances"][:10].shape
            (10, 40)
        """
        return self._group("obsp")

    @property
    def varp(self) -> Elements:
        """Pairwise variable annotations, each lazy.

        Example:
            >>> accessor.varp.keys()
            []
        """
        return self._group("varp")

    @property
    def raw(self) -> RawAccessor | None:
        """The ``raw`` AnnData (its own ``X``, ``var``, ``varm``), or None.

        Example:
            >>> accessor.raw.X.shape
            (40, 10)
        """
        if not has_element(self.storage, "raw"):
            return None
        return RawAccessor(self.storage["raw"], self._source)

    # -- selection and reading ----------------------------------------------------------

    def _full(self) -> tuple[Selection, Selection]:
        return range(self.n_obs), range(self.n_vars)

    def __getitem__(self, index: Any) -> AnnDataAccessorSubset:
        rows, cols = self._full()
        return AnnDataAccessorSubset(self, rows, cols)[index]

    def to_memory(self) -> ad.AnnData:
        """Read the whole AnnData into memory.

        Example:
            >>> accessor.to_memory()
            AnnData object with n_obs × n_vars = 40 × 10
                obs: 'cell_type', 'n_genes'
                var: 'symbol'
                uns: 'method'
                obsm: 'X_umap'
                layers: 'counts'
                obsp: 'distances'
        """
        return read_elem(self.storage)

    def to_dict(self) -> dict[str, Any]:
        """The AnnData's elements, read into memory, by name.

        Example:
            >>> sorted(accessor.to_dict())
            ['X', 'layers', 'obs', 'obsm', 'obsp', 'raw', 'uns', 'var', 'varm', 'varp']
        """
        return {
            key: read_elem(self.storage[key])
            for key in self.storage
            if has_element(self.storage, key)
        }

    def close(self) -> None:
        """Close the store (and the connection to the bucket).

        Example:
            >>> accessor.close()
        """
        if self._closed:
            return
        close = getattr(self.storage, "close", None)
        if close is not None:
            close()
        if self._connection is not None:
            self._connection.close()
        if self._source is not None:
            self._source.close()
        self._closed = True

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called.

        Example:
            >>> accessor.closed
            False
        """
        return self._closed

    def __enter__(self) -> AnnDataAccessor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _describe_groups(self) -> list[str]:
        lines = []
        for key in ("obs", "var", "obsm", "varm", "obsp", "varp", "layers", "uns"):
            if has_element(self.storage, key):
                keys = sorted(self.storage[key].keys())
                if keys:
                    lines.append(f"    {key}: {keys}")
        return lines

    def __repr__(self) -> str:
        n_obs, n_vars = self.shape
        return "\n".join(
            [
                f"AnnDataAccessor object with n_obs × n_vars = {n_obs} × {n_vars}",
                f"  constructed for the AnnData object {self._name}",
                *self._describe_groups(),
            ]
        )
