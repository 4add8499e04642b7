"""Copying bytes into storage atomically, and removing them.

Bytes are written under a temporary name next to their destination and
renamed into place only when complete, so a reader (or a crash) never sees
a half-written file under its final name. Leftovers of a crash carry the
``TEMPORARY_MARKER`` in their name.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from lineagedb.errors import StorageNotWritable

TEMPORARY_MARKER = ".lineagedb-tmp-"


def store(source: Path, destination: Path) -> None:
    """Copy a local file or folder to ``destination``, atomically.

    The destination appears only once every byte is written; an existing
    destination is replaced.

    Example:
        >>> store(Path("meta.csv"), Path("/data/.lineagedb/Jcs76l0n.csv"))  # doctest: +SKIP
    """
    staged = stage(source, destination.parent)
    try:
        commit(staged, destination)
    except BaseException:
        remove(staged)
        raise


def stage(source: Path, folder: Path) -> Path:
    """Copy ``source`` to a temporary name in ``folder``; return that name.

    :func:`commit` then gives it its final name. Staging first lets the
    final name depend on a uid fixed later, inside a database transaction.

    Example:
        >>> staged = stage(Path("meta.csv"), Path("/data/.lineagedb"))  # doctest: +SKIP
    """
    temporary = folder / f"{TEMPORARY_MARKER}{uuid.uuid4().hex}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, temporary)
        else:
            shutil.copyfile(source, temporary)
            if temporary.stat().st_size != source.stat().st_size:
                raise OSError(f"copy of '{source}' is incomplete")
    except PermissionError as error:
        remove(temporary)
        raise StorageNotWritable(
            f"Cannot write into '{folder}' ({error.strerror}). "
            "Check the permissions of the storage root, or use another storage."
        ) from None
    except BaseException:
        remove(temporary)
        raise
    return temporary


def commit(staged: Path, destination: Path) -> None:
    """Give staged bytes their final name (an atomic rename for files).

    Example:
        >>> commit(staged, Path("/data/.lineagedb/Jcs76l0n.csv"))  # doctest: +SKIP
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    if staged.is_dir() and destination.exists():
        remove(destination)
    os.replace(staged, destination)


def link_or_copy(source: Path, destination: Path) -> None:
    """Make ``destination`` hold the bytes of ``source`` (hard links where possible).

    Example:
        >>> link_or_copy(Path("/data/a.csv"), Path("/data/b.csv"))  # doctest: +SKIP
    """

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    if source.is_dir():
        shutil.copytree(source, destination, copy_function=link)
    else:
        link(str(source), str(destination))


def remove(path: Path) -> None:
    """Delete a file or folder if it exists.

    Example:
        >>> remove(Path("/data/.lineagedb/Jcs76l0nQW6Oi1go0000.csv"))  # doctest: +SKIP
    """
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
