"""``lineagedb status``: which registered files under a folder changed, went missing, or are new."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from lineagedb.errors import InvalidArgument
from lineagedb.models.artifact import Artifact
from lineagedb.models.artifact.source import registered_root
from lineagedb.models.storage import Storage
from lineagedb.storage.drift import change
from lineagedb.storage.hashing import ContentHash
from lineagedb.storage.location import Location
from lineagedb.storage.paths import MANAGED_FOLDER


@dataclass
class FolderStatus:
    """What ``status()`` found under one folder of a registered storage.

    ``changed`` and ``missing`` hold (key, artifact uid, how) of the latest
    versions registered in place; ``unregistered`` the keys of files no
    artifact registers (neither as a file nor inside a registered folder).

    Example:
        >>> with open(artifact.path.path, "a") as handle:
        ...     _ = handle.write("iris-c.jpg,setosa\\n")
        >>> report = status("./lamin-tutorial/iris_studies")
        >>> report.changed
        [('iris_studies/study0_raw_images/meta.csv', '...', 'size 170 → 188 bytes')]
    """

    storage_root: str
    folder_key: str
    changed: list[tuple[str, str, str]] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)
    unregistered: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def clean(self) -> bool:
        """Nothing changed, missing or unregistered.

        Example:
            >>> FolderStatus("/data", "").clean
            True
        """
        return not (self.changed or self.missing or self.unregistered)


def status(path: str | Path = ".") -> FolderStatus:
    """Compare a local folder inside a registered storage with its registered artifacts.

    Every latest artifact registered in place under the folder is checked
    (size first, a hash only for files modified since registration); files
    that no artifact registers are listed too. Managed copies
    (``.lineagedb/``) are lineagedb's own and not listed.

    Example:
        >>> status("./lamin-tutorial/iris_studies").changed  # nothing changed
        []
    """
    folder = Path(path).expanduser().resolve()
    if not folder.is_dir():
        raise InvalidArgument(
            f"'{path}' is not a local folder; status compares a folder inside a registered "
            "storage with its artifacts. For one artifact, use artifact.changed()."
        )
    storage, prefix = _storage_of(folder)
    report = FolderStatus(storage.root, prefix.rstrip("/"))
    query = Artifact.objects.filter(
        storage_id=storage.id, key_is_virtual=False, is_latest=True, visibility=1
    )
    if prefix:
        # A range, not LIKE: SQLite uses the key index for it.
        query = query.filter(key__gte=prefix, key__lt=prefix[:-1] + chr(ord("/") + 1))
    registered_files: set[str] = set()
    registered_folders: list[str] = []
    rows = query.values_list("uid", "key", "hash", "hash_type", "size", "n_objects", "created_at")
    for uid, key, hash, hash_type, size, n_objects, created_at in rows:
        content = ContentHash(hash or "", hash_type or "", size or 0, n_objects)
        how = change(Location(Path(storage.root) / key), content, created_at.timestamp())
        if how == "missing":
            report.missing.append((key, uid))
        elif how is not None:
            report.changed.append((key, uid, how))
        else:
            report.unchanged += 1
        if n_objects is None:
            registered_files.add(key)
        else:
            registered_folders.append(f"{key}/")
    report.changed.sort()
    report.missing.sort()
    for key in _files_below(folder, Path(storage.root)):
        if key in registered_files or any(key.startswith(f) for f in registered_folders):
            continue
        report.unregistered.append(key)
    return report


def _storage_of(folder: Path) -> tuple[Storage, str]:
    """The registered storage holding ``folder``, and the folder's key prefix."""
    found = registered_root(folder.as_posix())
    if found is None:
        raise InvalidArgument(
            f"'{folder}' is in no registered storage; status lists the files of a folder "
            "inside one. See the storages with: lineagedb ls storage"
        )
    storage_id, _, key = found
    return Storage.objects.get(id=storage_id), f"{key}/" if key else ""


def _files_below(folder: Path, root: Path) -> list[str]:
    """Keys of the regular files below ``folder``, lineagedb's own files left out."""
    keys = []
    for directory, subfolders, names in os.walk(folder):
        here = Path(directory)
        if here == root:
            subfolders[:] = [name for name in subfolders if name != MANAGED_FOLDER]
        for name in names:
            path = here / name
            if path.is_file():
                keys.append(path.relative_to(root).as_posix())
    return sorted(keys)
