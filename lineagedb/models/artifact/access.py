"""Reading an artifact's bytes: ``path``, ``cache()``, ``open()``, ``load()``, ``verify()``.

Example:
    >>> with adata_artifact.open() as accessor:
    ...     accessor.shape
    (40, 10)
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, cast

from lineagedb._base.logger import logger
from lineagedb._base.session import session
from lineagedb.errors import InvalidArgument, NoLoader, StorageMismatch
from lineagedb.models.artifact.manifest import FolderManifest, differences
from lineagedb.storage.formats import FOLDER_SUFFIXES
from lineagedb.storage.hashing import ContentHash
from lineagedb.storage.location import Location
from lineagedb.storage.paths import MANAGED_FOLDER, local_path, to_upath

if TYPE_CHECKING:
    from upath import UPath


# A folder that no longer matches its record names at most this many files.
_SHOWN_FILES = 20


class ByteAccess:
    """An artifact's bytes: where they are, a local copy, reading them whole or in place.

    Before ``save()``, ``_unsaved_bytes()`` is the one answer to which local
    bytes ``path``, ``cache()``, ``open()`` and ``load()`` read.

    Example:
        >>> artifact.cache() == artifact.path  # local storage: the bytes where they are
        True
        >>> artifact.load().shape
        (2, 2)
    """

    if TYPE_CHECKING:  # fields and helpers of the Artifact model
        uid: str
        key: str | None
        suffix: str
        key_is_virtual: bool
        storage: Any
        hash: str | None
        hash_type: str | None
        size: int | None
        n_objects: int | None
        created_at: Any
        pk: Any
        _state: Any
        _draft: Any

        def _check_instance(self) -> None: ...

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
            >>> artifact.path
            PosixUPath('.../lamin-tutorial/iris_studies/study0_raw_images/meta.csv')
        """
        self._check_instance()
        # A saved artifact reads its stored path (and gets no draft just for asking).
        unsaved = self._unsaved_bytes() if self._state.adding and self._draft.has_object else None
        return unsaved if unsaved is not None else self._stored_path

    @property
    def _stored_path(self) -> UPath:
        return self.storage.path / self._storage_key

    def cache(self, is_run_input: bool | None = None) -> UPath:
        """A local path to the bytes: the stored path for local storage, else a cached copy.

        Cloud objects are downloaded to ``<cache dir>/<bucket>/<key>`` once
        and again only when the object changed. The tracked run records the
        artifact as an input unless ``is_run_input=False``.

        Example:
            >>> artifact.cache()
            PosixUPath('.../lamin-tutorial/iris_studies/study0_raw_images/meta.csv')
        """
        cached = self._cached(as_input=is_run_input is not False)
        return cast("UPath", cached) if hasattr(cached, "protocol") else to_upath(cached)

    def _cached(self, as_input: bool = True) -> Path | UPath:
        """cache()'s local path, a plain Path for local storage (``load()`` then builds no
        UPath: fsspec's import is ~30 ms of a process's first load). ``as_input=False``:
        a read the tracked run did not make (the UI's previews and downloads)."""
        unsaved = self._unsaved_bytes()
        if unsaved is not None:
            return unsaved
        if as_input:
            session.tracked.record_input(self)
        self._warn_if_changed()
        return self._location.cached(
            f"Restore them, or delete the record with ln.Artifact.get('{self.uid}')"
            ".delete(permanent=True).",
            self._content,
        )

    @property
    def _location(self) -> Location:
        """Where the stored bytes are, as a Location (no UPath for local storage)."""
        self._check_instance()
        return self.storage.location / self._storage_key

    def open(
        self, mode: str = "r", is_run_input: bool | None = None, engine: str = "pyarrow"
    ) -> Any:
        """Open stored data in place without loading it: tables lazily, arrays backed.

        Tables (``.parquet``, ``.csv``, ``.tsv``, Arrow IPC, a folder of parquet)
        give a ``pyarrow.dataset.Dataset`` (``engine="pyarrow"``) or a polars
        ``LazyFrame`` (``engine="polars"``): filters and column selections are
        pushed down, so only the row groups and columns needed are read.
        Arrays (``.h5ad``, ``.h5``, ``.zarr``) give an ``AnnDataAccessor``
        (``shape``, ``obs``, ``var``, lazy ``X``, ``layers``, …; index it like
        an AnnData to read only the selected rows and columns) or a
        ``BackedAccessor`` with the ``h5py.File``/``zarr.Group``; close it, or
        use it as a context manager. Cloud objects are streamed, never
        downloaded whole. Counts as an input of the current run. Alias:
        ``backed()``.

        Example:
            >>> with adata_artifact.open() as accessor:
            ...     accessor[accessor.obs.cell_type == "B cell"].X.shape
            (..., 10)
            >>> import pyarrow.dataset as ds
            >>> long = ds.field("sepal_length") > 0.065  # metres
            >>> df_artifact.open().to_table(columns=["sepal_width"], filter=long).num_rows
            4
        """
        from lineagedb.arrays.backed import check_backed_suffix, open_backed
        from lineagedb.arrays.tables import is_table_suffix, open_table

        if mode != "r":
            raise InvalidArgument(
                f"open() reads stored data (mode='r'), not mode={mode!r}: stored bytes change "
                "only through a new version. Use load(), change it, and save a new version."
            )
        is_table = is_table_suffix(self.suffix) or (
            self.suffix == "" and (self.n_objects or 0) > 0  # a folder (of parquet)
        )
        if not is_table:
            check_backed_suffix(self.suffix, f"Artifact {self.uid}")
        unsaved = self._unsaved_bytes()
        if not self._state.adding:
            self._warn_if_changed()
        path = unsaved if unsaved is not None else self.path
        if is_table:
            opened = open_table([path], self.suffix, engine)
        else:
            opened = open_backed(path, name=self.key or f"{self.uid}{self.suffix}")
        if is_run_input is not False and not self._state.adding:
            session.tracked.record_input(self)
        return opened

    def backed(self, mode: str = "r", is_run_input: bool | None = None) -> Any:
        """LaminDB 0.70's name of ``open()``.

        Example:
            >>> adata_artifact.backed().shape
            (40, 10)
        """
        return self.open(mode, is_run_input)

    def changed(self) -> str | None:
        """How the bytes of an artifact registered in place changed since, or None.

        Size first; a file modified since registration is hashed (once per
        process while it stays as it is). Managed copies are None: only
        lineagedb writes them.

        Example:
            >>> artifact.changed() is None  # unchanged
            True
            >>> with open(artifact.path, "a") as handle:
            ...     _ = handle.write("virginica,iris-new.jpg\\n")
            >>> artifact.changed()
            'size 170 → 193 bytes'
        """
        from lineagedb.storage.drift import change

        if self._state.adding or self.key_is_virtual or self.key is None:
            return None
        return change(self._location, self._content, self.created_at.timestamp())

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
            >>> artifact.verify()
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
            >>> artifact.load(index_col=0).iloc[:, 0].tolist()
            ['versicolor', 'setosa']
        """
        from lineagedb.storage.loaders import load

        if self._state.adding and self._draft.has_object:
            return self._draft.memory
        if self.n_objects is not None and self.suffix not in FOLDER_SUFFIXES:
            raise NoLoader(
                f"Artifact {self.uid} is a folder of {self.n_objects} files; folders have no "
                "loader. Use artifact.cache() and read the files you need."
            )
        return load(local_path(self._cached()), self.suffix, allow_pickle=allow_pickle, **kwargs)


def path_text(artifact: Any) -> str:
    """Where an artifact's bytes are, as text, without building a UPath (fsspec's import).

    Example:
        >>> path_text(df_artifact)
        '.../lamin-tutorial/.lineagedb/....parquet'
    """
    return f"{artifact.storage.root.rstrip('/')}/{artifact._storage_key}"


def file_name(artifact: Any) -> str | None:
    """The name a copy of the artifact gets: its key's last part, else its file's name when
    it was registered (managed bytes are stored as ``<uid><suffix>``).

    Example:
        >>> file_name(artifact)
        'meta.csv'
    """
    return PurePosixPath(artifact.key).name if artifact.key else artifact._original_name
