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
    temporary = destination.with_name(f"{TEMPORARY_MARKER}{uuid.uuid4().hex}-{destination.name}")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, temporary)
            if destination.exists():
                remove(destination)
            os.replace(temporary, destination)
        else:
            shutil.copyfile(source, temporary)
            if temporary.stat().st_size != source.stat().st_size:
                raise OSError(f"copy of '{source}' is incomplete")
            os.replace(temporary, destination)
    except PermissionError as error:
        remove(temporary)
        raise StorageNotWritable(
            f"Cannot write '{destination}' ({error.strerror}). "
            "Check the permissions of the storage root, or use another storage."
        ) from None
    except BaseException:
        remove(temporary)
        raise


def remove(path: Path) -> None:
    """Delete a file or folder if it exists.

    Example:
        >>> remove(Path("/data/.lineagedb/Jcs76l0nQW6Oi1go0000.csv"))  # doctest: +SKIP
    """
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
