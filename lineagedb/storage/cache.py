"""Local copies of stored bytes: the path itself for local storage, a mirror for cloud."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lineagedb.errors import PathNotFound, StorageMismatch
from lineagedb.storage import remote
from lineagedb.storage.hashing import ContentHash, hash_file
from lineagedb.storage.paths import cache_root, is_local, to_upath

if TYPE_CHECKING:
    from upath import UPath


def cached_copy(path: UPath, missing_hint: str, expected: ContentHash | None = None) -> UPath:
    """A local path holding the current bytes of ``path``.

    Local paths are returned as they are. Cloud objects are downloaded to
    ``<cache dir>/<bucket>/<key>`` and downloaded again only when the
    object's size or modification time changed. A fresh download of a file
    with an ``md5`` hash is hashed; on a mismatch it is downloaded once more,
    then StorageMismatch is raised.

    Example:
        >>> cached_copy(UPath("s3://bucket/study0/meta.csv"), "")  # doctest: +SKIP
        PosixUPath('/home/me/.cache/lineagedb/bucket/study0/meta.csv')
    """
    if is_local(path):
        if not path.exists():
            raise PathNotFound(f"The bytes at '{path}' are missing. {missing_hint}")
        return path
    local = cache_root() / path.path
    if remote.is_cached(path, local):
        return to_upath(local)
    for attempt in (1, 2):
        remote.download(path, local)
        if expected is None or expected.hash_type != "md5" or expected.n_objects is not None:
            break
        if hash_file(local).hash == expected.hash:
            break
        if attempt == 2:
            local.unlink(missing_ok=True)
            raise StorageMismatch(
                f"The download of '{path}' does not match its record's hash {expected.hash} "
                "twice in a row: the object changed after registration. Check it with "
                "artifact.verify()."
            )
    return to_upath(local)
