"""Backed access: slices of ``.h5ad``/``.h5``/``.zarr`` arrays without loading the whole object.

``open_backed(path)`` opens a local file, or streams a cloud object (h5py
over an fsspec file, zarr over an fsspec store), and returns an
:class:`AnnDataAccessor` for AnnData, else a :class:`BackedAccessor` with
the raw ``h5py.File``/``zarr.Group``. Indexing an accessor like an AnnData
(slices, positions, masks, names, tuples) gives a chainable
:class:`AnnDataAccessorSubset`; its attributes read only the selected
rows and columns.

Example:
    >>> with open_backed(Path("pbmc.h5ad")) as adata:  # doctest: +SKIP
    ...     subset = adata[adata.obs.cell_type == "T cell", :100]
    ...     subset.X.shape
    (1200, 100)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from lineagedb.arrays._index import Selection, as_slice, compose, positions
from lineagedb.arrays._ranges import Bytes, ElementReader, LocalBytes, RemoteBytes
from lineagedb.errors import InvalidArgument
from lineagedb.storage.paths import is_local, local_path

if TYPE_CHECKING:
    import anndata as ad
    import scipy.sparse as sp
    from upath import UPath

BACKED_SUFFIXES = (".h5ad", ".h5", ".hdf5", ".zarr", ".zrad")
_ZARR_SUFFIXES = (".zarr", ".zrad")
_SPARSE = ("csr_matrix", "csc_matrix")
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
            f"{', '.join(BACKED_SUFFIXES)}. Use load() for it."
        )


def open_backed(path: Path | UPath, name: str | None = None) -> AnnDataAccessor | BackedAccessor:
    """Open an array store in place: an AnnDataAccessor for AnnData, else a BackedAccessor.

    Example:
        >>> accessor = open_backed(Path("pbmc.h5ad"))  # doctest: +SKIP
        >>> accessor.shape  # doctest: +SKIP
        (2700, 32738)
    """
    suffix = Path(str(path)).suffix
    check_backed_suffix(suffix, f"'{path}'")
    name = name or Path(str(path)).name
    connection: Any = None
    source: Bytes | None = None
    try:
        if suffix in _ZARR_SUFFIXES:
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
        kind = "a zarr store" if suffix in _ZARR_SUFFIXES else "an HDF5 file"
        raise InvalidArgument(
            f"'{path}' cannot be opened as {kind} ({error}). Check that it is complete and of "
            "the format its suffix says."
        ) from None
    if suffix in (".h5ad", ".zrad") or storage.attrs.get("encoding-type") == "anndata":
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
        >>> accessor = ln.Artifact.get(key="raw.h5").open()  # doctest: +SKIP
        >>> accessor.storage["counts"][:10]  # doctest: +SKIP
    """

    connection: Any
    storage: Any

    def close(self) -> None:
        """Close the store and its connection.

        Example:
            >>> accessor.close()  # doctest: +SKIP
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


# -- elements -------------------------------------------------------------------------------


def _read_elem(element: Any) -> Any:
    from anndata.io import read_elem

    return read_elem(element)


def _encoding(element: Any) -> str:
    value = element.attrs.get("encoding-type", "")
    return value.decode() if isinstance(value, bytes) else str(value)


def _has(group: Any, key: str) -> bool:
    """Whether ``key`` holds an element (anndata writes ``None`` as an element of type null)."""
    return key in group and _encoding(group[key]) != "null"


def _is_group(element: Any) -> bool:
    return not hasattr(element, "dtype")


class SparseArray:
    """A CSR/CSC matrix in a store, read by rows/columns on demand.

    Selecting along the compressed axis (rows of CSR, columns of CSC) reads
    only the selected ranges of ``data`` and ``indices`` (neighbouring
    ranges in one read); the other axis is selected after reading.

    Example:
        >>> X = accessor.X  # doctest: +SKIP
        >>> X[[5, 1, 9]].shape  # doctest: +SKIP
        (3, 32738)
    """

    def __init__(self, group: Any, source: Bytes | None) -> None:
        self.group = group
        self.format = _encoding(group).split("_")[0]
        self.shape = tuple(int(n) for n in group.attrs["shape"])
        self.dtype = np.dtype(group["data"].dtype)
        self._data = ElementReader(group["data"], source)
        self._indices = ElementReader(group["indices"], source)
        # Gaps between wanted rows are counted in elements; sources count bytes.
        self._merge_gap = source.merge_gap // self.dtype.itemsize if source is not None else 0
        self._indptr: np.ndarray | None = None

    @property
    def indptr(self) -> np.ndarray:
        """The compressed axis' pointers, read once.

        Example:
            >>> accessor.X.indptr[:3]  # doctest: +SKIP
            array([0, 12, 30])
        """
        if self._indptr is None:
            self._indptr = np.asarray(self.group["indptr"][:], dtype=np.int64)
        return self._indptr

    def __repr__(self) -> str:
        return f"SparseArray({self.format}, shape={self.shape}, dtype={self.dtype})"

    def __getitem__(self, index: Any) -> sp.spmatrix:
        rows, cols = _split(index)
        row_sel = positions(rows, pd.RangeIndex(self.shape[0]), "row")
        col_sel = positions(cols, pd.RangeIndex(self.shape[1]), "column")
        return self.read(row_sel, col_sel)

    def to_memory(self) -> sp.spmatrix:
        """The whole matrix as a scipy sparse matrix.

        Example:
            >>> accessor.X.to_memory().nnz  # doctest: +SKIP
            2282976
        """
        return self.read(range(self.shape[0]), range(self.shape[1]))

    def read(self, rows: Selection, cols: Selection) -> sp.spmatrix:
        """The selected rows and columns (positions or ranges) as a scipy sparse matrix.

        Example:
            >>> accessor.X.read(range(0, 10), range(0, 5)).shape  # doctest: +SKIP
            (10, 5)
        """
        major, minor = (rows, cols) if self.format == "csr" else (cols, rows)
        full_minor = range(self.shape[1] if self.format == "csr" else self.shape[0])
        matrix = self._read_major(major)
        if not (isinstance(minor, range) and minor == full_minor):
            selector = as_slice(minor) or np.asarray(minor)
            matrix = matrix[:, selector] if self.format == "csr" else matrix[selector, :]
        return matrix

    def _read_major(self, selection: Selection) -> sp.spmatrix:
        import scipy.sparse as sp

        n_minor = self.shape[1] if self.format == "csr" else self.shape[0]
        indptr = self.indptr
        block = as_slice(selection)
        inverse = None
        if block is not None:
            wanted = np.arange(block.start, block.stop)
        else:
            wanted, inverse = np.unique(np.asarray(selection), return_inverse=True)
        starts, stops = indptr[wanted], indptr[wanted + 1]
        lengths = stops - starts
        new_indptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        data_parts, index_parts = [], []
        for first, last, spans in self._batches(starts, stops, contiguous=block is not None):
            data = self._data.read(spans)
            indices = self._indices.read(spans)
            # Each wanted major's elements within the batch's buffer (gaps dropped).
            run_sizes = np.array([stop - start for start, stop in spans], dtype=np.int64)
            if int(lengths[first:last].sum()) != len(data):
                span_starts = np.array([start for start, _ in spans], dtype=np.int64)
                buffer_at = np.concatenate(([0], np.cumsum(run_sizes)[:-1]))
                span_of = np.searchsorted(span_starts, starts[first:last], side="right") - 1
                begin = starts[first:last] - span_starts[span_of] + buffer_at[span_of]
                own = lengths[first:last]
                offsets = np.concatenate(([0], np.cumsum(own)[:-1]))
                take = np.repeat(begin - offsets, own) + np.arange(int(own.sum()))
                data, indices = data[take], indices[take]
            data_parts.append(data)
            index_parts.append(indices)
        data_all = np.concatenate(data_parts) if data_parts else np.array([], self.dtype)
        index_all = np.concatenate(index_parts) if index_parts else np.array([], np.int32)
        shape = (len(wanted), n_minor)
        if self.format == "csr":
            matrix = sp.csr_matrix((data_all, index_all, new_indptr), shape=shape)
        else:
            matrix = sp.csc_matrix((data_all, index_all, new_indptr), shape=shape[::-1])
        if inverse is not None and not (
            len(inverse) == len(wanted) and (np.diff(inverse) > 0).all()
        ):
            matrix = matrix[inverse] if self.format == "csr" else matrix[:, inverse]
        return matrix

    # Elements read at a time (per array): bounds the memory a selection needs
    # beyond its result, however far apart its rows lie.
    _batch_elements = 4 * 1024 * 1024

    def _batches(
        self, starts: np.ndarray, stops: np.ndarray, contiguous: bool
    ) -> Iterator[tuple[int, int, list[tuple[int, int]]]]:
        """(first, last, spans): wanted majors first..last-1 and the element spans to read.

        Neighbouring majors (closer than the source's merge gap) share a span;
        a batch holds at most ``_batch_elements`` elements (a contiguous block
        is read whole: all of it is wanted).
        """
        n = len(starts)
        if n == 0:
            return
        if contiguous:
            yield 0, n, [(int(starts[0]), int(stops[-1]))]
            return
        gap, budget = self._merge_gap, self._batch_elements
        spans: list[tuple[int, int]] = []
        first, size = 0, 0
        span_start, span_stop = int(starts[0]), int(stops[0])
        for i in range(1, n):
            start, stop = int(starts[i]), int(stops[i])
            if start - span_stop <= gap and stop - span_start <= budget - size:
                span_stop = stop
                continue
            spans.append((span_start, span_stop))
            size += span_stop - span_start
            span_start, span_stop = start, stop
            if size + (stop - start) > budget:
                yield first, i, spans
                first, size, spans = i, 0, []
        spans.append((span_start, span_stop))
        yield first, n, spans


def _split(index: Any) -> tuple[Any, Any]:
    if isinstance(index, tuple):
        if len(index) == 1:
            return index[0], slice(None)
        if len(index) != 2:
            raise IndexError(f"An index takes at most two axes (obs, var), not {len(index)}.")
        return index
    return index, slice(None)


def _take_rows(array: Any, rows: Selection) -> np.ndarray:
    """Rows of a dense array in a store (or in memory), in the order asked."""
    block = as_slice(rows)
    if block is not None:
        return np.asarray(array[block])
    wanted = np.asarray(rows)
    if isinstance(array, np.ndarray):
        return array[wanted]
    if len(wanted) == 0:
        return np.empty((0, *array.shape[1:]), dtype=array.dtype)
    unique, inverse = np.unique(wanted, return_inverse=True)
    first, last = int(unique[0]), int(unique[-1]) + 1
    if last - first <= 4 * len(unique):  # dense enough: one block read
        values = np.asarray(array[first:last])[unique - first]
    elif hasattr(array, "oindex"):  # zarr
        values = np.asarray(array.oindex[unique])
    else:
        values = np.asarray(array[unique])
    return values[inverse]


def _select(element: Any, rows: Selection | None, cols: Selection | None, source: Any) -> Any:
    """An element (array, sparse group, DataFrame) restricted to rows and/or columns."""
    if _is_group(element):
        encoding = _encoding(element)
        if encoding in _SPARSE:
            sparse = SparseArray(element, source)
            return sparse.read(
                rows if rows is not None else range(sparse.shape[0]),
                cols if cols is not None else range(sparse.shape[1]),
            )
        value = _read_elem(element)
        if isinstance(value, pd.DataFrame):
            return value.iloc[_iloc(rows)] if rows is not None else value
        return value
    values = _take_rows(element, rows) if rows is not None else np.asarray(element[()])
    if cols is not None:
        values = values[:, as_slice(cols) or np.asarray(cols)]
    return values


def _drop_unused_categories(frame: pd.DataFrame) -> pd.DataFrame:
    """Like an AnnData subset: categories no selected row uses are dropped."""
    frame = frame.copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].cat.remove_unused_categories()
    return frame


def _iloc(selection: Selection) -> slice | np.ndarray:
    return as_slice(selection) or np.asarray(selection)


def _lazy(element: Any, source: Bytes | None) -> Any:
    """A store element as returned by the accessor: lazy arrays stay lazy."""
    if _is_group(element):
        if _encoding(element) in _SPARSE:
            return SparseArray(element, source)
        return _read_elem(element)
    return element


class _Elements(Mapping[str, Any]):
    """A group of elements (layers, obsm, …): keys now, each value when asked for."""

    def __init__(self, group: Any, get: Any) -> None:
        self._group, self._get = group, get

    def keys(self) -> Any:  # type: ignore[override]
        return list(self._group.keys()) if self._group is not None else []

    def __getitem__(self, key: str) -> Any:
        if self._group is None or key not in self._group:
            raise KeyError(f"{key!r} is not among {self.keys()}")
        return self._get(self._group[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.keys()})"


class AnnDataAccessor:
    """An AnnData in a store, read on demand: ``obs``/``var`` tables, lazy ``X`` and layers.

    ``accessor[obs_index, var_index]`` selects like AnnData and returns an
    :class:`AnnDataAccessorSubset`; ``to_memory()`` reads the whole AnnData.

    Example:
        >>> with artifact.open() as adata:  # doctest: +SKIP
        ...     adata[:100].to_memory()
        AnnData object with n_obs × n_vars = 100 × 32738
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
            >>> accessor.n_obs  # doctest: +SKIP
            2700
        """
        return self._index_length("obs")

    @property
    def n_vars(self) -> int:
        """Number of variables (columns).

        Example:
            >>> accessor.n_vars  # doctest: +SKIP
            32738
        """
        return self._index_length("var")

    @property
    def shape(self) -> tuple[int, int]:
        """(n_obs, n_vars).

        Example:
            >>> accessor.shape  # doctest: +SKIP
            (2700, 32738)
        """
        return self.n_obs, self.n_vars

    def _names(self, key: str) -> pd.Index:
        group = self.storage[key]
        values = _read_elem(group[group.attrs["_index"]])
        return pd.Index(np.asarray(values).astype(object)).astype(str)

    @property
    def obs_names(self) -> pd.Index:
        """The observation names.

        Example:
            >>> accessor.obs_names[:2]  # doctest: +SKIP
            Index(['AAACATACAACCAC-1', 'AAACATTGAGCTAC-1'], dtype='object')
        """
        if self._obs_names is None:
            self._obs_names = self._names("obs")
        return self._obs_names

    @property
    def var_names(self) -> pd.Index:
        """The variable names.

        Example:
            >>> accessor.var_names[:2]  # doctest: +SKIP
            Index(['MIR1302-10', 'FAM138A'], dtype='object')
        """
        if self._var_names is None:
            self._var_names = self._names("var")
        return self._var_names

    @property
    def obs(self) -> pd.DataFrame:
        """The observation table (read once).

        Example:
            >>> accessor.obs.columns.tolist()  # doctest: +SKIP
            ['cell_type', 'n_genes']
        """
        if self._obs is None:
            self._obs = _read_elem(self.storage["obs"])
        return self._obs

    @property
    def var(self) -> pd.DataFrame:
        """The variable table (read once).

        Example:
            >>> accessor.var.index[:2].tolist()  # doctest: +SKIP
            ['MIR1302-10', 'FAM138A']
        """
        if self._var is None:
            self._var = _read_elem(self.storage["var"])
        return self._var

    @property
    def uns(self) -> dict[str, Any]:
        """Unstructured annotations, read in full.

        Example:
            >>> accessor.uns.keys()  # doctest: +SKIP
        """
        return dict(_read_elem(self.storage["uns"])) if _has(self.storage, "uns") else {}

    # -- arrays -------------------------------------------------------------------------

    @property
    def X(self) -> Any:
        """The matrix, lazy: an h5py/zarr array, or a :class:`SparseArray`.

        Example:
            >>> accessor.X[:5].toarray()  # doctest: +SKIP
        """
        return _lazy(self.storage["X"], self._source) if _has(self.storage, "X") else None

    def _group(self, key: str) -> _Elements:
        group = self.storage[key] if _has(self.storage, key) else None
        return _Elements(group, lambda element: _lazy(element, self._source))

    @property
    def layers(self) -> _Elements:
        """Layers by name, each lazy like ``X``.

        Example:
            >>> accessor.layers["counts"][:10]  # doctest: +SKIP
        """
        return self._group("layers")

    @property
    def obsm(self) -> _Elements:
        """Multi-dimensional observation annotations, each lazy.

        Example:
            >>> accessor.obsm["X_umap"][:10]  # doctest: +SKIP
        """
        return self._group("obsm")

    @property
    def varm(self) -> _Elements:
        """Multi-dimensional variable annotations, each lazy.

        Example:
            >>> accessor.varm.keys()  # doctest: +SKIP
        """
        return self._group("varm")

    @property
    def obsp(self) -> _Elements:
        """Pairwise observation annotations, each lazy.

        Example:
            >>> accessor.obsp["distances"][:10]  # doctest: +SKIP
        """
        return self._group("obsp")

    @property
    def varp(self) -> _Elements:
        """Pairwise variable annotations, each lazy.

        Example:
            >>> accessor.varp.keys()  # doctest: +SKIP
        """
        return self._group("varp")

    @property
    def raw(self) -> RawAccessor | None:
        """The ``raw`` AnnData (its own ``X``, ``var``, ``varm``), or None.

        Example:
            >>> accessor.raw.X.shape  # doctest: +SKIP
        """
        if not _has(self.storage, "raw"):
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
            >>> accessor.to_memory()  # doctest: +SKIP
            AnnData object with n_obs × n_vars = 2700 × 32738
        """
        return _read_elem(self.storage)

    def to_dict(self) -> dict[str, Any]:
        """The AnnData's elements, read into memory, by name.

        Example:
            >>> sorted(accessor.to_dict())  # doctest: +SKIP
            ['X', 'obs', 'obsm', 'uns', 'var']
        """
        return {
            key: _read_elem(self.storage[key]) for key in self.storage if _has(self.storage, key)
        }

    def close(self) -> None:
        """Close the store (and the connection to the bucket).

        Example:
            >>> accessor.close()  # doctest: +SKIP
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
            >>> accessor.closed  # doctest: +SKIP
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
            if _has(self.storage, key):
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


class RawAccessor:
    """The ``raw`` part of a stored AnnData: ``X``, ``var``, ``varm``, ``var_names``, ``shape``.

    Example:
        >>> accessor.raw.var_names[:2]  # doctest: +SKIP
    """

    def __init__(self, group: Any, source: Bytes | None) -> None:
        self._group, self._source = group, source

    @property
    def X(self) -> Any:
        """The raw matrix, lazy.

        Example:
            >>> accessor.raw.X  # doctest: +SKIP
        """
        return _lazy(self._group["X"], self._source)

    @property
    def var(self) -> pd.DataFrame:
        """The raw variable table.

        Example:
            >>> accessor.raw.var.shape  # doctest: +SKIP
        """
        return _read_elem(self._group["var"])

    @property
    def var_names(self) -> pd.Index:
        """The raw variable names.

        Example:
            >>> len(accessor.raw.var_names)  # doctest: +SKIP
        """
        return self.var.index

    @property
    def varm(self) -> _Elements:
        """The raw variable annotations, each lazy.

        Example:
            >>> accessor.raw.varm.keys()  # doctest: +SKIP
        """
        group = self._group["varm"] if _has(self._group, "varm") else None
        return _Elements(group, lambda element: _lazy(element, self._source))

    @property
    def shape(self) -> tuple[int, int]:
        """(n_obs, n_vars) of the raw matrix.

        Example:
            >>> accessor.raw.shape  # doctest: +SKIP
        """
        element = self._group["X"]
        if _is_group(element):
            return tuple(int(n) for n in element.attrs["shape"])  # type: ignore[return-value]
        return tuple(element.shape)  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"RawAccessor with n_obs × n_vars = {self.shape[0]} × {self.shape[1]}"


class AnnDataAccessorSubset:
    """A selection of a stored AnnData; attributes read only the selected rows and columns.

    Indexing it again selects within the selection.

    Example:
        >>> subset = accessor[["cell_1", "cell_7"], :3]  # doctest: +SKIP
        >>> subset.X.toarray()  # doctest: +SKIP
    """

    def __init__(self, accessor: AnnDataAccessor, rows: Selection, cols: Selection) -> None:
        self._accessor, self._rows, self._cols = accessor, rows, cols

    def __getitem__(self, index: Any) -> AnnDataAccessorSubset:
        obs_index, var_index = _split(index)
        accessor = self._accessor
        rows = positions(
            obs_index, lambda: accessor.obs_names[_iloc(self._rows)], "obs", len(self._rows)
        )
        cols = positions(
            var_index, lambda: accessor.var_names[_iloc(self._cols)], "var", len(self._cols)
        )
        return AnnDataAccessorSubset(accessor, compose(self._rows, rows), compose(self._cols, cols))

    @property
    def shape(self) -> tuple[int, int]:
        """(n_obs, n_vars) of the selection.

        Example:
            >>> accessor[:10, :5].shape  # doctest: +SKIP
            (10, 5)
        """
        return len(self._rows), len(self._cols)

    @property
    def obs_names(self) -> pd.Index:
        """The selected observation names.

        Example:
            >>> accessor[:2].obs_names.tolist()  # doctest: +SKIP
        """
        return self._accessor.obs_names[_iloc(self._rows)]

    @property
    def var_names(self) -> pd.Index:
        """The selected variable names.

        Example:
            >>> accessor[:, :2].var_names.tolist()  # doctest: +SKIP
        """
        return self._accessor.var_names[_iloc(self._cols)]

    @property
    def obs(self) -> pd.DataFrame:
        """The selected rows of the observation table.

        Example:
            >>> accessor[:2].obs  # doctest: +SKIP
        """
        return _drop_unused_categories(self._accessor.obs.iloc[_iloc(self._rows)])

    @property
    def var(self) -> pd.DataFrame:
        """The selected rows of the variable table.

        Example:
            >>> accessor[:, :2].var  # doctest: +SKIP
        """
        return _drop_unused_categories(self._accessor.var.iloc[_iloc(self._cols)])

    def _source(self) -> Bytes | None:
        return self._accessor._source

    @property
    def X(self) -> Any:
        """The selected block of the matrix, read now (dense, or scipy sparse).

        Example:
            >>> accessor[:100, :10].X.shape  # doctest: +SKIP
            (100, 10)
        """
        storage = self._accessor.storage
        if not _has(storage, "X"):
            return None
        return _select(storage["X"], self._rows, self._cols, self._source())

    def _group(self, key: str, rows: bool, cols: str | None) -> dict[str, Any]:
        storage = self._accessor.storage
        if not _has(storage, key):
            return {}
        row_sel = self._rows if rows else None
        col_sel = {"obs": self._rows, "var": self._cols, None: None}[cols]
        if key.startswith("var"):
            row_sel = self._cols
        group = storage[key]
        return {name: _select(group[name], row_sel, col_sel, self._source()) for name in group}

    @property
    def layers(self) -> dict[str, Any]:
        """The selected block of each layer, read now.

        Example:
            >>> accessor[:10].layers["counts"].shape  # doctest: +SKIP
        """
        return self._group("layers", rows=True, cols="var")

    @property
    def obsm(self) -> dict[str, Any]:
        """The selected rows of each obsm array.

        Example:
            >>> accessor[:10].obsm["X_umap"].shape  # doctest: +SKIP
            (10, 2)
        """
        return self._group("obsm", rows=True, cols=None)

    @property
    def varm(self) -> dict[str, Any]:
        """The selected variables' rows of each varm array.

        Example:
            >>> accessor[:, :5].varm.keys()  # doctest: +SKIP
        """
        return self._group("varm", rows=False, cols=None)

    @property
    def obsp(self) -> dict[str, Any]:
        """Each obsp matrix restricted to the selected observations (rows and columns).

        Example:
            >>> accessor[:10].obsp["distances"].shape  # doctest: +SKIP
            (10, 10)
        """
        return self._group("obsp", rows=True, cols="obs")

    @property
    def varp(self) -> dict[str, Any]:
        """Each varp matrix restricted to the selected variables.

        Example:
            >>> accessor[:, :5].varp.keys()  # doctest: +SKIP
        """
        return self._group("varp", rows=False, cols="var")

    @property
    def raw(self) -> Any:
        """The selected observations of ``raw`` (all its variables), as an AnnData.

        Example:
            >>> accessor[:10].raw.X.shape  # doctest: +SKIP
        """
        storage = self._accessor.storage
        if not _has(storage, "raw"):
            return None
        import anndata as ad

        group = storage["raw"]
        return ad.AnnData(
            X=_select(group["X"], self._rows, None, self._source()),
            var=_read_elem(group["var"]),
            obs=pd.DataFrame(index=self.obs_names),
        )

    def to_memory(self) -> ad.AnnData:
        """The selection as an in-memory AnnData.

        Example:
            >>> accessor[:100].to_memory()  # doctest: +SKIP
            AnnData object with n_obs × n_vars = 100 × 32738
        """
        import anndata as ad

        adata = ad.AnnData(
            X=self.X,
            obs=self.obs,
            var=self.var,
            layers=self.layers or None,
            obsm=self.obsm or None,
            varm=self.varm or None,
            obsp=self.obsp or None,
            varp=self.varp or None,
            uns=self._accessor.uns,
        )
        raw = self.raw
        if raw is not None:
            adata.raw = raw
        return adata

    def __repr__(self) -> str:
        n_obs, n_vars = self.shape
        lines = [f"AnnDataAccessorSubset object with n_obs × n_vars = {n_obs} × {n_vars}"]
        return "\n".join(lines + self._accessor._describe_groups())
