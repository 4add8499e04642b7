"""Tables opened lazily: parquet, csv/tsv and Arrow IPC files (or folders of parquet) as a
``pyarrow.dataset.Dataset`` or a polars ``LazyFrame``, read only where a query needs.

A dataset reads nothing on opening but the files' footers; ``to_table(columns=...,
filter=...)`` reads the columns asked for, and of parquet only the row groups whose
statistics can match the filter. Cloud objects are read in ranges through fsspec, never
downloaded whole. Polars scans the same dataset (``pl.scan_pyarrow_dataset``), so its
filters and column selections reach pyarrow too.

Example:
    >>> import pyarrow.dataset as ds
    >>> dataset = open_table([df_artifact.path], ".parquet")
    >>> long = ds.field("sepal_length") > 0.065  # metres
    >>> dataset.to_table(columns=["iris_organism_name"], filter=long).num_rows
    4
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from lineagedb.errors import InvalidArgument
from lineagedb.storage.paths import is_local, local_path

if TYPE_CHECKING:
    import pyarrow.dataset as ds
    from upath import UPath

TABLE_SUFFIXES = {
    ".parquet": "parquet",
    ".csv": "csv",
    ".tsv": "tsv",
    ".arrow": "ipc",
    ".ipc": "ipc",
    ".feather": "ipc",
}
ENGINES = ("pyarrow", "polars")


def is_table_suffix(suffix: str) -> bool:
    """Whether ``open()`` gives a dataset for this suffix.

    Example:
        >>> is_table_suffix(".parquet"), is_table_suffix(".h5ad")
        (True, False)
    """
    return suffix in TABLE_SUFFIXES


def open_table(paths: list[Path | UPath], suffix: str, engine: str = "pyarrow") -> Any:
    """One dataset over ``paths`` (files of ``suffix``, or folders of them), local or cloud.

    Example:
        >>> open_table([Path("iris/study1.parquet")], ".parquet", engine="polars")  # doctest: +SKIP
        <LazyFrame at 0x...>
    """
    if engine not in ENGINES:
        raise InvalidArgument(
            f"engine={engine!r} is not one of {', '.join(map(repr, ENGINES))}: pyarrow gives a "
            "pyarrow.dataset.Dataset, polars a LazyFrame."
        )
    dataset = _dataset(paths, suffix)
    if engine == "pyarrow":
        return dataset
    try:
        import polars as pl
    except ImportError:
        raise InvalidArgument(
            "engine='polars' needs polars: pip install 'lineagedb[tables]' (or polars). "
            "engine='pyarrow' needs nothing more."
        ) from None
    return pl.scan_pyarrow_dataset(dataset)


def _dataset(paths: list[Path | UPath], suffix: str) -> ds.Dataset:
    """One FileSystemDataset when the paths are files on one file system; else a dataset of
    each path's dataset (a folder's files as pyarrow discovers them, other storages)."""
    import pyarrow.dataset as ds

    file_format = _format(suffix)
    located = [
        (None, local_path(p).as_posix()) if is_local(p) else (_ranges(p.fs), p.path)  # type: ignore[union-attr]
        for p in paths
    ]
    if len(located) == 1:
        filesystem, source = located[0]
        return ds.dataset(source, format=file_format, filesystem=filesystem)
    filesystems = {id(filesystem) for filesystem, _ in located}
    if len(filesystems) == 1 and not any(_is_folder(f, s) for f, s in located):
        sources = [source for _, source in located]
        return ds.dataset(sources, format=file_format, filesystem=located[0][0])
    return ds.dataset([ds.dataset(s, format=file_format, filesystem=f) for f, s in located])


def _is_folder(filesystem: Any, source: str) -> bool:
    if filesystem is None:
        return Path(source).is_dir()
    return filesystem.get_file_info(source).type.name == "Directory"


def _ranges(fsspec_filesystem: Any) -> Any:
    """A pyarrow file system over an fsspec one that reads exactly the byte ranges pyarrow
    asks for: fsspec's files read ahead in blocks (s3fs: 50 MB), which would fetch a whole
    table to read one row group of it."""
    from pyarrow import PythonFile
    from pyarrow.fs import FSSpecHandler, PyFileSystem

    class RangeReads(FSSpecHandler):  # type: ignore[misc]
        def open_input_file(self, path: str) -> Any:
            if not self.fs.isfile(path):
                raise FileNotFoundError(path)
            return PythonFile(self.fs.open(path, mode="rb", cache_type="none"), mode="r")

    return PyFileSystem(RangeReads(fsspec_filesystem))


def _format(suffix: str) -> Any:
    import pyarrow.csv as csv
    import pyarrow.dataset as ds

    kind = TABLE_SUFFIXES.get(suffix, "parquet" if suffix == "" else None)
    if kind is None:
        raise InvalidArgument(
            f"open() gives a lazy table for {', '.join(TABLE_SUFFIXES)} (and folders of "
            f"parquet), not {suffix!r}. Use load() for it."
        )
    if kind == "tsv":
        return ds.CsvFileFormat(parse_options=csv.ParseOptions(delimiter="\t"))
    return kind
