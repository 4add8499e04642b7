"""Artifact: a file, folder or in-memory object in storage, with its metadata."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, models, transaction

from lineagedb._logger import logger
from lineagedb.errors import InvalidArgument, NoLoader
from lineagedb.models import _plain, _uid
from lineagedb.models.artifact_source import resolve_source, storage_for
from lineagedb.models.collection import Collection
from lineagedb.models.record import Record
from lineagedb.models.versioning import VersionedRecord
from lineagedb.setup._instance import MANAGED_FOLDER
from lineagedb.storage import transfer
from lineagedb.storage.cache import cached_copy
from lineagedb.storage.hashing import ContentHash, hash_path
from lineagedb.storage.integrity import check
from lineagedb.storage.paths import check_inside, check_key, local_path, suffix_of, to_upath
from lineagedb.tracking.context import current_run, record_input

if TYPE_CHECKING:
    from upath import UPath

    from lineagedb.models.run import Run


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

    _search_fields = ("key", "description", "suffix")
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

    class Meta:
        constraints = [
            # One record per managed content and storage: concurrent saves of
            # the same bytes meet here, and all but one take the existing record.
            models.UniqueConstraint(
                fields=["storage", "hash", "hash_type"],
                condition=models.Q(key_is_virtual=True) & ~models.Q(visibility=-1),
                name="unique_managed_content",
            )
        ]

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
        source, accessor = resolve_source(data)
        content = hash_path(source)
        # Same bytes means same hash of the same kind: an empty folder (md5-d of
        # nothing) is not an empty file, though both digests are md5(b"").
        same = _plain.rows(
            Artifact, ("id",), limit=1, hash=content.hash, hash_type=content.hash_type, visibility=1
        )
        existing = Artifact.objects.get(id=same[0][0]) if same else None
        if existing is not None:
            logger.warning(f"returning existing artifact with same hash: {existing}")
            super().__init__()
            self._become(existing)
            if isinstance(source, Path) and accessor is not None:
                source.unlink()
            return
        storage, key_in_storage = storage_for(source)
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
        self._local_source = source if key_in_storage is None else None  # type: ignore[assignment]
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
        return self.storage.path / self._storage_key

    def cache(self) -> UPath:
        """A local path to the bytes: the stored path for local storage, else a cached copy.

        Cloud objects are downloaded to ``<cache dir>/<bucket>/<key>`` once
        and again only when the object changed.

        Example:
            >>> artifact.cache()  # doctest: +SKIP
            PosixUPath('/home/me/.cache/lineagedb/bucket/iris_studies/study0_raw_images/meta.csv')
        """
        if self._state.adding and self._local_source is not None:
            return to_upath(self._local_source)
        record_input(self)
        return cached_copy(
            self.path,
            f"Restore them, or delete the record with ln.Artifact.get('{self.uid}')"
            ".delete(permanent=True).",
            self._content,
        )

    @property
    def _content(self) -> ContentHash:
        return ContentHash(self.hash or "", self.hash_type or "", self.size or 0, self.n_objects)

    def verify(self) -> bool:
        """Re-check the stored bytes against the record; True, or StorageMismatch.

        Local bytes are hashed in full; cloud objects are compared by ETag
        hash (or size, for multipart ETags against a full-content hash).

        Example:
            >>> artifact.verify()  # doctest: +SKIP
            True
        """
        check(self.path, self._content, f"artifact {self.uid}")
        return True

    def load(self, allow_pickle: bool = False, **kwargs: Any) -> Any:
        """Read the artifact into memory with the reader for its suffix.

        ``.csv``/``.tsv``/``.parquet`` give a DataFrame (kwargs go to pandas),
        ``.json`` the parsed object, ``.txt`` a string; pickles only with
        ``allow_pickle=True`` (reading one can run arbitrary code).

        Example:
            >>> artifact.load(index_col=0).head()  # doctest: +SKIP
        """
        from lineagedb.storage.loaders import load

        if self.n_objects is not None:
            raise NoLoader(
                f"Artifact {self.uid} is a folder of {self.n_objects} files; folders have no "
                "loader. Use artifact.cache() and read the files you need."
            )
        return load(local_path(self.cache()), self.suffix, allow_pickle=allow_pickle, **kwargs)

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
        if self._state.adding and self.storage._state.adding:
            with transaction.atomic():  # a bucket seen for the first time
                self.storage.save()
                self.storage = self.storage
                super().save(*args, **kwargs)
            return self
        if not self._state.adding or self._local_source is None:
            super().save(*args, **kwargs)
            return self
        source = self._local_source
        content = self._content
        path = self.path
        check_inside(path, self.storage.root)
        staged = transfer.stage(source, path.parent)
        destination: UPath | None = None

        def insert() -> None:
            nonlocal destination
            if self.storage._state.adding:
                self.storage.save()
                self.storage = self.storage
            Record.save(self, *args, **kwargs)
            destination = self.path
            transfer.commit(staged, destination, content)

        try:
            self._insert_version(insert)
        except BaseException as error:
            transfer.remove(staged)
            if destination is not None:
                transfer.remove(destination)
            existing = self._same_managed_content() if isinstance(error, IntegrityError) else None
            if existing is None:
                raise
            # Another process saved the same bytes first: that record is this one.
            logger.warning(f"returning existing artifact with same hash: {existing}")
            self._become(existing)
        if self._source_is_temporary:
            source.unlink(missing_ok=True)
        self._local_source = None
        logger.debug(f"stored {self.size} bytes at {destination}")
        return self

    def _same_managed_content(self) -> Artifact | None:
        return (
            Artifact.objects.filter(
                storage_id=self.storage_id,
                hash=self.hash,
                hash_type=self.hash_type,
                key_is_virtual=True,
            )
            .exclude(visibility=-1)
            .first()
        )

    def replace(self, data: Any) -> Artifact:
        """Swap the stored bytes for those of ``data`` (a local path or DataFrame) and re-hash.

        The record keeps its uid. Managed bytes may change suffix; bytes
        registered in place are overwritten at their key and must keep it.
        The new bytes are staged first and take the final name in the
        transaction that updates the record.

        Example:
            >>> artifact.replace("meta_fixed.csv")  # doctest: +SKIP
        """
        if self._state.adding:
            raise InvalidArgument(
                f"Artifact {self.uid} is not saved; create a new Artifact from the new data."
            )
        source, accessor = resolve_source(data)
        if not isinstance(source, Path):
            raise InvalidArgument(
                f"replace() takes a local path or a DataFrame, not {str(source)!r}. "
                "Download the object first, or register it as a new artifact."
            )
        content = hash_path(source)
        suffix = suffix_of(source.name)
        managed = self._storage_key.startswith(f"{MANAGED_FOLDER}/")
        if not managed and suffix != self.suffix:
            raise InvalidArgument(
                f"Artifact {self.uid} is registered in place at key {self.key!r}; its "
                f"replacement must keep the suffix {self.suffix!r}, not {suffix!r}."
            )
        old_path = self.path
        check_inside(old_path, self.storage.root)
        staged = transfer.stage(source, old_path.parent)
        try:
            with transaction.atomic():
                self.suffix, self.size, self.hash = suffix, content.size, content.hash
                self.hash_type, self.n_objects = content.hash_type, content.n_objects
                Record.save(self)
                transfer.commit(staged, self.path, content)
        except BaseException:
            transfer.remove(staged)
            self.refresh_from_db()
            raise
        if self.path != old_path:
            transfer.remove(old_path)
        if accessor is not None:
            source.unlink(missing_ok=True)
        logger.success(f"replaced the bytes of artifact {self.uid} ({content.size} bytes)")
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
            transfer.remove(path)
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
            old_path = root / f"{MANAGED_FOLDER}/{old_uid}{self.suffix}"
            transfer.copy_within(old_path, self.path)
            transaction.on_commit(lambda: transfer.remove(old_path))
        super()._move_to_uid()
