"""The entries of a managed folder, with their ages, local or cloud."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from lineagedb.storage.paths import is_local, local_path

if TYPE_CHECKING:
    from upath import UPath


def entries_with_mtime(folder: UPath) -> list[tuple[str, UPath, float]]:
    """(name, path, newest modification time) of each entry directly in ``folder``.

    A folder's time is that of its newest file, so a folder still being
    written counts as new.

    Example:
        >>> entries_with_mtime(UPath("/data/.lineagedb"))  # doctest: +SKIP
        [('Jcs76l0nQW6Oi1go0000.csv', PosixUPath('/data/.lineagedb/Jcs76l...'), 1795674623.0)]
    """
    if is_local(folder):
        base = local_path(folder)
        if not base.is_dir():
            return []
        found = []
        for entry in os.scandir(base):
            newest = entry.stat(follow_symlinks=False).st_mtime
            if entry.is_dir(follow_symlinks=False):
                for directory, _, names in os.walk(entry.path):
                    for name in names:
                        newest = max(newest, os.lstat(os.path.join(directory, name)).st_mtime)
            found.append((entry.name, folder / entry.name, newest))
        return found
    from lineagedb.storage.remote import _modified

    fs = folder.fs
    fs.invalidate_cache()
    prefix = folder.path.rstrip("/") + "/"
    times: dict[str, float] = {}
    for name, item in fs.find(folder.path, detail=True).items():
        entry = name[len(prefix) :].split("/", 1)[0]
        times[entry] = max(times.get(entry, 0.0), _modified(item) or 0.0)
    return [(entry, folder / entry, mtime) for entry, mtime in times.items()]
