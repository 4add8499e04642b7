"""The elements of a stored AnnData: sparse matrices read by rows, dense arrays, groups.

``SparseArray`` reads the selected rows (or columns) of a CSR (CSC) matrix
from the file's bytes where it can (see ``_ranges``); ``select`` restricts
any element to rows and columns; ``lazy`` returns what an accessor hands
out without reading it.

Example:
    >>> import numpy as np
    >>> take_rows(np.arange(6).reshape(3, 2), np.array([2, 0])).tolist()
    [[4, 5], [0, 1]]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from lineagedb.arrays._index import Selection, as_slice, positions
from lineagedb.arrays._ranges import Bytes, ElementReader
from lineagedb.errors import InvalidArgument

if TYPE_CHECKING:
    import scipy.sparse as sp

SPARSE = ("csr_matrix", "csc_matrix")


def read_elem(element: Any) -> Any:
    """An element of an open store in memory; a clear error when the store lacks a part of it
    (a file overwritten or damaged since it was registered)."""
    from anndata.io import read_elem

    try:
        return read_elem(element)
    except (KeyError, OSError) as error:
        name = getattr(element, "name", None) or "?"
        cause = error.__cause__ or error
        raise InvalidArgument(
            f"Element {name!r} of the stored file cannot be read ({cause}): the file lacks "
            "what its own layout names, so it changed or was damaged after it was written. "
            "Check it with artifact.verify() (or lineagedb verify)."
        ) from None


def encoding(element: Any) -> str:
    value = element.attrs.get("encoding-type", "")
    return value.decode() if isinstance(value, bytes) else str(value)


def has_element(group: Any, key: str) -> bool:
    """Whether ``key`` holds an element (anndata writes ``None`` as an element of type null)."""
    return key in group and encoding(group[key]) != "null"


def is_group(element: Any) -> bool:
    return not hasattr(element, "dtype")


class SparseArray:
    """A CSR/CSC matrix in a store, read by rows/columns on demand.

    Selecting along the compressed axis (rows of CSR, columns of CSC) reads
    only the selected ranges of ``data`` and ``indices`` (neighbouring
    ranges in one read); the other axis is selected after reading.

    Example:
        >>> X = accessor.X
        >>> X[[5, 1, 9]].shape
        (3, 10)
    """

    def __init__(self, group: Any, source: Bytes | None) -> None:
        self.group = group
        self.format = encoding(group).split("_")[0]
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
            >>> accessor.X.indptr[:3]
            array([0, 1, 2])
        """
        if self._indptr is None:
            self._indptr = np.asarray(self.group["indptr"][:], dtype=np.int64)
        return self._indptr

    def __repr__(self) -> str:
        return f"SparseArray({self.format}, shape={self.shape}, dtype={self.dtype})"

    def __getitem__(self, index: Any) -> sp.spmatrix:
        rows, cols = split_index(index)
        row_sel = positions(rows, pd.RangeIndex(self.shape[0]), "row")
        col_sel = positions(cols, pd.RangeIndex(self.shape[1]), "column")
        return self.read(row_sel, col_sel)

    def to_memory(self) -> sp.spmatrix:
        """The whole matrix as a scipy sparse matrix.

        Example:
            >>> accessor.X.to_memory().nnz
            40
        """
        return self.read(range(self.shape[0]), range(self.shape[1]))

    def read(self, rows: Selection, cols: Selection) -> sp.spmatrix:
        """The selected rows and columns (positions or ranges) as a scipy sparse matrix.

        Example:
            >>> accessor.X.read(range(0, 10), range(0, 5)).shape
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


def split_index(index: Any) -> tuple[Any, Any]:
    if isinstance(index, tuple):
        if len(index) == 1:
            return index[0], slice(None)
        if len(index) != 2:
            raise IndexError(f"An index takes at most two axes (obs, var), not {len(index)}.")
        return index
    return index, slice(None)


def take_rows(array: Any, rows: Selection) -> np.ndarray:
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


def select(element: Any, rows: Selection | None, cols: Selection | None, source: Any) -> Any:
    """An element (array, sparse group, DataFrame) restricted to rows and/or columns."""
    if is_group(element):
        kind = encoding(element)
        if kind in SPARSE:
            sparse = SparseArray(element, source)
            return sparse.read(
                rows if rows is not None else range(sparse.shape[0]),
                cols if cols is not None else range(sparse.shape[1]),
            )
        value = read_elem(element)
        if isinstance(value, pd.DataFrame):
            return value.iloc[iloc(rows)] if rows is not None else value
        return value
    values = take_rows(element, rows) if rows is not None else np.asarray(element[()])
    if cols is not None:
        values = values[:, as_slice(cols) or np.asarray(cols)]
    return values


def drop_unused_categories(frame: pd.DataFrame) -> pd.DataFrame:
    """Like an AnnData subset: categories no selected row uses are dropped."""
    frame = frame.copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].cat.remove_unused_categories()
    return frame


def iloc(selection: Selection) -> slice | np.ndarray:
    return as_slice(selection) or np.asarray(selection)


def lazy(element: Any, source: Bytes | None) -> Any:
    """A store element as returned by the accessor: lazy arrays stay lazy."""
    if is_group(element):
        if encoding(element) in SPARSE:
            return SparseArray(element, source)
        return read_elem(element)
    return element


class Elements(Mapping[str, Any]):
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
