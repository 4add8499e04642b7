"""Copying bytes into storage atomically, and removing them — local or cloud.

Bytes are written under a temporary name next to their destination and
given their final name only when complete, so a reader (or a crash) never
sees a half-written file under its final name. Leftovers of a crash carry
``TEMPORARY_MARKER`` in their name. Cloud objects appear only once their
upload completed; the temporary name there protects the final name from two
writers racing for it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from lineagedb.errors import StorageNotWritable
from lineagedb.storage import remote
from lineagedb.storage.paths import is_local, local_path

if TYPE_CHECKING:
    from typing import TypeAlias

    from upath import UPath

    from lineagedb.storage.hashing import ContentHash

    Location: TypeAlias = Path | UPath

TEMPORARY_MARKER = ".lineagedb-tmp-"


def store(source: Path, destination: Location, expected: ContentHash | None = None) -> None:
    """Copy a local file or folder to ``destination`` (local or cloud), atomically.

    Example:
        >>> store(Path("meta.csv"), Path("/data/.lineagedb/Jcs76l0n.csv"))  # doctest: +SKIP
    """
    staged = stage(source, destination.parent)
    try:
        commit(staged, destination, expected)
    except BaseException:
        remove(staged)
        raise


def stage(source: Path, folder: Location) -> Location:
    """Copy ``source`` to a temporary name in ``folder``; return that location.

    :func:`commit` then gives it its final name. Staging first lets the
    final name depend on a uid fixed later, inside a database transaction.

    Example:
        >>> staged = stage(Path("meta.csv"), Path("/data/.lineagedb"))  # doctest: +SKIP
    """
    temporary = folder / f"{TEMPORARY_MARKER}{uuid.uuid4().hex}"
    if not is_local(temporary):
        remote.upload(source, temporary)  # type: ignore[arg-type]
        return temporary
    target = local_path(temporary)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copyfile(source, target)
            if target.stat().st_size != source.stat().st_size:
                raise OSError(f"copy of '{source}' is incomplete")
    except PermissionError as error:
        remove(target)
        raise StorageNotWritable(
            f"Cannot write into '{folder}' ({error.strerror}). "
            "Check the permissions of the storage root, or use another storage."
        ) from None
    except BaseException:
        remove(target)
        raise
    return target


def commit(staged: Location, destination: Location, expected: ContentHash | None = None) -> None:
    """Give staged bytes their final name (an atomic rename for local files).

    For cloud storage, the moved object is checked against ``expected``
    (size, and MD5 where the ETag is one) before this returns.

    Example:
        >>> commit(staged, Path("/data/.lineagedb/Jcs76l0n.csv"))  # doctest: +SKIP
    """
    if not is_local(destination):
        remote.move(staged, destination)  # type: ignore[arg-type]
        if expected is not None:
            remote.verify_upload(destination, expected)  # type: ignore[arg-type]
        return
    staged_path, final = local_path(staged), local_path(destination)
    final.parent.mkdir(parents=True, exist_ok=True)
    if staged_path.is_dir() and final.exists():
        remove(final)
    os.replace(staged_path, final)


def copy_within(source: Location, destination: Location) -> None:
    """Make ``destination`` hold the bytes of ``source`` in the same storage.

    Local files are hard-linked where possible; cloud objects copied server-side.

    Example:
        >>> copy_within(Path("/data/a.csv"), Path("/data/b.csv"))  # doctest: +SKIP
    """
    if not is_local(source):
        remote.copy(source, destination)  # type: ignore[arg-type]
        return

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    source_path, target = local_path(source), local_path(destination)
    if source_path.is_dir():
        shutil.copytree(source_path, target, copy_function=link)
    else:
        link(str(source_path), str(target))


def remove(path: Location) -> None:
    """Delete a file, folder, object or prefix if it exists.

    Example:
        >>> remove(Path("/data/.lineagedb/Jcs76l0n.csv"))  # doctest: +SKIP
    """
    if not is_local(path):
        remote.remove(path)  # type: ignore[arg-type]
        return
    target = local_path(path)
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    else:
        target.unlink(missing_ok=True)
