"""Checking stored bytes against what their record says."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lineagedb.errors import PathNotFound, StorageMismatch
from lineagedb.storage.hashing import ContentHash, hash_path

if TYPE_CHECKING:
    from upath import UPath


def check(path: UPath, expected: ContentHash, what: str) -> None:
    """Raise StorageMismatch unless ``path`` holds bytes of the expected size and hash.

    Local bytes are hashed in full; cloud objects are compared by their
    ETag-derived hash where it is of the same kind, else by size.

    Example:
        >>> expected = ContentHash("fnulg6QpxZv2sqBJo_hWyg", "md5", 4170, None)
        >>> check(UPath("/data/meta.csv"), expected, "artifact x")  # doctest: +SKIP
    """
    try:
        found = hash_path(path)
    except PathNotFound:
        raise StorageMismatch(
            f"The bytes of {what} are missing at '{path}'. Restore them, or delete the "
            "record with .delete(permanent=True)."
        ) from None
    same_kind = found.hash_type == expected.hash_type
    if found.size != expected.size or (same_kind and found.hash != expected.hash):
        raise StorageMismatch(
            f"The bytes of {what} at '{path}' differ from its record (size {found.size} vs "
            f"{expected.size}, hash {found.hash} vs {expected.hash}). They changed after "
            "registration: register the new bytes as a new version, or restore the old ones."
        )
