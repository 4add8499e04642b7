"""Artifact: a file, folder or in-memory object in storage, with its metadata."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import models, transaction

from lineagedb._logger import logger
from lineagedb.errors import InvalidArgument, NoLoader, PathNotFound
from lineagedb.models import _uid
from lineagedb.models.collection import Collection
from lineagedb.models.record import Record
from lineagedb.models.versioning import VersionedRecord
from lineagedb.setup._instance import MANAGED_FOLDER
from lineagedb.storage import transfer
from lineagedb.storage.hashing import hash_path
from lineagedb.storage.paths import check_key, key_in_root, local_path, suffix_of, to_upath
from lineagedb.tracking.context import current_run, record_input

if TYPE_CHECKING:
    from upath import UPath

    from lineagedb.models.run import Run
    from lineagedb.models.storage import Storage


class Artifact(VersionedRecord):
    """A file, folder or DataFrame in storage, with hash, size, key and provenance.

    A path inside a registered storage root is registered where it is
    (``key`` = its path relative to the root). Anything else is copied into
    the default storage at ``.lineagedb/<uid><suffix>`` on ``save()``; a
    ``key`` given then is virtual. Creating an artifact whose content is
    already registered returns the existing record.

    Args:
        data: A local path (file or folder) or a pandas DataFrame.
        key: A relative POSIX path naming the artifact in storage.
        description: Free text.
        version: A version string, e.g. ``"1"``.
        is_new_version_of: An artifact this one is the next version of (alias
            ``revises``): same uid stem, next version, same key and
            description unless given.
        run: The Run that created it.

    Example:
        >>> import lineagedb as ln
        >>> artifact = ln.Artifact("lamin-tutorial/study0/meta.csv").save()  # doctest: +SKIP
        >>> artifact.load(index_col=0).head()  # doctest: +SKIP
    """

    _name_field = "key"
    _repr_exclude = ("created_at", "updated_at", "is_latest")
    _delete_with_rules = True
    # Set by the constructor when save() must copy bytes into storage.
    _local_source: Path | None = None
    _source_is_temporary: bool = False

    uid = models.CharField(max_length=20, unique=True, default=_uid.artifact_uid)
    storage = models.ForeignKey("Storage", models.PROTECT, related_name="artifacts")
    key = models.CharField(max_length=1024, null=True, blank=True, db_index=True)
    suffix = models.CharField(max_length=30, db_index=True, blank=True)
    accessor = models.CharField(max_length=64, null=True, blank=True, db_index=True)
    description = models.TextField(null=True, blank=True)
    version = models.CharField(max_length=30, null=True, blank=True, db_index=True)
    size = models.BigIntegerField(null=True, blank=True, db_index=True)
    hash = models.CharField(max_length=86, null=True, blank=True, db_index=True)
    hash_type = models.CharField(max_length=30, null=True, blank=True)
    n_objects = models.BigIntegerField(null=True, blank=True)
    n_observations = models.BigIntegerField(null=True, blank=True)
    transform = models.ForeignKey(
        "Transform", models.SET_NULL, null=True, blank=True, related_name="output_artifacts"
    )
    run = models.ForeignKey(
        "Run", models.SET_NULL, null=True, blank=True, related_name="output_artifacts"
    )
    visibility = models.SmallIntegerField(default=1)
    key_is_virtual = models.BooleanField(default=True)
    is_latest = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey("User", models.PROTECT, related_name="+")

    def __init__(
        self,
        data: Any = None,
        *,
        key: str | None = None,
        description: str | None = None,
        version: str | None = None,
        is_new_version_of: Artifact | None = None,
        revises: Artifact | None = None,
        run: Run | None = None,
        **unexpected: Any,
    ) -> None:
        if unexpected:
            raise InvalidArgument(
                f"Artifact() got unexpected arguments {', '.join(map(repr, unexpected))}. "
                "It takes data, key=, description=, version=, is_new_version_of= and run=."
            )
        if data is None:
            raise InvalidArgument(
                "Artifact() needs data: a path to a file or folder, or a DataFrame, "
                "e.g. ln.Artifact('meta.csv')."
            )
        revises = self._check_revises(is_new_version_of or revises, version)
        if key is not None:
            check_key(key)
        source, accessor = _local_source(data)
        content = hash_path(source)
        existing = Artifact.filter(hash=content.hash).order_by("id").first()
        if existing is not None:
            logger.warning(f"returning existing artifact with same hash: {existing}")
            super().__init__()
            self._become(existing)
            if accessor is not None:
                source.unlink()
            return
        storage, key_in_storage = _storage_for(source)
        if key_in_storage is not None and key is not None and key != key_in_storage:
            raise InvalidArgument(
                f"Path '{source}' is in storage '{storage.root}' with key "
                f"{key_in_storage!r}; it cannot be saved under key {key!r}. "
                "Omit key=, or move the file."
            )
        if key_in_storage is not None:
            logger.hint(f"path in storage '{storage.root}' with key '{key_in_storage}'")
        elif key is None and revises is not None:
            key = revises.key
        if description is None and revises is not None:
            description = revises.description
        if run is None:
            run = current_run()
        super().__init__(
            storage=storage,
            key=key_in_storage if key_in_storage is not None else key,
            key_is_virtual=key_in_storage is None,
            suffix=suffix_of(source.name),
            accessor=accessor,
            description=description,
            version=version,
            size=content.size,
            hash=content.hash,
            hash_type=content.hash_type,
            n_objects=content.n_objects,
            run=run,
            transform=run.transform if run is not None else None,
        )
        self._local_source = source if key_in_storage is None else None
        self._source_is_temporary = accessor is not None
        if revises is not None:
            self._preview_version(revises)

    # -- storage -----------------------------------------------------------------

    @property
    def _storage_key(self) -> str:
        if self.key_is_virtual or self.key is None:
            return f"{MANAGED_FOLDER}/{self.uid}{self.suffix}"
        return self.key

    @property
    def path(self) -> UPath:
        """Where the bytes are (or will be after ``save()``), as a UPath.

        Example:
            >>> artifact.path  # doctest: +SKIP
            PosixUPath('/home/me/lamin-tutorial/iris_studies/study0_raw_images/meta.csv')
        """
        return to_upath(self.storage.root) / self._storage_key

    def cache(self) -> UPath:
        """A local path to the bytes; for local storage, the stored path itself.

        Example:
            >>> artifact.cache()  # doctest: +SKIP
            PosixUPath('/home/me/lamin-tutorial/iris_studies/study0_raw_images/meta.csv')
        """
        path = self.path
        if self._state.adding and self._local_source is not None:
            return to_upath(self._local_source)
        record_input(self)
        if not path.exists():
            raise PathNotFound(
                f"The bytes of artifact {self.uid} are missing at '{path}'. "
                "Restore the file, or delete the record with artifact.delete(permanent=True)."
            )
        return path

    def load(self, **kwargs: Any) -> Any:
        """Read the artifact into memory with the reader for its suffix.

        ``.csv``/``.tsv``/``.parquet`` give a DataFrame (kwargs go to pandas),
        ``.json`` the parsed object, ``.txt`` a string.

        Example:
            >>> artifact.load(index_col=0).head()  # doctest: +SKIP
        """
        from lineagedb.storage.loaders import load

        if self.n_objects is not None:
            raise NoLoader(
                f"Artifact {self.uid} is a folder of {self.n_objects} files; folders have no "
                "loader. Use artifact.cache() and read the files you need."
            )
        return load(local_path(self.cache()), self.suffix, **kwargs)

    # -- persistence ---------------------------------------------------------------

    def save(self, *args: Any, **kwargs: Any) -> Artifact:
        """Store the bytes (if they need copying), then write the record.

        Bytes are copied under a temporary name first and renamed to their
        final name inside the transaction that writes the record, so the
        record is never visible before its bytes; if the transaction fails,
        the bytes are removed again.

        Example:
            >>> ln.Artifact("meta.csv", description="study 0 metadata").save()  # doctest: +SKIP
        """
        self._check_text_fields()
        if not self._state.adding or self._local_source is None:
            super().save(*args, **kwargs)
            return self
        source = self._local_source
        staged = transfer.stage(source, local_path(self.path).parent)
        destination: Path | None = None

        def insert() -> None:
            nonlocal destination
            Record.save(self, *args, **kwargs)
            destination = local_path(self.path)
            transfer.commit(staged, destination)

        try:
            self._insert_version(insert)
        except BaseException:
            transfer.remove(staged)
            if destination is not None:
                transfer.remove(destination)
            raise
        if self._source_is_temporary:
            source.unlink(missing_ok=True)
        self._local_source = None
        logger.debug(f"stored {self.size} bytes at {destination}")
        return self

    def _delete_permanently(self, storage: bool | None) -> None:
        # The record goes first, then the bytes: a crash in between leaves
        # unreferenced bytes, never a record pointing at missing bytes.
        managed = self._storage_key.startswith(f"{MANAGED_FOLDER}/")
        path = self.path
        collections = list(
            Collection.objects.filter(links__artifact=self).values_list("uid", flat=True)
        )
        if collections:
            raise InvalidArgument(
                f"Artifact {self.uid} is in collection(s) {', '.join(collections)}; delete "
                "those collections permanently first, or keep the artifact."
            )
        with transaction.atomic():
            Record.delete(self)
        if managed or storage:
            transfer.remove(local_path(path))
            logger.success(f"deleted artifact {self.uid} and its bytes at '{path}'")
        else:
            logger.success(
                f"deleted artifact record {self.uid}; kept the registered file '{path}' "
                "(pass storage=True to delete it too)"
            )

    def _move_to_uid(self) -> None:
        # Managed bytes are named after the uid: link them under the new name
        # before the record changes, drop the old name once it has committed.
        old_uid = type(self).objects.values_list("uid", flat=True).get(pk=self.pk)
        if self.key_is_virtual or self.key is None:
            root = to_upath(self.storage.root)
            old_path = local_path(root / f"{MANAGED_FOLDER}/{old_uid}{self.suffix}")
            transfer.link_or_copy(old_path, local_path(self.path))
            transaction.on_commit(lambda: transfer.remove(old_path))
        super()._move_to_uid()


def _local_source(data: Any) -> tuple[Path, str | None]:
    """The local path to hash and store for ``data``, and its accessor."""
    if type(data).__module__.startswith("pandas") and hasattr(data, "to_parquet"):
        from lineagedb.storage.paths import cache_root

        folder = cache_root() / "in-memory"
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(suffix=".parquet", dir=folder)
        os.close(handle)
        data.to_parquet(name)
        return Path(name), "DataFrame"
    if not isinstance(data, (str, os.PathLike)):
        raise InvalidArgument(
            f"Artifact() cannot store a {type(data).__name__}. "
            "Pass a path to a file or folder, or a pandas DataFrame."
        )
    text = os.fspath(data)
    if "://" in text and not text.startswith("file://"):
        raise InvalidArgument(
            f"{text!r} is a cloud URL; this version of lineagedb registers local paths only. "
            "Download the file first, or pass a local path."
        )
    path = Path(text.removeprefix("file://")).expanduser()
    if not path.exists():
        raise PathNotFound(
            f"Path '{text}' does not exist. Check the path, or list the folder with "
            f"ln.UPath('{path.parent}').view_tree()."
        )
    return path.resolve(), None


def _storage_for(source: Path) -> tuple[Storage, str | None]:
    """The storage a source path belongs to and its key there, or the default storage."""
    from lineagedb.models.storage import Storage
    from lineagedb.setup._settings import settings

    default = settings.storage.record
    text = source.as_posix()
    best: tuple[Storage, str] | None = None
    for storage in Storage.objects.filter(type="local"):
        if text == storage.root:
            raise InvalidArgument(
                f"'{text}' is the root of storage {storage.uid}; register files or folders "
                "inside it instead."
            )
        key = key_in_root(text, storage.root)
        if key is not None and (best is None or len(storage.root) > len(best[0].root)):
            best = (storage, key)
    if best is not None:
        return best
    if source.is_dir() and key_in_root(default.root, text) is not None:
        raise InvalidArgument(
            f"Folder '{text}' contains the default storage root '{default.root}'; "
            "copying it into that storage would copy it into itself. Register a subfolder."
        )
    return default, None
