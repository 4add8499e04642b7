"""Artifact: a file, folder or in-memory object in storage, with its metadata."""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, models, transaction

from lineagedb._config import cache_dir
from lineagedb._logger import logger
from lineagedb._session import current_run, default_storage, session
from lineagedb._settings import settings
from lineagedb.errors import (
    InvalidArgument,
    NoLoader,
    StorageMismatch,
)
from lineagedb.models import _plain, _uid, replacing
from lineagedb.models.annotating import Annotated, check_against_schema
from lineagedb.models.artifact_source import resolve_source, storage_for
from lineagedb.models.collection import Collection
from lineagedb.models.manifest import FolderManifest, differences, write_manifest
from lineagedb.models.record import Record
from lineagedb.models.staged_save import save_staged
from lineagedb.models.versioning import VersionedRecord
from lineagedb.storage import serializers
from lineagedb.storage.hashing import ContentHash
from lineagedb.storage.location import Location, Staged
from lineagedb.storage.paths import MANAGED_FOLDER, check_inside, check_key, local_path, suffix_of

if TYPE_CHECKING:
    import anndata as ad
    import pandas as pd
    from upath import UPath

    from lineagedb.models.run import Run
    from lineagedb.models.storage import Storage


# A folder that no longer matches its record names at most this many files.
_SHOWN_FILES = 20


class _Existing(Exception):
    """Internal: the content is already registered; the constructor became that record."""


def _in_memory_file(suffix: str) -> Path:
    """A fresh path in the cache to serialize an in-memory object to before an upload."""
    import uuid

    folder = cache_dir() / "in-memory"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{uuid.uuid4().hex}{suffix}"


def _check_real_key_free(storage: Storage, key: str) -> None:
    """Raise unless ``key`` in ``storage`` is free for new bytes (no file, no record)."""
    holder = (
        Artifact.objects.filter(storage_id=storage.id, key=key, key_is_virtual=False).first()
        if storage.id
        else None
    )
    if holder is not None or Location(storage.path / key).exists():
        what = f"artifact {holder.uid}" if holder is not None else "a file no artifact registers"
        raise InvalidArgument(
            f"Key {key!r} in storage '{storage.root}' already holds {what}; nothing was written. "
            "Choose another key, or save a new version of that artifact (is_new_version_of=)."
        )


def _latest_with_key(storage: Storage, key: str, *, managed: bool | None) -> Artifact | None:
    """The latest visible artifact with ``key`` in ``storage`` (None for an unsaved storage)."""
    if storage.id is None:
        return None
    query = Artifact.objects.filter(storage_id=storage.id, key=key, visibility=1)
    if managed is not None:
        query = query.filter(key_is_virtual=managed)
    return query.order_by("-is_latest", "-created_at", "-id").first()


def _version_family_of(storage: Storage, key: str) -> Artifact | None:
    """The artifact whose next version new content under ``key`` becomes (LaminDB >= 0.73)."""
    latest = _latest_with_key(storage, key, managed=None)
    if latest is not None:
        logger.info(
            f"key {key!r} names artifact {latest.uid}: the new content becomes its next version"
        )
    return latest


def _changed_in_place(existing: Artifact, source: Path | UPath) -> Artifact:
    """Say that a file registered in place has new bytes; its record becomes the old version."""
    logger.warning(
        f"'{source}' changed since it was registered as artifact {existing.uid} (key "
        f"{existing.key!r}): saving makes a new version. The bytes of {existing.uid} were "
        "overwritten in place, so its record keeps only their hash and size (its verify() "
        "fails); to keep old versions' bytes, save edits under a new path or copy them "
        "into managed storage."
    )
    return existing


class Artifact(Annotated, VersionedRecord):
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
    # Set by the constructor when save() must store bytes: the local source,
    # and its copy staged in the default storage (local storage) until save().
    _local_source: Path | None = None
    _source_is_temporary: bool = False
    _staged: Staged | None = None

    uid = models.CharField(max_length=20, unique=True, default=_uid.artifact_uid)
    storage = models.ForeignKey("Storage", models.PROTECT, related_name="artifacts")
    key = models.CharField(max_length=1024, null=True, blank=True, db_index=True)
    # Wide enough for real suffixes (".filtered_feature_bc_matrix_normalized.h5": 41).
    suffix = models.CharField(max_length=128, db_index=True, blank=True)
    accessor = models.CharField(max_length=64, null=True, blank=True, db_index=True)
    description = models.TextField(null=True, blank=True)
    version = models.CharField(max_length=30, null=True, blank=True, db_index=True)
    size = models.BigIntegerField(null=True, blank=True, db_index=True)
    hash = models.CharField(max_length=86, null=True, blank=True, db_index=True)
    hash_type = models.CharField(max_length=30, null=True, blank=True)
    n_objects = models.BigIntegerField(null=True, blank=True)
    n_observations = models.BigIntegerField(null=True, blank=True)
    # The file's name when it was registered: what `lineagedb get --to` names a
    # copy of an artifact without key (its bytes are stored as <uid><suffix>).
    _original_name = models.CharField(max_length=255, null=True, blank=True)
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
    ulabels = models.ManyToManyField(
        "ULabel", through="ArtifactULabel", related_name="artifacts", blank=True
    )
    feature_sets = models.ManyToManyField(
        "FeatureSet", through="ArtifactFeatureSet", related_name="artifacts", blank=True
    )

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
        format: str | None = None,
        _hint: bool = True,
        **unexpected: Any,
    ) -> None:
        if unexpected:
            raise InvalidArgument(
                f"Artifact() got unexpected arguments {', '.join(map(repr, unexpected))}. "
                "It takes data, key=, description=, version=, is_new_version_of=, run= "
                "and format=."
            )
        if data is None:
            raise InvalidArgument(
                "Artifact() needs data: a path to a file or folder, or a DataFrame, "
                "e.g. ln.Artifact('meta.csv')."
            )
        revises = self._check_revises(is_new_version_of or revises, version)
        if key is not None:
            check_key(key)
        in_memory = serializers.accessor_of(data)
        if in_memory is not None:
            if _hint:
                named = "from_df" if in_memory == "DataFrame" else f"from_{in_memory.lower()}"
                logger.hint(f"data is a {in_memory}: Artifact.{named}() says so explicitly")
            self._init_in_memory(data, in_memory, key, description, version, revises, run, format)
            return
        if format is not None:
            raise InvalidArgument(
                f"format={format!r} applies to in-memory objects (DataFrame, AnnData, MuData); "
                "a path is stored as it is. Omit format=."
            )
        source, accessor = resolve_source(data)
        staged, located = None, None
        if isinstance(source, Path):
            serializers.check_format(source, suffix_of(source.name))
            located = storage, key_in_storage = storage_for(source)
            if (
                key_in_storage is None
                and key is not None
                and not settings.artifact_use_virtual_keys
            ):
                _check_real_key_free(storage, key)  # before a byte is copied
            if key_in_storage is None:
                self._check_findable(
                    f"'{source}', from outside every storage root,", key, description, run, revises
                )
            if key_in_storage is None and Location(storage.root).is_local:
                # Copied into managed storage now, hashed while copied: one read
                # of the bytes, and the bytes saved are the bytes hashed.
                staged = Location(storage.path / MANAGED_FOLDER).stage(source)
        try:
            self._init_from(
                source, accessor, located, staged, key, description, version, revises, run
            )
        except BaseException:
            if staged is not None:
                staged.discard()
            raise

    def _init_from(
        self,
        source: Path | UPath,
        accessor: str | None,
        located: tuple[Storage, str | None] | None,
        staged: Staged | None,
        key: str | None,
        description: str | None,
        version: str | None,
        revises: VersionedRecord | None,
        run: Run | None,
    ) -> None:
        content = staged.content if staged is not None else Location(source).hash()
        assert content is not None
        storage, key_in_storage = located or storage_for(source)
        if key_in_storage is not None and key is not None and key != key_in_storage:
            raise InvalidArgument(
                f"Path '{source}' is in storage '{storage.root}' with key "
                f"{key_in_storage!r}; it cannot be saved under key {key!r}. "
                "Omit key=, or move the file."
            )
        if key_in_storage is not None:
            # Registered in place: one artifact per path (LaminDB 2.x); the
            # same bytes at another path are another artifact.
            existing = _latest_with_key(storage, key_in_storage, managed=False)
            if existing is not None and existing.hash != content.hash:
                changed = _changed_in_place(existing, source)
                revises, existing = revises or changed, None
        else:
            # Copied: the same bytes are stored once.
            existing = Artifact.find_by_content(content.hash, content.hash_type)
        if existing is not None:
            if staged is not None:
                staged.discard()
            logger.warning(f"returning existing artifact with same hash: {existing}")
            super().__init__()
            self._become(existing)
            self._note_not_applied(key=key, description=description, version=version)
            return
        if key_in_storage is None and key is not None and revises is None:
            revises = _version_family_of(storage, key)
            self.__dict__["_family_by_key"] = revises is not None
        if key_in_storage is not None:
            logger.hint(f"path in storage '{storage.root}' with key '{key_in_storage}'")
        elif key is None and revises is not None:
            key = revises.key
        if description is None and revises is not None:
            description = revises.description
        if run is None:
            run = current_run()
        suffix = suffix_of(source.name)
        if key_in_storage is None and len(f"{'0' * 20}{suffix}".encode()) > 255:
            raise InvalidArgument(
                f"The suffix of '{source.name}' is {len(suffix.encode())} bytes long: stored as "
                "<uid><suffix>, its name would pass the file systems' 255-byte limit. "
                "Rename the file with a shorter suffix, then save it."
            )
        virtual = key_in_storage is None and (settings.artifact_use_virtual_keys or key is None)
        if key_in_storage is None and not virtual:
            assert key is not None
            _check_real_key_free(storage, key)
        super().__init__(
            storage=storage,
            key=key_in_storage if key_in_storage is not None else key,
            key_is_virtual=virtual,
            suffix=suffix,
            accessor=accessor,
            description=description,
            version=version,
            size=content.size,
            hash=content.hash,
            hash_type=content.hash_type,
            n_objects=content.n_objects,
            _original_name=source.name[:255] or None,
            run=run,
            transform=run.transform if run is not None else None,
        )
        self._remember_files(content)
        self._local_source = source if key_in_storage is None else None  # type: ignore[assignment]
        self._source_is_temporary = accessor is not None
        if staged is not None:
            self._keep_staged(staged)
        if revises is not None:
            self._preview_version(revises)

    def _note_not_applied(self, **given: str | None) -> None:
        """Say which values given for content already registered were not applied, and how."""
        differing = {
            name: value
            for name, value in given.items()
            if value is not None and value != getattr(self, name)
        }
        self.__dict__["_not_applied"] = differing
        if not differing:
            return
        listed = ", ".join(
            f"{name}={value!r} (it has {getattr(self, name)!r})"
            for name, value in differing.items()
        )
        how = "; ".join(f"artifact.{name} = {value!r}" for name, value in differing.items())
        keys = " (a key registered in place follows its path)" if "key" in differing else ""
        logger.warning(
            f"not applied to artifact {self.uid}: {listed}. To apply: {how}; artifact.save()"
            f"{keys} (command line: lineagedb save --update)"
        )

    @staticmethod
    def _check_findable(
        what: str,
        key: str | None,
        description: str | None,
        run: Run | None,
        revises: VersionedRecord | None,
    ) -> None:
        """Data copied into storage needs a key, a description or a run to be found again."""
        if key or description or run or revises or current_run():
            return
        raise InvalidArgument(
            f"{what} is stored under a generated name and could not be found again: pass "
            "key='…' or description='…' (or run=), or call ln.track() first."
        )

    def _init_in_memory(
        self,
        data: Any,
        accessor: str,
        key: str | None,
        description: str | None,
        version: str | None,
        revises: VersionedRecord | None,
        run: Run | None,
        format: str | None,
    ) -> None:
        """Write an in-memory object once, where it will be stored, and hash it."""
        suffix = serializers.suffix_for(accessor, key, format)
        if run is None:
            run = current_run()
        if key is None and revises is not None:
            key = revises.key
        if description is None and revises is not None:
            description = revises.description
        self._check_findable(f"The {accessor}", key, description, run, revises)
        serializers.require(accessor)
        storage = default_storage()
        staged, local_source = None, None
        folder = Location(storage.path / MANAGED_FOLDER)
        try:
            if folder.is_local:
                staged = folder.stage_written(self._writer(data, accessor, suffix))
                content = staged.content
            else:
                local_source = _in_memory_file(suffix)
                self._writer(data, accessor, suffix)(local_source)
                content = Location(local_source).hash()
            assert content is not None
            existing = Artifact.find_by_content(content.hash, content.hash_type)
            if existing is not None:
                logger.warning(f"returning existing artifact with same hash: {existing}")
                super().__init__()
                self._become(existing)
                self._note_not_applied(key=key, description=description, version=version)
                raise _Existing
            if key is not None and revises is None:
                revises = _version_family_of(storage, key)
                self.__dict__["_family_by_key"] = revises is not None
                if description is None and revises is not None:
                    description = revises.description
            super().__init__(
                storage=storage,
                key=key,
                key_is_virtual=True,
                suffix=suffix,
                accessor=accessor,
                description=description,
                version=version,
                size=content.size,
                hash=content.hash,
                hash_type=content.hash_type,
                n_objects=content.n_objects,
                n_observations=serializers.n_observations(data, accessor),
                run=run,
                transform=run.transform if run is not None else None,
            )
        except BaseException as error:
            if staged is not None:
                staged.discard()
            if local_source is not None:
                Location(local_source).remove()
            if isinstance(error, _Existing):
                return
            raise
        self._remember_files(content)
        self._local_source = local_source
        self._source_is_temporary = True
        self.__dict__["_memory"] = data
        if staged is not None:
            self._keep_staged(staged)
        if revises is not None:
            self._preview_version(revises)

    @classmethod
    def _from_object(
        cls,
        data: Any,
        accessor: str,
        key: str | None,
        description: str | None,
        run: Run | None,
        version: str | None,
        revises: Artifact | None,
        format: str | None = None,
    ) -> Artifact:
        """The named constructors' common part: check the object's kind, then construct."""
        if serializers.accessor_of(data) != accessor:
            name = "df" if accessor == "DataFrame" else accessor.lower()
            article = "an" if accessor[0] in "AEIOU" else "a"
            raise InvalidArgument(
                f"from_{name}() takes {article} {accessor}, not a {type(data).__name__}; use "
                "ln.Artifact(path) for files."
            )
        return cls(
            data,
            key=key,
            description=description,
            run=run,
            version=version,
            is_new_version_of=revises,
            format=format,
            _hint=False,
        )

    @staticmethod
    def _writer(data: Any, accessor: str, suffix: str) -> Any:
        return lambda target: serializers.write(data, accessor, suffix, target)

    @classmethod
    def from_df(
        cls,
        df: pd.DataFrame,
        key: str | None = None,
        description: str | None = None,
        run: Run | None = None,
        version: str | None = None,
        is_new_version_of: Artifact | None = None,
        revises: Artifact | None = None,
        schema: Any = None,
    ) -> Artifact:
        """An artifact holding a DataFrame, stored as ``.parquet`` (accessor ``"DataFrame"``).

        The table is written once, where it will be stored, and hashed;
        ``n_observations`` is its number of rows. The same content again
        returns the existing record. Alias: ``from_dataframe``.

        With ``schema`` (a FeatureSet, LaminDB 2's ``ln.Schema``), the table is
        validated first, as ``ln.curators.DataFrameCurator(df, schema)`` does:
        a table that does not validate raises ValidationError and nothing is
        written; ``save()`` then links its features (slot ``columns``) and the
        labels of its category columns.

        Example:
            >>> df = ln.datasets.df_iris_in_meter_study1()  # doctest: +SKIP
            >>> artifact = ln.Artifact.from_df(df, key="iris/study1.parquet")  # doctest: +SKIP
            >>> artifact.save()  # doctest: +SKIP
            >>> artifact.load().shape  # doctest: +SKIP
            (75, 5)
        """
        categoricals = check_against_schema(df, schema) if schema is not None else None
        artifact = cls._from_object(
            df, "DataFrame", key, description, run, version, is_new_version_of or revises
        )
        if categoricals is not None and artifact._state.adding:
            artifact.__dict__["_annotate_with"] = (df, categoricals)
        return artifact

    from_dataframe = from_df

    @classmethod
    def from_anndata(
        cls,
        adata: ad.AnnData,
        key: str | None = None,
        description: str | None = None,
        run: Run | None = None,
        version: str | None = None,
        is_new_version_of: Artifact | None = None,
        revises: Artifact | None = None,
        format: str | None = None,
    ) -> Artifact:
        """An artifact holding an AnnData, stored as ``.h5ad`` (default) or a ``.zarr`` folder.

        ``format`` (``"h5ad"``, ``"zarr"``, ``"zrad"``) or the key's suffix
        chooses; ``n_observations`` is ``n_obs``. Like anndata's own writer,
        string columns become categoricals. Read it back with ``load()``, or
        slices of it without loading with ``open()``/``backed()``.

        Example:
            >>> adata = ln.datasets.anndata_pbmc_like(n_obs=100)  # doctest: +SKIP
            >>> artifact = ln.Artifact.from_anndata(adata, key="pbmc.h5ad").save()  # doctest: +SKIP
            >>> artifact.n_observations  # doctest: +SKIP
            100
        """
        return cls._from_object(
            adata, "AnnData", key, description, run, version, is_new_version_of or revises, format
        )

    @classmethod
    def from_mudata(
        cls,
        mdata: Any,
        key: str | None = None,
        description: str | None = None,
        run: Run | None = None,
        version: str | None = None,
        is_new_version_of: Artifact | None = None,
        revises: Artifact | None = None,
    ) -> Artifact:
        """An artifact holding a MuData, stored as ``.h5mu`` (needs the ``mudata`` package).

        Example:
            >>> ln.Artifact.from_mudata(mdata, key="multiome.h5mu").save()  # doctest: +SKIP
        """
        return cls._from_object(
            mdata, "MuData", key, description, run, version, is_new_version_of or revises
        )

    @property
    def schemas(self) -> Any:
        """LaminDB 2's name of ``feature_sets``.

        Example:
            >>> artifact.schemas.all()  # doctest: +SKIP
        """
        return self.feature_sets

    @classmethod
    def from_dir(
        cls, path: str | Path, key: str | None = None, *, run: Run | None = None
    ) -> list[Artifact]:
        """One unsaved artifact per file below a folder (recursively); save them with ``ln.save``.

        Keys are ``<folder key>/<relative path>``: the folder's key in its
        storage, or ``key`` (default: the folder's name) for a folder outside
        every storage root, whose files are then copied into storage (files
        whose content appears twice are then copied once). Calling it again returns
        the registered records. ``ln.Artifact(folder)`` makes one artifact of
        the whole folder instead.

        Example:
            >>> folder = "./lamin-tutorial/iris_studies/study0_raw_images"
            >>> artifacts = ln.Artifact.from_dir(folder)  # doctest: +SKIP
            >>> ln.save(artifacts)  # doctest: +SKIP
        """
        from lineagedb.storage.hashing import list_folder

        source, _ = resolve_source(path)
        if not isinstance(source, Path) or not source.is_dir():
            raise InvalidArgument(
                f"from_dir() takes a local folder; '{path}' is not one. For a single file, "
                "use ln.Artifact(path)."
            )
        storage, folder_key = storage_for(source)
        if folder_key is None:
            folder_key = key or source.name
            check_key(folder_key)
            logger.warning(
                f"folder '{source}' is outside every storage root: its files will be copied "
                f"into storage '{storage.root}' under keys '{folder_key}/…'"
            )
            in_place = False
        else:
            if key is not None and key != folder_key:
                raise InvalidArgument(
                    f"Folder '{source}' is in storage '{storage.root}' with key {folder_key!r}; "
                    f"its files cannot get keys under {key!r}. Omit key=, or move the folder first."
                )
            in_place = True
        artifacts: list[Artifact] = []
        seen: dict[tuple[str | None, str | None], str] = {}
        for relative, file_path in list_folder(source):
            file_key = None if in_place else f"{folder_key}/{relative}"
            artifact = cls(file_path, key=file_key, run=run, _hint=False)
            content = (artifact.hash, artifact.hash_type)
            if not in_place and content in seen:  # copies are stored once; paths stay paths
                logger.warning(
                    f"dropping '{relative}': its content equals that of '{seen[content]}'"
                )
                if artifact._state.adding and artifact._staged is not None:
                    artifact._staged.discard()  # its staged copy goes now
                    artifact._keep_staged(None)
                continue
            seen[content] = relative
            artifacts.append(artifact)
        logger.success(
            f"created {len(artifacts)} artifacts from directory using storage {storage.root} "
            f"and key = {folder_key}/"
        )
        return artifacts

    @classmethod
    def find_by_content(
        cls,
        hash: str,
        hash_type: str,
        *,
        visibility: int | None = 1,
        storage_id: int | None = None,
        managed: bool | None = None,
    ) -> Artifact | None:
        """The artifact holding these bytes (same hash of the same kind), or None.

        Same bytes means same hash of the same kind: an empty folder (md5-d
        of nothing) is not an empty file, though both digests are md5(b"").

        Example:
            >>> ln.Artifact.find_by_content("fnulg6QpxZv2sqBJo_hWyg", "md5")  # doctest: +SKIP
            Artifact(uid='4g7SUv5VQIreojW60000', key='iris_studies/study0_raw_images/meta.csv', ...)
        """
        conditions: dict[str, Any] = {"hash": hash, "hash_type": hash_type}
        if visibility is not None:
            conditions["visibility"] = visibility
        if storage_id is not None:
            conditions["storage_id"] = storage_id
        if managed is not None:
            conditions["key_is_virtual"] = managed
        # Plain SQL: the ORM's query compilation is most of a lookup's cost.
        found = _plain.rows(cls, ("id",), limit=1, **conditions)
        return cls.objects.get(id=found[0][0]) if found else None

    def _remember_files(self, content: ContentHash) -> None:
        """Keep a folder's files until save() records them (FolderManifest)."""
        if content.files is not None:
            self.__dict__["_folder_content"] = content

    def _keep_staged(self, staged: Staged | None) -> None:
        """Hold staged bytes until save(); they go with this object if it is never saved."""
        finalizer = self.__dict__.pop("_staged_finalizer", None)
        if finalizer is not None:
            finalizer.detach()
        self._staged = staged
        if staged is not None:
            self.__dict__["_staged_finalizer"] = weakref.finalize(self, staged.discard)

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
        self._check_instance()
        if self._state.adding and "_memory" in self.__dict__:
            # Serialized already: the real local file, until save() moves it.
            if self._staged is not None:
                return self._staged.location.upath
            if self._local_source is not None:
                return Location(self._local_source).upath
        return self._stored_path

    @property
    def _stored_path(self) -> UPath:
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
            return Location(self._local_source).upath
        session.tracked.record_input(self)
        self._warn_if_changed()
        return Location(self.path).cached(
            f"Restore them, or delete the record with ln.Artifact.get('{self.uid}')"
            ".delete(permanent=True).",
            self._content,
        )

    def open(self, mode: str = "r", is_run_input: bool | None = None) -> Any:
        """Open an array store in place without loading it: ``.h5ad``, ``.h5``, ``.zarr``.

        Returns an ``AnnDataAccessor`` for AnnData (``shape``, ``obs``,
        ``var``, lazy ``X``, ``layers``, …; index it like an AnnData to read
        only the selected rows and columns) or a ``BackedAccessor`` with the
        ``h5py.File``/``zarr.Group``. Cloud objects are streamed, never
        downloaded whole. Counts as an input of the current run. Close it,
        or use it as a context manager. Alias: ``backed()``.

        Example:
            >>> with artifact.open() as adata:  # doctest: +SKIP
            ...     adata[adata.obs.cell_type == "B cell"].X.shape
            (342, 2000)
        """
        from lineagedb.arrays.backed import check_backed_suffix, open_backed

        if mode != "r":
            raise InvalidArgument(
                f"open() reads stored arrays (mode='r'), not mode={mode!r}: stored bytes change "
                "only through a new version. Use load(), change it, and save a new version."
            )
        check_backed_suffix(self.suffix, f"Artifact {self.uid}")
        if self._state.adding and "_memory" not in self.__dict__ and self._local_source:
            path: Any = Location(self._local_source).upath
        else:
            path = self.path
        if not self._state.adding:
            self._warn_if_changed()
        accessor = open_backed(path, name=self.key or f"{self.uid}{self.suffix}")
        if is_run_input is not False and not self._state.adding:
            session.tracked.record_input(self)
        return accessor

    def backed(self, mode: str = "r", is_run_input: bool | None = None) -> Any:
        """LaminDB 0.70's name of ``open()``.

        Example:
            >>> artifact.backed().shape  # doctest: +SKIP
            (2700, 32738)
        """
        return self.open(mode, is_run_input)

    def changed(self) -> str | None:
        """How the bytes of an artifact registered in place changed since, or None.

        Size first; a file modified since registration is hashed (once per
        process while it stays as it is). Managed copies are None: only
        lineagedb writes them.

        Example:
            >>> artifact.changed()  # doctest: +SKIP
            'size 4170 → 4203 bytes'
        """
        from lineagedb.storage.drift import change

        if self._state.adding or self.key_is_virtual or self.key is None:
            return None
        return change(Location(self.path), self._content, self.created_at.timestamp())

    def _warn_if_changed(self) -> None:
        how = self.changed()
        if how is None or how == "missing":
            return  # missing bytes get their own error from the reader
        logger.warning(
            f"artifact {self.uid}: '{self.path}' changed since it was registered ({how}); "
            "what you read now is not what the record describes. Register it as a new "
            f"version: ln.Artifact('{self.path}').save() (command line: lineagedb save "
            f"{self.path})"
        )

    @property
    def _content(self) -> ContentHash:
        return ContentHash(self.hash or "", self.hash_type or "", self.size or 0, self.n_objects)

    def verify(self) -> bool:
        """Re-check the stored bytes against the record; True, or StorageMismatch.

        Local bytes are hashed in full; cloud objects are compared by ETag
        hash (or size, for multipart ETags against a full-content hash). A
        folder that differs names its files that changed, went missing or
        are new.

        Example:
            >>> artifact.verify()  # doctest: +SKIP
            True
        """
        try:
            Location(self.path).verify(self._content, f"artifact {self.uid}")
        except StorageMismatch:
            manifest = FolderManifest.objects.filter(artifact_id=self.pk).first()
            if manifest is None or not Location(self.path).exists():
                raise
            lines = differences(manifest.files, Location(self.path).hash())
            if not lines:
                raise
            shown = "; ".join(lines[:_SHOWN_FILES]) + ("; ..." if len(lines) > _SHOWN_FILES else "")
            raise StorageMismatch(
                f"The folder of artifact {self.uid} at '{self.path}' differs from its record in "
                f"{len(lines)} file(s): {shown}. Register it as a new version "
                f"(ln.Artifact('{self.path}').save()), or restore the files."
            ) from None
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

        if self._state.adding and "_memory" in self.__dict__:
            return self.__dict__["_memory"]
        if self.n_objects is not None and self.suffix not in serializers.FOLDER_SUFFIXES:
            raise NoLoader(
                f"Artifact {self.uid} is a folder of {self.n_objects} files; folders have no "
                "loader. Use artifact.cache() and read the files you need."
            )
        return load(local_path(self.cache()), self.suffix, allow_pickle=allow_pickle, **kwargs)

    # -- persistence ---------------------------------------------------------------

    def save(self, *args: Any, **kwargs: Any) -> Artifact:
        """Write the record, and store its bytes if they need storing.

        Bytes are staged under a temporary name (when the artifact was
        created, or now for an upload) and take their final name inside the
        transaction that writes the record, so the record is never visible
        before its bytes; if the transaction fails, the bytes are removed.

        Example:
            >>> ln.Artifact("meta.csv", description="study 0 metadata").save()  # doctest: +SKIP
        """
        self._check_text_fields()
        if not self._state.adding:
            replacement = replacing.drop(self)
            if replacement is None:
                super().save(*args, **kwargs)
            else:
                replacing.commit(self, replacement)
            return self
        pending = self._stage_for_save()

        def write() -> None:
            self._save_new_relations()
            self._insert_version(lambda: Record.save(self, *args, **kwargs))
            if "_folder_content" in self.__dict__:
                write_manifest(self, self.__dict__["_folder_content"])
            if "_annotate_with" in self.__dict__:  # from_df(..., schema=): in the same transaction
                self._annotate_table(*self.__dict__["_annotate_with"])

        try:
            save_staged(pending, write)
        except BaseException as error:
            self._discard_staged()
            existing = self._same_managed_content() if isinstance(error, IntegrityError) else None
            if existing is None:
                raise
            # Another process saved the same bytes first: that record is this one.
            logger.warning(f"returning existing artifact with same hash: {existing}")
            self._become(existing)
        self._finish_save()
        return self

    def _stage_for_save(self) -> list[tuple[Staged, Any]]:
        """Stage the bytes not staged yet (uploads); what save_staged() must commit."""
        if self._staged is None and self._local_source is None and "_memory" in self.__dict__:
            # A failed save discarded the bytes written at construction: write them again.
            accessor, suffix = self.accessor or "", self.suffix
            folder = Location(self.storage.path / MANAGED_FOLDER)
            staged = folder.stage_written(self._writer(self.__dict__["_memory"], accessor, suffix))
            assert staged.content is not None
            self.size, self.hash = staged.content.size, staged.content.hash
            self._keep_staged(staged)
        if self._local_source is None and self._staged is None:
            return []
        if not self.key_is_virtual and self.key is not None:
            _check_real_key_free(self.storage, self.key)  # taken since the constructor?
        if self._staged is None:
            assert self._local_source is not None
            path = self._stored_path
            check_inside(path, self.storage.root)
            self._keep_staged(Location(path).parent.stage(self._local_source, self._content))
        assert self._staged is not None
        return [(self._staged, lambda: Location(self._stored_path))]

    def _save_new_relations(self) -> None:
        self.storage = self.storage.save_if_new()

    def _discard_staged(self) -> None:
        # The bytes went with the failed transaction; a retry stages them anew.
        self._keep_staged(None)

    def _finish_save(self) -> None:
        self.__dict__.pop("_folder_content", None)
        self.__dict__.pop("_annotate_with", None)
        if self._source_is_temporary and self._local_source is not None:
            Location(self._local_source).remove()
        self._local_source = None
        self.__dict__.pop("_memory", None)
        self._keep_staged(None)
        logger.debug(f"stored {self.size} bytes at {self.path}")

    def _same_managed_content(self) -> Artifact | None:
        return Artifact.find_by_content(
            self.hash or "", self.hash_type or "", storage_id=self.storage_id, managed=True
        )

    def replace(self, data: Any) -> Artifact:
        """Stage ``data`` (a local path or DataFrame) as the new bytes; ``save()`` stores them.

        The record keeps its uid. Managed bytes may change suffix; bytes
        registered in place are overwritten at their key and must keep it.
        Until ``save()`` the stored bytes and the record are untouched (an
        artifact replaced but never saved loses only the staged copy); then
        the new bytes take the final name in the transaction that updates
        the record.

        Example:
            >>> artifact.replace("meta_fixed.csv")  # doctest: +SKIP
            >>> artifact.save()  # doctest: +SKIP
        """
        replacing.stage(self, data)
        return self

    def _delete_permanently(self, storage: bool | None) -> None:
        # The record goes first, then the bytes: a crash in between leaves
        # unreferenced bytes, never a record pointing at missing bytes.
        managed = self._storage_key.startswith(f"{MANAGED_FOLDER}/")
        path = self.path
        collections = list(
            Collection.objects.filter(links__artifact=self).values_list("uid", flat=True)
        )
        with transaction.atomic():
            # The collections stay, without this member (as in LaminDB).
            self.collection_links.all().delete()
            Record.delete(self)
        if collections:
            logger.warning(
                f"artifact {self.uid} was removed from collection(s) {', '.join(collections)}, "
                "which now have fewer members"
            )
        if managed or storage:
            Location(path).remove()
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
            old = Location(self.storage.path / f"{MANAGED_FOLDER}/{old_uid}{self.suffix}")
            old.copy_to(Location(self.path))
            transaction.on_commit(old.remove)
        super()._move_to_uid()
