"""In-memory objects an artifact can hold, and how each is written to a file or folder.

A DataFrame is written as ``.parquet``, an AnnData as ``.h5ad`` (or a
``.zarr`` folder), a MuData as ``.h5mu`` (the kinds and their suffixes are
rows of ``formats.OBJECTS``). The objects are recognised by their type's
package and name, so nothing heavy is imported to tell them from paths.

Example:
    >>> import pandas as pd
    >>> accessor_of(pd.DataFrame({"a": [1]}))
    'DataFrame'
    >>> accessor_of("meta.csv") is None
    True
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lineagedb.errors import InvalidArgument
from lineagedb.storage.formats import FOLDER_SUFFIXES, OBJECTS, format_of, require, stored_as

# (package, class name) of an object's type -> its accessor.
_TYPES = {kind.type_key: kind.accessor for kind in OBJECTS.values()}


def accessor_of(data: Any) -> str | None:
    """``"DataFrame"``, ``"AnnData"`` or ``"MuData"`` for such an object, else None.

    Example:
        >>> accessor_of(3) is None
        True
    """
    for cls in type(data).__mro__:
        package = cls.__module__.split(".")[0]
        accessor = _TYPES.get((package, cls.__name__))
        if accessor is not None:
            return accessor
    return None


def suffix_for(accessor: str, key: str | None, format: str | None) -> str:
    """The suffix to store an object as: from ``format``, else the key's suffix, else the default.

    Example:
        >>> suffix_for("AnnData", None, "zarr")
        '.zarr'
        >>> suffix_for("DataFrame", "tables/a.parquet", None)
        '.parquet'
    """
    allowed = stored_as(accessor)
    if format is not None:
        suffix = "." + format.lower().lstrip(".")
        if suffix not in allowed:
            names = ", ".join(repr(s.lstrip(".")) for s in allowed)
            raise InvalidArgument(
                f"format={format!r} is not a storage format of {_article(accessor)} {accessor}; "
                f"use one of {names}."
            )
    else:
        suffix = allowed[0]
        if key is not None:
            key_suffix = Path(key).suffix
            if key_suffix in allowed:
                suffix = key_suffix
    if key is not None and not key.endswith(suffix):
        raise InvalidArgument(
            f"The key {key!r} does not end in {suffix!r}, the suffix of {_article(accessor)} "
            f"{accessor} stored "
            f"as {suffix.lstrip('.')}: use key {_with_suffix(key, suffix)!r}"
            + (
                f", or one of {', '.join(allowed[1:])} with format=."
                if len(allowed) > 1 and format is None
                else "."
            )
        )
    return suffix


def _article(word: str) -> str:
    return "an" if word[0] in "AEIOU" else "a"


def _with_suffix(key: str, suffix: str) -> str:
    path = Path(key)
    return str(path.with_suffix(suffix)) if path.suffix else key + suffix


def n_observations(data: Any, accessor: str) -> int:
    """Rows of a DataFrame, ``n_obs`` of an AnnData or MuData.

    Example:
        >>> import pandas as pd
        >>> n_observations(pd.DataFrame({"a": [1, 2]}), "DataFrame")
        2
    """
    if accessor == "DataFrame":
        return len(data)
    return int(data.n_obs)


def table_shape_problems(df: Any) -> list[str]:
    """What keeps a DataFrame from being stored as Parquet and checked column by column.

    Duplicate column names (a curator would check the names as values),
    MultiIndex columns, and object columns mixing types Parquet cannot hold in
    one column (text and numbers): each is named, with the fix.

    Example:
        >>> import pandas as pd
        >>> table_shape_problems(pd.DataFrame([[1, 2]], columns=["a", "a"]))
        ["duplicate column names ['a']: rename them (df.columns must be unique)"]
    """
    import pandas as pd

    if isinstance(df.columns, pd.MultiIndex):
        return [
            f"MultiIndex columns ({df.columns.nlevels} levels, first {list(df.columns[:1])}): "
            "flatten them, e.g. df.columns = ['_'.join(map(str, c)) for c in df.columns]"
        ]
    duplicated = [str(c) for c in dict.fromkeys(df.columns[df.columns.duplicated()])]
    if duplicated:
        return [f"duplicate column names {duplicated}: rename them (df.columns must be unique)"]
    problems = []
    for column in df.columns:
        series = df[column]
        # infer_dtype runs in C; only columns it calls mixed are looked at value by value.
        if series.dtype != object or pd.api.types.infer_dtype(series, skipna=True) not in (
            "mixed",
            "mixed-integer",
        ):
            continue
        kinds = {type(v).__name__ for v in series.dropna()}
        has_text = bool(kinds & {"str", "bytes"})
        if has_text and len(kinds) > 1:
            problems.append(
                f"column {str(column)!r} mixes types ({', '.join(sorted(kinds))}): Parquet stores "
                f"one type per column; convert it, e.g. df[{str(column)!r}] = "
                f"df[{str(column)!r}].astype(str)"
            )
    return problems


def check_table_shape(df: Any) -> None:
    """Raise InvalidArgument for a DataFrame :func:`table_shape_problems` finds fault with.

    Example:
        >>> import pandas as pd
        >>> check_table_shape(pd.DataFrame({"a": [1, "x"]}))
        Traceback (most recent call last):
        ...
        lineagedb.errors.InvalidArgument: The DataFrame cannot be stored: column 'a' mixes ...
    """
    problems = table_shape_problems(df)
    if problems:
        raise InvalidArgument(
            "The DataFrame cannot be stored: " + "; ".join(problems) + ". Nothing was written."
        )


def write(data: Any, accessor: str, suffix: str, target: Path) -> None:
    """Write ``data`` to ``target`` (a file, or a folder for ``.zarr``); nothing is left on failure.

    Example:
        >>> import pandas as pd, tempfile, pathlib
        >>> target = pathlib.Path(tempfile.mkdtemp()) / "t.parquet"
        >>> write(pd.DataFrame({"a": [1]}), "DataFrame", ".parquet", target)
        >>> target.stat().st_size > 0
        True
    """
    require(accessor)
    if accessor == "DataFrame":
        check_table_shape(data)
    try:
        if accessor == "DataFrame":
            data.to_parquet(target)
        elif suffix in FOLDER_SUFFIXES:
            import warnings

            with warnings.catch_warnings():
                # anndata's note that its zarr default format will change.
                warnings.filterwarnings("ignore", message="Writing zarr v2", category=UserWarning)
                data.write_zarr(target)
        elif accessor == "AnnData":
            data.write_h5ad(target)
        else:
            data.write(target)
    except BaseException:
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        else:
            target.unlink(missing_ok=True)
        raise


def writer(data: Any, accessor: str, suffix: str) -> Callable[[Path], None]:
    """A function writing ``data`` to the path it is given (see :func:`write`).

    Example:
        >>> import pandas as pd, tempfile, pathlib
        >>> target = pathlib.Path(tempfile.mkdtemp()) / "t.parquet"
        >>> writer(pd.DataFrame({"a": [1]}), "DataFrame", ".parquet")(target)
        >>> target.exists()
        True
    """
    return functools.partial(write, data, accessor, suffix)


def check_format(path: Path, suffix: str) -> None:
    """Raise InvalidArgument when a local array file or folder is not what its suffix says.

    ``.h5ad``/``.h5``/``.hdf5`` must be HDF5 files (their signature is read),
    ``.zarr``/``.zrad`` zarr folders (with a group at their root).

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "broken.h5ad"
        >>> _ = path.write_bytes(b"not hdf5")
        >>> check_format(path, ".h5ad")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        lineagedb.errors.InvalidArgument: '...broken.h5ad' is not an HDF5 file ...
    """
    known = format_of(suffix)
    if known is not None and (known.backed == "hdf5" or suffix == ".h5mu"):
        if path.is_dir() or not _is_hdf5(path):
            raise InvalidArgument(
                f"'{path}' is not an HDF5 file (its suffix is {suffix!r}): it is incomplete or "
                "of another format. Write it again, or give it the suffix of its format."
            )
    elif suffix in FOLDER_SUFFIXES:
        markers = (".zgroup", "zarr.json")
        if not path.is_dir() or not any((path / marker).is_file() for marker in markers):
            raise InvalidArgument(
                f"'{path}' is not a zarr store (a folder with .zgroup or zarr.json at its root), "
                f"though its suffix is {suffix!r}. Check the path, or rename it."
            )


_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _is_hdf5(path: Path) -> bool:
    """Whether the file holds the HDF5 signature at offset 0, 512, 1024, … (as HDF5 looks)."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        offset = 0
        while offset + len(_HDF5_SIGNATURE) <= size:
            handle.seek(offset)
            if handle.read(len(_HDF5_SIGNATURE)) == _HDF5_SIGNATURE:
                return True
            offset = 512 if offset == 0 else offset * 2
    return False
