"""Local copies of stored bytes: the path itself for local storage, a mirror for cloud."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lineagedb.errors import PathNotFound
from lineagedb.storage import remote
from lineagedb.storage.paths import cache_root, is_local, to_upath

if TYPE_CHECKING:
    from upath import UPath


def cached_copy(path: UPath, missing_hint: str) -> UPath:
    """A local path holding the current bytes of ``path``.

    Local paths are returned as they are. Cloud objects are downloaded to
    ``<cache dir>/<bucket>/<key>`` and downloaded again only when the
    object's size or modification time changed.

    Example:
        >>> cached_copy(UPath("s3://bucket/study0/meta.csv"), "")  # doctest: +SKIP
        PosixUPath('/home/me/.cache/lineagedb/bucket/study0/meta.csv')
    """
    if is_local(path):
        if not path.exists():
            raise PathNotFound(f"The bytes at '{path}' are missing. {missing_hint}")
        return path
    local = cache_root() / path.path
    if not remote.is_cached(path, local):
        remote.download(path, local)
    return to_upath(local)
