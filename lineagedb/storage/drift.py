"""Has a registered file or folder changed since it was hashed? Size first, hash when needed.

A local file whose size differs has changed; one whose size matches and
that was neither modified nor moved into place after ``since`` is taken as
unchanged (its times are trusted, as ``make``, ``rsync`` and ``git status`` do);
otherwise it is hashed in full. Hashes are remembered per (path, size,
modification time) for the life of the process, so that loading an
unchanged file twice hashes it at most once. Cloud objects are compared by
their metadata (ETag hash and size), as ``verify()`` does.
"""

from __future__ import annotations

import os
from pathlib import Path

from lineagedb.errors import PathNotFound
from lineagedb.storage import remote
from lineagedb.storage.hashing import ContentHash, hash_file, hash_folder, list_folder
from lineagedb.storage.location import Location

_hashes: dict[tuple[str, int, int, int], ContentHash] = {}


def change(location: Location, expected: ContentHash, since: float) -> str | None:
    """How the bytes at ``location`` differ from ``expected``, or None if they do not.

    Args:
        location: Where the registered bytes are.
        expected: Their size and hash at registration.
        since: When they were registered (seconds since the epoch).

    Example:
        >>> import time
        >>> from lineagedb.storage.location import Location
        >>> recorded = Location("meta.csv").hash()
        >>> with open("meta.csv", "a") as handle:
        ...     _ = handle.write("iris-b.jpg,setosa\\n")
        >>> change(Location("meta.csv"), recorded, time.time() - 60)
        'size 32 → 50 bytes'
    """
    if not location.is_local:
        try:
            found = remote.hash_remote(location.upath)
        except PathNotFound:
            return "missing"
        return _compare(found, expected)
    path = location.local
    if not path.exists():
        return "missing"
    if path.is_dir():
        files = list_folder(path)
        stats = [os.stat(file) for _, file in files]
        size = sum(s.st_size for s in stats)
        newest = max((_changed_at(s) for s in stats), default=0.0)
        if expected.n_objects is not None and len(files) != expected.n_objects:
            return f"{expected.n_objects} → {len(files)} files"
        if size != expected.size:
            return f"size {expected.size} → {size} bytes"
        if newest <= since:
            return None
        return _compare(_remembered(path, size, int(newest * 1e9), len(files)), expected)
    stat = path.stat()
    if stat.st_size != expected.size:
        return f"size {expected.size} → {stat.st_size} bytes"
    if _changed_at(stat) <= since:
        return None
    return _compare(_remembered(path, stat.st_size, int(_changed_at(stat) * 1e9), -1), expected)


def _changed_at(stat: os.stat_result) -> float:
    # ctime too: a file moved into place (mv, cp -p) keeps an old mtime.
    return max(stat.st_mtime, stat.st_ctime)


def _remembered(path: Path, size: int, modified_ns: int, n_files: int) -> ContentHash:
    key = (str(path), size, modified_ns, n_files)
    if key not in _hashes:
        _hashes[key] = hash_folder(path) if n_files >= 0 else hash_file(path)
    return _hashes[key]


def _compare(found: ContentHash, expected: ContentHash) -> str | None:
    if found.size != expected.size:
        return f"size {expected.size} → {found.size} bytes"
    if found.hash_type == expected.hash_type and found.hash != expected.hash:
        return "content changed (same size)"
    return None
