"""Artifact: a file, folder or in-memory object in storage, with its metadata.

The model holds the fields and thin public methods. How data becomes a
record is ``construction.py``; what an unsaved artifact holds until
``save()`` is its draft (``draft.py``); storing and deleting bytes is
``persistence.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import models

from lineagedb._base.logger import logger
from lineagedb._base.session import session
from lineagedb.errors import InvalidArgument, NoLoader, StorageMismatch
from lineagedb.models import _plain, _uid
from lineagedb.models.annotations.features import Annotated
from lineagedb.models.annotations.tables import annotate_with_table, check_table
from lineagedb.models.artifact import persistence, replacing
from lineagedb.models.artifact.construction import Options, build
from lineagedb.models.artifact.draft import Draft
from lineagedb.models.artifact.manifest import FolderManifest, differences
from lineagedb.models.artifact.source import resolve_source, storage_for
from lineagedb.models.versioning import VersionedRecord
from lineagedb.storage import serializers
from lineagedb.storage.formats import FOLDER_SUFFIXES, OBJECTS
from lineagedb.storage.hashing import ContentHash
from lineagedb.storage.location import Location
from lineagedb.storage.paths import MANAGED_FOLDER, check_key, local_path

if TYPE_CHECKING:
    import anndata as ad
    import pandas as pd
    from upath import UPath

    from lineagedb.models.run import Run
    from lineagedb.storage.location import Staged


# A folder that no longer matches its record names at most this many files.
_SHOWN_FILES = 20


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
    _lineage_shape = "box"
    # What this artifact holds besides its fields until save() (see draft.py).
    _draft_state: Draft | None = None

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
        checked = self._check_revises(is_new_version_of or revises, version)
        if key is not None:
            check_key(key)
        in_memory = serializers.accessor_of(data)
        if in_memory is not None and _hint:
            named = OBJECTS[in_memory].constructor
            logger.hint(f"data is a {in_memory}: Artifact.{named}() says so explicitly")
        built = build(data, Options(key, description, version, checked, run, format))
        draft = built.draft
        if built.existing is not None:
            super().__init__()
            self._become(built.existing)
            self._draft_state = draft
            return
        try:
            super().__init__(**built.fields)
            self._draft_state = draft
            draft.keep_staged(self, draft.staged)
            if built.revises is not None:
                self._preview_version(built.revises, lenient=built.family_by_key)
        except BaseException:
            draft.discard()
            raise

    @property
    def _draft(self) -> Draft:
        """The draft; an artifact loaded from the database gets an empty one."""
        if self._draft_state is None:
            self._draft_state = Draft()
        return self._draft_state

    def _lineage_label(self) -> str:
        return self.key or self.description or f"{self.uid}{self.suffix}"

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
            article = "an" if accessor[0] in "AEIOU" else "a"
            raise InvalidArgument(
                f"{OBJECTS[accessor].constructor}() takes {article} {accessor}, not a "
                f"{type(data).__name__}; use ln.Artifact(path) for files."
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
        categoricals = check_table(df, schema) if schema is not None else None
        artifact = cls._from_object(
            df, "DataFrame", key, description, run, version, is_new_version_of or revises
        )
        if categoricals is not None and artifact._state.adding:
            annotate_on_save(artifact, lambda host: annotate_with_table(host, df, categoricals))
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
                if artifact._state.adding:
                    artifact._draft.discard()  # its staged copy goes now
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

    # -- bytes -------------------------------------------------------------------

    @property
    def _storage_key(self) -> str:
        if self.key_is_virtual or self.key is None:
            return f"{MANAGED_FOLDER}/{self.uid}{self.suffix}"
        return self.key

    def _unsaved_bytes(self) -> UPath | None:
        """The local bytes an unsaved artifact reads (its source, or its staged copy), else None.

        The one answer ``path``, ``cache()``, ``open()`` and ``load()`` share
        to "which local bytes do I read" before ``save()``.
        """
        return self._draft.unsaved_bytes() if self._state.adding else None

    @property
    def path(self) -> UPath:
        """Where the bytes are (or will be after ``save()``), as a UPath.

        An unsaved in-memory object is serialized already: its path is that
        file until ``save()`` moves it.

        Example:
            >>> artifact.path  # doctest: +SKIP
            PosixUPath('/home/me/lamin-tutorial/iris_studies/study0_raw_images/meta.csv')
        """
        self._check_instance()
        unsaved = self._unsaved_bytes() if self._draft.has_object else None
        return unsaved if unsaved is not None else self._stored_path

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
        unsaved = self._unsaved_bytes()
        if unsaved is not None:
            return unsaved
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
        unsaved = self._unsaved_bytes()
        if not self._state.adding:
            self._warn_if_changed()
        path = unsaved if unsaved is not None else self.path
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

        if self._state.adding and self._draft.has_object:
            return self._draft.memory
        if self.n_objects is not None and self.suffix not in FOLDER_SUFFIXES:
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
        persistence.save(self, *args, **kwargs)
        return self

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

    # The protocol ln.save() uses for records that hold bytes (models/bulk.py).
    def _saves_alone(self) -> bool:
        return super()._saves_alone() or self._draft.saves_alone

    def _stage_for_save(self) -> list[tuple[Staged, Any]]:
        return persistence.stage_for_save(self)

    def _save_new_relations(self) -> None:
        self.storage = self.storage.save_if_new()

    def _discard_staged(self) -> None:
        # The bytes went with the failed transaction; a retry stages them anew.
        self._draft.keep_staged(self, None)

    def _finish_save(self) -> None:
        self._draft.stored()
        logger.debug(f"stored {self.size} bytes at {self.path}")

    def _same_managed_content(self) -> Artifact | None:
        return Artifact.find_by_content(
            self.hash or "", self.hash_type or "", storage_id=self.storage_id, managed=True
        )

    def _delete_permanently(self, storage: bool | None) -> None:
        persistence.delete_permanently(self, storage)

    def _move_to_uid(self) -> None:
        persistence.move_bytes_to_uid(self)
        super()._move_to_uid()


def annotate_on_save(artifact: Artifact, annotate: Callable[[Artifact], None]) -> None:
    """Have the next ``artifact.save()`` run ``annotate(artifact)`` in its transaction.

    The one way a checked table's features and labels are saved: by
    ``from_df(..., schema=)`` and by every curator's ``save_artifact()``.
    If annotating fails, the record (a new one) and its bytes are not saved.

    Example:
        >>> annotate_on_save(artifact, lambda a: annotate_with_table(a, df, ["cell_type"]))
        ... # doctest: +SKIP
        >>> artifact.save()  # doctest: +SKIP
    """
    artifact._draft.annotate = annotate


def not_applied(artifact: Artifact) -> dict[str, Any]:
    """The values given to ``Artifact(...)`` that an already registered record did not take.

    Example:
        >>> not_applied(ln.Artifact("meta.csv", description="new text"))  # doctest: +SKIP
        {'description': 'new text'}
    """
    return dict(artifact._draft.not_applied)
