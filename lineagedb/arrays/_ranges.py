"""Reading ranges of 1-D arrays straight from a file's bytes.

An AnnData's sparse matrix is three 1-D arrays (``data``, ``indices``,
``indptr``); a slice of rows is a set of element ranges of the first two.
Through h5py each range is a call with its own overhead (and, over fsspec,
a request of its own, one after another). When a dataset is stored
unfiltered (no compression: anndata's default), its bytes sit at known
offsets in the file: element ranges become byte ranges, read here with
``os.pread`` (local) or one concurrent ``cat_ranges`` (cloud). Filtered
datasets and zarr arrays are read through their own library.

Example:
    >>> import h5py, numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "a.h5")
    >>> with h5py.File(path, "w") as f:
    ...     _ = f.create_dataset("x", data=np.arange(10, dtype="int32"))
    >>> with h5py.File(path, "r") as f:
    ...     reader = ElementReader(f["x"], LocalBytes(path))
    ...     reader.read([(2, 4), (8, 10)]).tolist()
    [2, 3, 8, 9]
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np


class LocalBytes:
    """Byte ranges of a local file, read with ``os.pread``.

    Example:
        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "bytes"
        >>> _ = path.write_bytes(b"abcdef")
        >>> LocalBytes(path).read([(1, 2), (4, 2)])
        [b'bc', b'ef']
    """

    # A read costs a few microseconds locally, about what copying 16 KB from
    # the page cache costs: rows closer than that are read together.
    merge_gap = 16 * 1024

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._fd: int | None = os.open(path, os.O_RDONLY)

    def read(self, ranges: list[tuple[int, int]]) -> list[bytes]:
        """The bytes of each (offset, length) range, in order.

        Example:
            >>> LocalBytes(__file__).read([(0, 0)])
            [b'']
        """
        if self._fd is None:
            raise ValueError("The file was closed; open the artifact again.")
        return [os.pread(self._fd, length, offset) for offset, length in ranges]

    @contextmanager
    def scanning(self) -> Iterator[None]:
        """Nothing to change locally.

        Example:
            >>> with LocalBytes(__file__).scanning():
            ...     pass
        """
        yield

    def read_into(self, ranges: list[tuple[int, int]], buffer: memoryview) -> None:
        """Read the ranges one after another into ``buffer``, without intermediate copies.

        Example:
            >>> buffer = bytearray(2)
            >>> LocalBytes(__file__).read_into([(0, 2)], memoryview(buffer))
            >>> bytes(buffer)
            b'""'
        """
        if self._fd is None:
            raise ValueError("The file was closed; open the artifact again.")
        position = 0
        for offset, length in ranges:
            if os.preadv(self._fd, [buffer[position : position + length]], offset) != length:
                raise OSError(f"The file ended before byte {offset + length}: was it truncated?")
            position += length

    def close(self) -> None:
        """Close the file descriptor.

        Example:
            >>> LocalBytes(__file__).close()
        """
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class RemoteBytes:
    """Byte ranges of a cloud object, fetched concurrently with fsspec's ``cat_ranges``.

    Example:
        >>> reader = RemoteBytes(s3fs.S3FileSystem(), "bucket/x.h5ad")  # bucket  # doctest: +SKIP
        >>> reader.read([(0, 8)])  # needs a bucket  # doctest: +SKIP
        [b'\\x89HDF\\r\\n\\x1a\\n']
    """

    # A request costs a round trip: reading a gap of this size costs about as much.
    merge_gap = 1024 * 1024

    # Bytes h5py reads ahead while it walks a dataset's chunk index: the index
    # nodes lie between the chunks, a few MB apart; one request reaches several.
    scan_block = 16 * 1024 * 1024

    def __init__(self, fs: Any, path: str, connection: Any = None) -> None:
        self.fs, self.path, self.connection = fs, path, connection

    @contextmanager
    def scanning(self) -> Iterator[None]:
        """Read ahead in large blocks meanwhile (the file h5py reads through), then drop them.

        Example (not run here: needs a bucket):
            >>> with RemoteBytes(fs, "bucket/x.h5ad", handle).scanning():  # doctest: +SKIP
            ...     layout = _layout(dataset)
        """
        cache = getattr(self.connection, "cache", None)
        if cache is None or not hasattr(cache, "blocksize"):
            yield
            return
        before = cache.blocksize
        cache.blocksize = self.scan_block
        try:
            yield
        finally:
            cache.blocksize = before
            if hasattr(cache, "cache"):  # readahead: release the large block
                cache.cache, cache.start, cache.end = b"", 0, 0

    def read(self, ranges: list[tuple[int, int]]) -> list[bytes]:
        """The bytes of each (offset, length) range, in order.

        Example:
            >>> RemoteBytes(fs, "bucket/x.h5ad").read([(0, 8)])  # needs a bucket  # doctest: +SKIP
        """
        if not ranges:
            return []
        # Ranges close to each other (an HDF5 file's chunks sit between index
        # nodes) go in one request: requests, not bytes, cost the most.
        merged: list[list[int]] = []
        for offset, length in sorted(ranges):
            if merged and offset - merged[-1][1] <= self.merge_gap:
                merged[-1][1] = max(merged[-1][1], offset + length)
            else:
                merged.append([offset, offset + length])
        fetched = self.fs.cat_ranges(
            [self.path] * len(merged), [m[0] for m in merged], [m[1] for m in merged]
        )
        starts = np.array([m[0] for m in merged], dtype=np.int64)
        out = []
        for offset, length in ranges:
            which = int(np.searchsorted(starts, offset, side="right")) - 1
            begin = offset - int(starts[which])
            out.append(fetched[which][begin : begin + length])
        return out

    def read_into(self, ranges: list[tuple[int, int]], buffer: memoryview) -> None:
        """Fetch the ranges concurrently and place them one after another in ``buffer``.

        Example (not run here: needs a bucket):
            >>> RemoteBytes(fs, "bucket/x.h5ad").read_into([(0, 8)], view)  # doctest: +SKIP
        """
        position = 0
        for data in self.read(ranges):
            buffer[position : position + len(data)] = data
            position += len(data)

    def close(self) -> None:
        """Nothing to close: requests are independent (the file is closed by its owner).

        Example:
            >>> RemoteBytes(None, "x").close()
        """


Bytes = LocalBytes | RemoteBytes


class _Layout:
    """Where the elements of an unfiltered HDF5 dataset lie in the file."""

    def __init__(self, chunk: int, offsets: np.ndarray, itemsize: int) -> None:
        self.chunk, self.offsets, self.itemsize = chunk, offsets, itemsize

    def byte_ranges(self, start: int, stop: int) -> list[tuple[int, int]]:
        ranges: list[tuple[int, int]] = []
        chunk, size = self.chunk, self.itemsize
        for k in range(start // chunk, (stop - 1) // chunk + 1):
            low, high = max(start, k * chunk), min(stop, (k + 1) * chunk)
            offset = int(self.offsets[k]) + (low - k * chunk) * size
            if ranges and ranges[-1][0] + ranges[-1][1] == offset:
                ranges[-1] = (ranges[-1][0], ranges[-1][1] + (high - low) * size)
            else:
                ranges.append((offset, (high - low) * size))
        return ranges


def _layout(array: Any) -> _Layout | None:
    """The byte layout of a 1-D h5py dataset stored without filters, else None."""
    try:
        import h5py
    except ImportError:
        return None
    if not isinstance(array, h5py.Dataset) or array.ndim != 1 or array.dtype.kind not in "biuf":
        return None
    if array.id.get_create_plist().get_nfilters() != 0 or array.size == 0:
        return None
    if array.chunks is None:
        offset = array.id.get_offset()
        if offset is None:
            return None
        return _Layout(array.size, np.array([offset], dtype=np.int64), array.dtype.itemsize)
    chunk = array.chunks[0]
    offsets = np.full(-(-array.size // chunk), -1, dtype=np.int64)

    def note(info: Any) -> None:
        offsets[info.chunk_offset[0] // chunk] = info.byte_offset

    array.id.chunk_iter(note)
    if (offsets < 0).any():  # chunks never written (fill value): read through h5py
        return None
    return _Layout(chunk, offsets, array.dtype.itemsize)


class ElementReader:
    """Element ranges of a 1-D array: from the file's bytes where possible, else by slicing.

    Example:
        >>> ElementReader(np.arange(5), None).read([(1, 3)]).tolist()
        [1, 2]
    """

    def __init__(self, array: Any, source: Bytes | None) -> None:
        self.array = array
        self.dtype = np.dtype(array.dtype)
        self.source = source
        self._layout = None
        if source is not None:
            with source.scanning():
                self._layout = _layout(array)

    def read(self, spans: list[tuple[int, int]]) -> np.ndarray:
        """The elements of all (start, stop) spans, one after another, in one array.

        Example:
            >>> ElementReader(np.arange(5), None).read([(0, 1), (3, 5)]).tolist()
            [0, 3, 4]
        """
        total = sum(stop - start for start, stop in spans)
        out = np.empty(total, dtype=self.dtype)
        if self._layout is None or self.source is None:
            position = 0
            for start, stop in spans:
                out[position : position + stop - start] = self.array[start:stop]
                position += stop - start
            return out
        layout = self._layout
        ranges = [piece for a, b in spans if b > a for piece in layout.byte_ranges(a, b)]
        self.source.read_into(ranges, out.view(np.uint8).data)
        return out
