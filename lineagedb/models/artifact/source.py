"""Where an artifact's data comes from, and which storage it belongs to."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lineagedb._base.config import bucket_root, cache_dir
from lineagedb._base.logger import logger
from lineagedb._base.session import default_storage
from lineagedb.errors import InvalidArgument, NotFound, PathNotFound
from lineagedb.storage import remote, serializers
from lineagedb.storage.formats import stored_as
from lineagedb.storage.paths import (
    MANAGED_FOLDER,
    is_local,
    key_in_root,
    protocol_of,
    to_upath,
)

if TYPE_CHECKING:
    from upath import UPath

    from lineagedb.models.storage import Storage


def resolve_source(data: Any) -> tuple[Path | UPath, str | None]:
    """The path (local or cloud) to hash and register for ``data``, and its accessor.

    An in-memory object (DataFrame, AnnData, MuData) is written to a file
    in the cache first, in its default format.

    Example:
        >>> resolve_source("meta.csv")
        (PosixPath('.../meta.csv'), None)
    """
    accessor = serializers.accessor_of(data)
    if accessor is not None:
        suffix = stored_as(accessor)[0]
        folder = cache_dir() / "in-memory"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{uuid.uuid4().hex}{suffix}"
        serializers.write(data, accessor, suffix, target)
        return target, accessor
    if not isinstance(data, (str, os.PathLike)) and not hasattr(data, "protocol"):
        raise InvalidArgument(
            f"Artifact() cannot store a {type(data).__name__}. "
            "Pass a path to a file or folder (local or cloud URL), or a pandas DataFrame."
        )
    if not is_local(data):
        url = to_upath(str(data))
        remote.info(url)  # raises PathNotFound with the next step
        return url, None
    text = (data.path if hasattr(data, "protocol") else os.fspath(data)).removeprefix("file://")
    path = Path(text).expanduser()
    if not path.exists():
        raise PathNotFound(
            f"Path '{text}' does not exist. Check the path, or list the folder with "
            f"ln.UPath('{path.parent}').view_tree()."
        )
    return path.resolve(), None


def registered_root(text: str) -> tuple[int, str, str | None] | None:
    """(storage id, root, key) of the innermost registered root holding ``text``, or None.

    The key is None when ``text`` is that root itself.

    Example:
        >>> registered_root(str(artifact.path))  # doctest: +ELLIPSIS
        (1, '.../lamin-tutorial', 'iris_studies/study0_raw_images/meta.csv')
        >>> registered_root("/elsewhere/a.csv") is None
        True
    """
    from lineagedb.models import _plain
    from lineagedb.models.storage import Storage

    best: tuple[int, str, str | None] | None = None
    for storage_id, root in _plain.rows(Storage, ("id", "root")):
        key = None if text == root else key_in_root(text, root)
        if (key is not None or text == root) and (best is None or len(root) > len(best[1])):
            best = (storage_id, root, key)
    return best


def storage_for(source: Path | UPath) -> tuple[Storage, str | None]:
    """The storage a source belongs to and its key there; (default storage, None) to copy.

    A cloud path outside every registered storage makes a new, unsaved
    Storage record for its bucket, saved with the artifact.
    """
    from lineagedb.models.storage import Storage

    default = default_storage()
    text = source.as_posix() if isinstance(source, Path) else str(source).rstrip("/")
    found = registered_root(text)
    if found is not None:
        storage_id, root, key = found
        if key is None:
            raise InvalidArgument(
                f"'{text}' is the root of storage {root!r}; register files or folders "
                "inside it instead."
            )
        if key == MANAGED_FOLDER or key.startswith(f"{MANAGED_FOLDER}/"):
            # Managed bytes (and a local instance's database) belong to their
            # records: registered again, deleting that record would delete them.
            raise InvalidArgument(
                f"'{text}' is inside the managed folder '{MANAGED_FOLDER}' of storage "
                f"'{root}', which lineagedb writes itself. Use the artifact that owns it "
                "(ln.Artifact.filter(...)), or copy the file elsewhere first."
            )
        match = default if storage_id == default.id else Storage.objects.get(id=storage_id)
        return match, key
    if not isinstance(source, Path):
        root = bucket_root(str(source))
        logger.warning(f"generating a new storage location at {root}")
        storage = Storage(root=root, type=protocol_of(root), region=remote.region(source))
        return storage, key_in_root(text, root)
    if source.is_dir() and key_in_root(default.root, text) is not None:
        raise InvalidArgument(
            f"Folder '{text}' contains the default storage root '{default.root}'; "
            "copying it into that storage would copy it into itself. Register a subfolder."
        )
    return default, None


def lookups_for_path(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The lookups that find the artifact stored at ``path`` (``Artifact.get(path=...)``):
    its storage and key, or for managed bytes (``<root>/.lineagedb/<uid><suffix>``) its uid.

    Example:
        >>> lookups_for_path(artifact.path) == {
        ...     "storage_id": 1, "key": artifact.key, "key_is_virtual": False
        ... }
        True
    """
    text = str(path).removeprefix("file://")
    is_url = "://" in text  # else a local path, relative to the working folder
    text = text.rstrip("/") if is_url else Path(text).expanduser().resolve().as_posix()
    found = registered_root(text)
    storage_id, _, key = found or (0, "", None)
    if key is None:
        raise NotFound(
            f"No storage of this instance holds '{text}'; an artifact's path is inside one "
            "(ln.Storage.df() lists them)."
        )
    if key.startswith(f"{MANAGED_FOLDER}/"):
        name = key[len(MANAGED_FOLDER) + 1 :]
        return {"storage_id": storage_id, "uid": name[:20]}
    return {"storage_id": storage_id, "key": key, "key_is_virtual": False}
