"""AnnData-style indices along one axis, turned into positions.

A selection is a ``range`` (from slices: cheap to read as one block) or a
1-D array of positions (any order, repeats allowed).

Example:
    >>> import pandas as pd
    >>> names = pd.Index(["a", "b", "c", "d"])
    >>> positions(slice(1, 3), names)
    range(1, 3)
    >>> positions(["d", "a"], names).tolist()
    [3, 0]
    >>> compose(range(1, 4), positions([True, False, True], names[1:])).tolist()
    [1, 3]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from lineagedb.errors import InvalidArgument

Selection = range | np.ndarray


def positions(
    index: Any, names: pd.Index | Callable[[], pd.Index], axis: str = "obs", n: int | None = None
) -> Selection:
    """Positions selected by ``index`` among ``names`` (slice, int, bool mask, ints, names).

    ``names`` may be a function, called only for an index of names; then
    ``n`` gives the length of the axis.

    Example:
        >>> positions(-1, pd.Index(["a", "b"])).tolist()
        [1]
    """
    if n is None:
        assert isinstance(names, pd.Index)
        n = len(names)
    if isinstance(index, slice):
        return range(n)[index]
    if isinstance(index, range):
        return range(n)[slice(index.start, index.stop, index.step)]
    if isinstance(index, (int, np.integer)) and not isinstance(index, bool):
        value = int(index)
        if not -n <= value < n:
            raise IndexError(f"{axis} position {value} is out of range for {n} {axis}.")
        return np.array([value % n])
    if isinstance(index, str):
        index = [index]
    if isinstance(index, (pd.Series, pd.Index)):
        index = index.to_numpy()
    array = np.asarray(index)
    if array.ndim != 1:
        raise IndexError(f"An {axis} index must be one-dimensional, not of shape {array.shape}.")
    if array.dtype == bool:
        if len(array) != n:
            raise IndexError(f"A boolean {axis} mask has {len(array)} values for {n} {axis}.")
        return np.flatnonzero(array)
    if array.size == 0:
        return np.array([], dtype=np.int64)
    if array.dtype.kind in "iu":
        out_of_range = (array < -n) | (array >= n)
        if out_of_range.any():
            raise IndexError(
                f"{axis} positions {array[out_of_range][:5].tolist()} are out of range "
                f"for {n} {axis}."
            )
        return np.where(array < 0, array + n, array).astype(np.int64)
    if callable(names):
        names = names()
    if not names.is_unique:
        repeated = names[names.duplicated()].unique()[:5].tolist()
        raise InvalidArgument(
            f"The {axis}_names are not unique ({repeated} appear more than once), so a name "
            f"does not say which {axis} to take. Select by position, or make them unique "
            f"first (adata.{axis}_names_make_unique())."
        )
    found = names.get_indexer(array.astype(str))
    missing = array[found < 0]
    if len(missing):
        raise KeyError(
            f"{axis} names {missing[:5].tolist()} are not among the {n} {axis}_names "
            f"(e.g. {names[:3].tolist()})."
        )
    return found.astype(np.int64)


def compose(outer: Selection, inner: Selection) -> Selection:
    """Positions in the full axis of ``inner``, a selection within ``outer``.

    Example:
        >>> compose(range(10)[2:8], range(6)[1:])
        range(3, 8)
    """
    if isinstance(outer, range) and isinstance(inner, range):
        return outer[slice(inner.start, inner.stop, inner.step)]
    return np.asarray(outer)[np.asarray(inner)]


def as_slice(selection: Selection) -> slice | None:
    """The selection as a step-1 slice, if it is one.

    Example:
        >>> as_slice(range(2, 5))
        slice(2, 5, None)
    """
    if isinstance(selection, range) and selection.step == 1:
        return slice(selection.start, selection.stop)
    return None


def size(selection: Selection) -> int:
    """How many positions are selected.

    Example:
        >>> size(range(0, 10, 2))
        5
    """
    return len(selection)
