"""Storage: a root (local folder or bucket) whose files can be registered."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from lineagedb._base.logger import logger
from lineagedb.errors import InvalidArgument, PathNotFound, StorageNotWritable
from lineagedb.models import _uid
from lineagedb.models.record import Record
from lineagedb.storage.location import Location
from lineagedb.storage.paths import is_local, local_path, normalize_root, protocol_of, to_upath

if TYPE_CHECKING:
    from upath import UPath


def _ensure_root(root: str) -> None:
    """A local root that does not exist is created (as LaminDB does); a bucket must exist."""
    if is_local(root):
        local = local_path(root)  # no UPath (importing fsspec costs ~80 ms of an init)
        if local.exists() and not local.is_dir():
            raise InvalidArgument(
                f"Storage root '{root}' is a file, not a folder. Choose a folder, or move the file."
            )
        try:
            local.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageNotWritable(
                f"Storage root '{root}' does not exist and cannot be created ({error.strerror}). "
                "Create it yourself, or choose a folder you can write to."
            ) from None
        return
    if not to_upath(root).is_dir():
        raise PathNotFound(
            f"Storage root '{root}' is not an existing bucket or prefix. "
            "Create it first, or check the URL and your credentials."
        )


class Storage(Record):
    """A storage location: files below its root are registered in place.

    A local root that does not exist yet is created.

    Example:
        >>> import lineagedb as ln
        >>> from pathlib import Path
        >>> shared = str(Path("shared").resolve())  # a folder beside the instance
        >>> ln.Storage(root=shared, description="lab share").save().type
        'local'
    """

    _search_fields = ("root", "description")
    _name_field = "root"

    uid = models.CharField(max_length=12, unique=True, default=_uid.storage_uid)
    root = models.CharField(max_length=767, unique=True)
    description = models.TextField(null=True, blank=True)
    type = models.CharField(max_length=30, db_index=True)
    region = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey("User", models.PROTECT, related_name="+")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "root" in kwargs and not args:
            root = normalize_root(kwargs["root"])
            kwargs["root"] = root
            kwargs.setdefault("type", protocol_of(root))
            _ensure_root(root)
            existing = Storage.objects.filter(root=root).first()
            if existing is not None:
                super().__init__()
                self._become(existing)
                logger.info(f"returning existing storage with same root: {existing}")
                return
        super().__init__(*args, **kwargs)

    def save_if_new(self) -> Storage:
        """Save this record if it is new (a bucket seen for the first time); return it.

        The one place where a new Storage is registered on the way to saving
        what lies in it (``Artifact.save``, ``ln.save``).

        Example:
            >>> artifact.storage = artifact.storage.save_if_new()
        """
        if self._state.adding:
            self.save()
        return self

    @property
    def location(self) -> Location:
        """The root as a Location: for a local root, no UPath is built (nor fsspec imported,
        about 30 ms of a process's first save).

        Example:
            >>> (ln.setup.settings.storage.record.location / "x.csv").is_local
            True
        """
        return Location(self.root)

    @property
    def path(self) -> UPath:
        """The root as a UPath.

        Example:
            >>> from pathlib import Path
            >>> ln.Storage(root=str(Path("shared").resolve())).save().path
            PosixUPath('.../shared')
        """
        # Building a UPath costs ~70 µs; artifacts ask for their storage's root often.
        cached = self.__dict__.get("_root_path")
        if cached is None or str(cached).rstrip("/") != self.root.rstrip("/"):
            cached = self.__dict__["_root_path"] = to_upath(self.root)
        return cached
