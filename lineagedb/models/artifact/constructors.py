"""``Artifact.from_df()``, ``from_anndata()``, ``from_mudata()``, ``from_dir()`` and
``find_by_content()``: artifacts made from objects, folders and hashes.

Example:
    >>> artifacts = ln.Artifact.from_dir("./lamin-tutorial/iris_studies/study0_raw_images")
    >>> sorted(a.suffix for a in artifacts)
    ['.csv', '.jpg', '.jpg']
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from lineagedb._base.logger import logger
from lineagedb.errors import InvalidArgument
from lineagedb.models import _plain
from lineagedb.models.annotations.tables import annotate_with_table, check_table
from lineagedb.models.artifact.draft import annotate_on_save
from lineagedb.models.artifact.source import resolve_source, storage_for
from lineagedb.storage import serializers
from lineagedb.storage.formats import OBJECTS
from lineagedb.storage.paths import check_key

if TYPE_CHECKING:
    import anndata as ad
    import pandas as pd

    from lineagedb.models.artifact.model import Artifact
    from lineagedb.models.run import Run


class Constructors:
    """The named constructors of ``Artifact`` and the lookup by content.

    Example:
        >>> ln.Artifact.from_df(df, key="iris/study1.parquet").n_observations
        75
    """

    if TYPE_CHECKING:  # what the Artifact model gives its constructors
        objects: Any
        hash: str | None
        hash_type: str | None
        _state: Any
        _draft: Any

        def __init__(self, data: Any = None, **options: Any) -> None: ...

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
    ) -> Self:
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
        **unexpected: Any,
    ) -> Self:
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
            >>> df = ln.datasets.df_iris_in_meter_study1()
            >>> artifact = ln.Artifact.from_df(df, key="iris/study1.parquet")
            >>> artifact = artifact.save()
            >>> artifact.load().shape
            (75, 5)
        """
        _refuse_unexpected("from_df", unexpected)
        categoricals = check_table(df, schema) if schema is not None else None
        artifact = cls._from_object(
            df, "DataFrame", key, description, run, version, is_new_version_of or revises
        )
        if categoricals is not None:
            if not artifact._state.adding:  # the same table registered before: annotate it
                logger.info(
                    f"save() links the schema's features and labels to the registered "
                    f"artifact {getattr(artifact, 'uid', '')}"
                )
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
        **unexpected: Any,
    ) -> Self:
        """An artifact holding an AnnData, stored as ``.h5ad`` (default) or a ``.zarr`` folder.

        ``format`` (``"h5ad"``, ``"zarr"``, ``"zrad"``) or the key's suffix
        chooses; ``n_observations`` is ``n_obs``. Like anndata's own writer,
        string columns become categoricals. Read it back with ``load()``, or
        slices of it without loading with ``open()``/``backed()``.

        Example:
            >>> adata = ln.datasets.anndata_counts(n_obs=100, n_vars=20)
            >>> artifact = ln.Artifact.from_anndata(adata, key="counts.h5ad").save()
            >>> artifact.n_observations
            100
        """
        _refuse_unexpected("from_anndata", unexpected)
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
        **unexpected: Any,
    ) -> Self:
        """An artifact holding a MuData, stored as ``.h5mu`` (needs the ``mudata`` package).

        Example:
            >>> import mudata
            >>> with mudata.set_options(pull_on_update=False):  # mudata 0.4's behaviour
            ...     mdata = mudata.MuData({"rna": adata})
            ...     ln.Artifact.from_mudata(mdata, key="multiome.h5mu").save().suffix
            '.h5mu'
        """
        _refuse_unexpected("from_mudata", unexpected)
        return cls._from_object(
            mdata, "MuData", key, description, run, version, is_new_version_of or revises
        )

    @classmethod
    def from_dir(
        cls, path: str | Path, key: str | None = None, *, run: Run | None = None
    ) -> list[Self]:
        """One unsaved artifact per file below a folder (recursively); save them with ``ln.save``.

        Keys are ``<folder key>/<relative path>``: the folder's key in its
        storage, or ``key`` (default: the folder's name) for a folder outside
        every storage root, whose files are then copied into storage (files
        whose content appears twice are then copied once). Calling it again returns
        the registered records. ``ln.Artifact(folder)`` makes one artifact of
        the whole folder instead.

        Example:
            >>> folder = "./lamin-tutorial/iris_studies/study0_raw_images"
            >>> artifacts = ln.Artifact.from_dir(folder)
            >>> len(ln.save(artifacts))
            3
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
        artifacts: list[Self] = []
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
    ) -> Self | None:
        """The artifact holding these bytes (same hash of the same kind), or None.

        Same bytes means same hash of the same kind: an empty folder (md5-d
        of nothing) is not an empty file, though both digests are md5(b"").

        Example:
            >>> ln.Artifact.find_by_content(artifact.hash, "md5") == artifact
            True
            >>> ln.Artifact.find_by_content(artifact.hash, "md5-d") is None  # not a folder
            True
        """
        conditions: dict[str, Any] = {"hash": hash, "hash_type": hash_type}
        if visibility is not None:
            conditions["visibility"] = visibility
        if storage_id is not None:
            conditions["storage_id"] = storage_id
        if managed is not None:
            conditions["key_is_virtual"] = managed
        # Plain SQL: the ORM's query compilation is most of a lookup's cost.
        return _plain.first(cls, **conditions)


def _refuse_unexpected(constructor: str, unexpected: dict[str, Any]) -> None:
    """A constructor given keywords it does not take: InvalidArgument (a ValueError, as in
    LaminDB 0.70) naming them, before anything is written."""
    if unexpected:
        raise InvalidArgument(
            f"Artifact.{constructor}() got unexpected arguments "
            f"{', '.join(map(repr, unexpected))}; see help(ln.Artifact.{constructor})."
        )
