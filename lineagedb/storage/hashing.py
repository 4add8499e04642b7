"""Content hashes of files and folders.

Guarantees: ``hash_type="md5"`` is the MD5 of every byte of the file, as
URL-safe base64 without padding (22 characters). Equal hashes mean equal
bytes up to MD5 collisions, which only a deliberate attacker produces; they
are not a defence against tampering. ``hash_type="md5-d"`` (folders) is the
MD5 over the sorted lines ``<relative POSIX path>\\0<file hash>\\n`` of all
files below the folder: equal folder hashes mean the same files with the
same bytes at the same relative paths, whatever order the file system lists
them in. Empty folders inside a folder do not change its hash.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lineagedb.errors import InvalidArgument, PathNotFound

CHUNK_SIZE = 8 * 1024 * 1024


@dataclass(frozen=True)
class ContentHash:
    """What hashing a file or folder tells: hash, its type, size and file count.

    Example:
        >>> ContentHash("1B2M2Y8AsgTpgAmY7PhCfg", "md5", 0, None).hash_type
        'md5'
    """

    hash: str
    hash_type: str
    size: int
    n_objects: int | None
    # A folder's files as (relative path, size, hash): what names the files that
    # differ when the folder no longer matches its record.
    files: tuple[tuple[str, int, str], ...] | None = field(default=None, compare=False, repr=False)


def encode_digest(digest: bytes) -> str:
    """URL-safe base64 without padding: 22 characters for an MD5 digest.

    Example:
        >>> encode_digest(hashlib.md5(b"").digest())
        '1B2M2Y8AsgTpgAmY7PhCfg'
    """
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_bytes(data: bytes) -> str:
    """The md5 hash of in-memory bytes, in the same form as :func:`hash_file`.

    Example:
        >>> hash_bytes(b"")
        '1B2M2Y8AsgTpgAmY7PhCfg'
    """
    return encode_digest(hashlib.md5(data).digest())


def hash_file(path: Path) -> ContentHash:
    """Hash every byte of a local file; refuse a file that changes meanwhile.

    Example:
        >>> import tempfile
        >>> file = Path(tempfile.mkdtemp()) / "empty.txt"; file.write_bytes(b"")
        0
        >>> hash_file(file).hash
        '1B2M2Y8AsgTpgAmY7PhCfg'
    """
    before = _stat(path)
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "md5")
    after = _stat(path)
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        raise InvalidArgument(
            f"File '{path}' changed while it was being hashed. "
            "Save it again once the program writing it has finished."
        )
    return ContentHash(encode_digest(digest.digest()), "md5", after.st_size, None)


def combine_folder_hash(entries: Iterable[tuple[str, str]]) -> str:
    """The ``md5-d`` hash of (relative path, file hash) pairs, in any order.

    Example:
        >>> pairs = [("b", "x"), ("a", "y")]
        >>> combine_folder_hash(pairs) == combine_folder_hash(reversed(pairs))
        True
    """
    digest = hashlib.md5()
    for relative_path, file_hash in sorted(entries):
        digest.update(f"{relative_path}\0{file_hash}\n".encode("utf-8", "surrogateescape"))
    return encode_digest(digest.digest())


def list_folder(folder: Path) -> list[tuple[str, Path]]:
    """Every file below ``folder`` as (relative POSIX path, path), sorted.

    Only regular files are read. Symbolic links are followed while they point
    inside ``folder``; a link out of it, a broken link, and anything that is
    not a regular file (a FIFO, a socket, a device such as ``/dev/zero``) is
    refused up front, naming the entry: reading them could hang, never end,
    or copy a folder into itself.

    Example:
        >>> import tempfile
        >>> list_folder(Path(tempfile.mkdtemp()))
        []
    """
    import stat

    files = []
    top = folder.resolve()
    for directory, subfolders, names in os.walk(folder, followlinks=True):
        here = Path(directory)
        for name in subfolders:
            path = here / name
            if path.is_symlink():
                _check_link(path, folder, top)
        for name in names:
            path = here / name
            if path.is_symlink():
                _check_link(path, folder, top)
            try:
                mode = path.stat().st_mode
            except FileNotFoundError:
                raise PathNotFound(
                    f"'{path}' in folder '{folder}' is a broken symbolic link. "
                    "Remove or fix the link, then save the folder again."
                ) from None
            if not stat.S_ISREG(mode):
                kind = (
                    "a FIFO" if stat.S_ISFIFO(mode)
                    else "a socket" if stat.S_ISSOCK(mode)
                    else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                    else "not a regular file"
                )  # fmt: skip
                raise InvalidArgument(
                    f"'{path}' in folder '{folder}' is {kind}; only regular files can be "
                    "saved. Move it out of the folder, then save the folder again."
                )
            files.append((path.relative_to(folder).as_posix(), path))
    return sorted(files)


def hash_folder(folder: Path) -> ContentHash:
    """Hash a local folder: ``md5-d`` over its files, total size, file count.

    Example:
        >>> import tempfile
        >>> hash_folder(Path(tempfile.mkdtemp())).n_objects
        0
    """
    listed = [(relative, hash_file(path)) for relative, path in list_folder(folder)]
    return folder_content([(relative, content.size, content.hash) for relative, content in listed])


def folder_content(files: list[tuple[str, int, str]]) -> ContentHash:
    """A folder's ``md5-d`` ContentHash from its files' (relative path, size, hash).

    Example:
        >>> folder_content([("a.txt", 1, "x"), ("b/c.txt", 2, "y")]).n_objects
        2
    """
    entries = [(relative, file_hash) for relative, _, file_hash in files]
    size = sum(file_size for _, file_size, _ in files)
    return ContentHash(combine_folder_hash(entries), "md5-d", size, len(files), tuple(files))


def _check_link(path: Path, folder: Path, top: Path) -> None:
    """Refuse a symbolic link that is broken, loops back above itself, or leaves the folder."""
    target = path.resolve()
    if not target.exists():
        raise PathNotFound(
            f"'{path}' in folder '{folder}' is a broken symbolic link. "
            "Remove or fix the link, then save the folder again."
        )
    if path.parent.resolve().is_relative_to(target):
        where = "a folder above it (a loop)"
    elif not target.is_relative_to(top):
        where = f"'{target}', outside the folder"
    else:
        return
    raise InvalidArgument(
        f"'{path}' in folder '{folder}' is a symbolic link to {where}. Only links to "
        "files and folders inside the folder are followed: replace the link by a copy, "
        "or remove it, then save the folder again."
    )


def _stat(path: Path) -> os.stat_result:
    try:
        return path.stat()
    except FileNotFoundError:
        raise PathNotFound(f"Path '{path}' does not exist. Check the path and try again.") from None
