"""Collection: an ordered, versioned group of artifacts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models, transaction

from lineagedb._base.logger import logger
from lineagedb._base.session import current_run, session
from lineagedb.errors import InvalidArgument, MixedSuffixes, NoLoader, WrongType
from lineagedb.models import _uid
from lineagedb.models.annotations.features import Annotated
from lineagedb.models.project import link_to_tracked_project
from lineagedb.models.query.queryset import QuerySet
from lineagedb.models.record import Record
from lineagedb.models.versioning import VersionedRecord
from lineagedb.storage.formats import format_of
from lineagedb.storage.hashing import hash_bytes

if TYPE_CHECKING:
    from upath import UPath

    from lineagedb.arrays.mapped import MappedCollection
    from lineagedb.models.artifact import Artifact
    from lineagedb.models.run import Run


def collection_hash(artifacts: list[Artifact]) -> str:
    """The hash of an ordered list of artifacts: same members in same order, same hash.

    Example:
        >>> collection_hash([artifact, df_artifact]) != collection_hash([df_artifact, artifact])
        True
    """
    return hash_bytes("\n".join(f"{a.hash_type}:{a.hash}" for a in artifacts).encode())


def _joins(suffix: str) -> str:
    """How load() joins members with this suffix: "table", "AnnData", or the suffix itself."""
    known = format_of(suffix)
    return known.joins if known is not None and known.joins is not None else suffix


class Collection(Annotated, VersionedRecord):
    """An ordered group of saved artifacts, versioned as a whole.

    Args:
        artifacts: One saved artifact or a list of them, in order.
        name: The collection's name; a new version keeps its family's name.
        description: Free text.
        version: A version string; a new version defaults to the next number.
        is_new_version_of: The collection this one is the next version of
            (alias ``revises``).
        reference: An external identifier, e.g. a GEO accession.
        reference_type: What ``reference`` is, e.g. ``"GEO"``.
        run: The Run that created it.

    Example:
        >>> import lineagedb as ln
        >>> v1 = ln.Collection(artifact, name="Iris collection", version="1").save()
        >>> v2 = ln.Collection([artifact, adata_artifact], is_new_version_of=v1).save()
        >>> v2.version
        '2'
    """

    _search_fields = ("name", "description")
    _name_field = "name"
    _repr_exclude = ("created_at", "updated_at", "is_latest")
    _lineage_shape = "box3d"
    _delete_with_rules = True
    # Set by the constructor: the members to link on save().
    _members: list[Artifact] | None = None

    uid = models.CharField(max_length=20, unique=True, default=_uid.collection_uid)
    name = models.CharField(max_length=150, db_index=True)
    description = models.TextField(null=True, blank=True)
    version = models.CharField(max_length=30, null=True, blank=True, db_index=True)
    hash = models.CharField(max_length=86, null=True, blank=True, db_index=True)
    reference = models.CharField(max_length=255, null=True, blank=True, db_index=True)
    reference_type = models.CharField(max_length=25, null=True, blank=True)
    transform = models.ForeignKey(
        "Transform", models.SET_NULL, null=True, blank=True, related_name="output_collections"
    )
    run = models.ForeignKey(
        "Run", models.SET_NULL, null=True, blank=True, related_name="output_collections"
    )
    artifact = models.ForeignKey(
        "Artifact", models.PROTECT, null=True, blank=True, related_name="+"
    )
    visibility = models.SmallIntegerField(default=1)
    is_latest = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey("User", models.PROTECT, related_name="+")
    ulabels = models.ManyToManyField(
        "ULabel", through="CollectionULabel", related_name="collections", blank=True
    )
    feature_sets = models.ManyToManyField(
        "FeatureSet", through="CollectionFeatureSet", related_name="collections", blank=True
    )

    def _saves_alone(self) -> bool:
        # Its save() links its members in order and their feature sets.
        return super()._saves_alone() or bool(self._members)

    def _lineage_label(self) -> str:
        return f"{self.name} (v{self.version})" if self.version else str(self.name)

    def __init__(
        self,
        artifacts: Artifact | list[Artifact] | None = None,
        *,
        name: str | None = None,
        description: str | None = None,
        version: str | None = None,
        is_new_version_of: Collection | None = None,
        revises: Collection | None = None,
        reference: str | None = None,
        reference_type: str | None = None,
        run: Run | None = None,
        **unexpected: Any,
    ) -> None:
        from lineagedb.models.artifact import Artifact

        if unexpected:
            raise InvalidArgument(
                f"Collection() got unexpected arguments {', '.join(map(repr, unexpected))}. "
                "It takes artifacts, name=, description=, version=, is_new_version_of=, "
                "reference=, reference_type= and run=."
            )
        if isinstance(artifacts, Artifact):
            members = [artifacts]
        elif isinstance(artifacts, (list, tuple, QuerySet)):
            members = list(artifacts)
        elif artifacts is None:
            members = []
        else:
            members = [artifacts]  # reported as the wrong type below
        wrong = [a for a in members if not isinstance(a, Artifact)]
        if wrong:
            raise WrongType(
                f"Collection() takes an Artifact or a list of artifacts, not a "
                f"{type(wrong[0]).__name__} ({wrong[0]!r}), e.g. "
                "ln.Collection([artifact1, artifact2], name='My collection')."
            )
        if not members:
            raise InvalidArgument(
                "Collection() needs one artifact or a list of artifacts, "
                "e.g. ln.Collection([artifact1, artifact2], name='My collection')."
            )
        Record.check_instances([*members, is_new_version_of, revises, run])
        unsaved = [a for a in members if a._state.adding]
        if unsaved:
            raise InvalidArgument(
                f"{len(unsaved)} artifact(s) of this collection are not saved "
                f"(first: {unsaved[0].key or unsaved[0].uid}). Save them first, "
                "e.g. with ln.save(artifacts)."
            )
        if len({a.pk for a in members}) != len(members):
            raise InvalidArgument("An artifact appears twice in this collection; list it once.")
        revises = self._check_revises(is_new_version_of or revises, version)
        if name is None:
            if revises is None:
                raise InvalidArgument(
                    "Collection() needs a name, e.g. ln.Collection(artifacts, name='Iris')."
                )
            name = revises.name
        if run is None:
            run = current_run()
        content_hash = collection_hash(members)
        existing = Collection.filter(hash=content_hash).order_by("id").first()
        if existing is not None:
            logger.warning(f"returning existing collection with same hash: {existing}")
            super().__init__()
            self._become(existing)
            return
        super().__init__(
            name=name,
            description=description,
            version=version,
            hash=content_hash,
            reference=reference,
            reference_type=reference_type,
            run=run,
            transform=run.transform if run is not None else None,
        )
        self._members = members
        if revises is not None:
            self._preview_version(revises)

    def save(self, *args: Any, transfer_labels: bool = False, **kwargs: Any) -> Collection:
        """Write the collection, its ordered links to artifacts and its feature sets.

        A new collection's feature set in each slot is the union of its
        artifacts' sets in that slot (reused by hash). ``transfer_labels=True``
        also gives it its artifacts' labels, under the same features.

        Example:
            >>> collection.save(transfer_labels=True).labels.get(study_name, flat_names=True)
            ['study0']
        """
        self._check_text_fields()
        members = self._members if self._state.adding else None
        if self._state.adding and self.run_id is None:
            session.tracked.say_untracked_once("collection")

        def insert() -> None:
            Record.save(self, *args, **kwargs)
            if members:
                CollectionArtifact.objects.bulk_create(
                    CollectionArtifact(collection=self, artifact=artifact, ordinal=index)
                    for index, artifact in enumerate(members)
                )
                self._link_feature_sets(members)
                self._record_inputs(members)
            link_to_tracked_project([self])

        if self._state.adding:
            self._insert_version(insert)
            self._members = None
        else:
            Record.save(self, *args, **kwargs)
        if transfer_labels:
            for artifact in self.artifacts:
                self.labels.add_from(artifact)
        return self

    def _record_inputs(self, members: list[Artifact]) -> None:
        """The members are inputs of the run that made the collection (LaminDB 0.70), but
        for those that run made itself."""
        if self.run_id is None:
            return
        from lineagedb.models.run import Run

        inputs = [a for a in members if a.run_id != self.run_id]
        through = Run.input_artifacts.through
        through.objects.bulk_create(
            [through(run_id=self.run_id, artifact_id=a.pk) for a in inputs],
            ignore_conflicts=True,
        )
        upstream = {a.transform_id for a in inputs} - {None, self.transform_id}
        if upstream and self.transform is not None:
            self.transform.parents.add(*upstream)

    def _link_feature_sets(self, members: list[Artifact]) -> None:
        """Per slot, the union of the members' feature sets (reused by hash)."""
        from lineagedb.models.annotations.feature_set import FeatureSet
        from lineagedb.models.annotations.links import (
            ArtifactFeatureSet,
            CollectionFeatureSet,
            FeatureSetFeature,
        )

        by_slot: dict[str | None, set[int]] = {}
        links = ArtifactFeatureSet.objects.filter(artifact__in=members).values_list(
            "slot", "featureset_id", "featureset__registry"
        )
        for slot, set_id, registry in links:
            if registry == "core.Feature":
                by_slot.setdefault(slot, set()).add(set_id)
        for slot, set_ids in by_slot.items():
            features = [
                link.feature
                for link in FeatureSetFeature.objects.filter(
                    featureset_id__in=set_ids
                ).select_related("feature")
            ]
            union = FeatureSet(features)
            if union._state.adding:
                union.save()
            CollectionFeatureSet.objects.get_or_create(
                collection=self, featureset=union, defaults={"slot": slot}
            )

    @property
    def artifacts(self) -> QuerySet:
        """The collection's artifacts, in the collection's order.

        Example:
            >>> collection.artifacts.df().key.tolist()
            ['iris_studies/study0_raw_images/meta.csv', 'iris/study1.parquet']
        """
        from lineagedb.models.artifact import Artifact

        # Django's own filter: the ordering must use the same join as the filter
        # (one link per artifact in this collection), not a subquery.
        query: QuerySet = models.QuerySet.filter(
            Artifact.objects.all(), collection_links__collection=self
        )
        return query.order_by("collection_links__ordinal")

    @property
    def data_artifact(self) -> Artifact | None:
        """The artifact holding the collection as one object, if it is stored that way.

        Example:
            >>> collection.data_artifact is None
            True
        """
        return self.artifact

    def cache(self) -> list[UPath]:
        """Local paths of the member artifacts, in order.

        Example:
            >>> collection.cache()
            [PosixUPath('.../lamin-tutorial/iris_studies/study0_raw_images/meta.csv'), ...]
        """
        session.tracked.record_input(self)
        return [artifact.cache() for artifact in self.artifacts]

    def open(self, engine: str = "pyarrow", is_run_input: bool | None = None) -> Any:
        """The members' tables as one lazy dataset (``pyarrow.dataset.Dataset``, or a polars
        ``LazyFrame`` with ``engine="polars"``): filters and column selections reach
        every member's files, which are read only where needed.

        Members must be tables of one format (``.parquet``, ``.csv``, ``.tsv``,
        Arrow IPC, folders of parquet) with the same columns.

        Example:
            >>> parquet = ln.Collection([df_artifact], name="tables").save()
            >>> parquet.open().count_rows()
            75
        """
        from lineagedb.arrays.tables import is_table_suffix, open_table

        artifacts = list(self.artifacts)
        suffixes = sorted({artifact.suffix for artifact in artifacts})
        if suffixes == ["", ".parquet"]:  # parquet files and folders of them
            suffixes = [".parquet"]
        if len(suffixes) != 1 or not (is_table_suffix(suffixes[0]) or suffixes[0] == ""):
            raise MixedSuffixes(
                f"Collection {self.uid} has members with suffixes "
                f"{', '.join(map(repr, suffixes))}; open() makes one dataset of tables of one "
                "format (.parquet, .csv, .tsv, Arrow IPC). Open the members one by one: "
                "[artifact.open() for artifact in collection.artifacts]."
            )
        for artifact in artifacts:
            artifact._warn_if_changed()
        opened = open_table([artifact.path for artifact in artifacts], suffixes[0], engine)
        if is_run_input is not False:
            session.tracked.record_input(self)
        return opened

    def load(self, join: str | None = None, **kwargs: Any) -> Any:
        """Concatenate the members: tables or AnnData objects, by ``artifact_uid``.

        All members must be of one kind: tables (``.csv``, ``.tsv``,
        ``.parquet``) or AnnData (``.h5ad``, ``.zarr``). Tables gain an
        ``artifact_uid`` column; AnnData objects are concatenated with
        ``anndata.concat`` and an ``artifact_uid`` obs column. ``join`` is
        ``"outer"`` (default: every column, missing values filled) or
        ``"inner"`` (shared columns only); tables whose columns differ warn
        unless ``join`` is given.

        Example:
            >>> collection.load().artifact_uid.nunique()
            2
        """
        session.tracked.record_input(self)
        artifacts = list(self.artifacts)
        suffixes = sorted({artifact.suffix for artifact in artifacts})
        kinds = {_joins(suffix) for suffix in suffixes}
        if len(kinds) > 1:
            raise MixedSuffixes(
                f"Collection {self.uid} mixes suffixes {', '.join(map(repr, suffixes))}; load() "
                "concatenates members of one kind only (tables, or AnnData). Use "
                "collection.cache() and read them."
            )
        suffix = suffixes[0] if suffixes else ""
        if kinds == {"AnnData"}:
            import anndata as ad

            objects = [artifact.load(**kwargs) for artifact in artifacts]
            uids = [artifact.uid for artifact in artifacts]
            return ad.concat(objects, join=join or "outer", label="artifact_uid", keys=uids)
        import pandas as pd

        frames = []
        for artifact in artifacts:
            if artifact.n_objects is not None or kinds != {"table"}:
                kind = "a folder" if artifact.n_objects is not None else f"a {suffix} file"
                raise NoLoader(
                    f"Collection {self.uid} holds {kind} (artifact {artifact.uid}), not tables "
                    "or AnnData objects. Use collection.cache() and read the members yourself."
                )
            frames.append(artifact.load(**kwargs).assign(artifact_uid=artifact.uid))
        shared = set.intersection(*(set(frame.columns) for frame in frames)) if frames else set()
        differing = sorted({str(c) for frame in frames for c in frame.columns} - shared)
        if differing and join is None:
            logger.warning(
                f"the tables of collection {self.uid} differ in columns {differing}: they are "
                "joined outer, with missing values filled. Pass join='inner' to keep only the "
                "shared columns, or join='outer' to say this is what you want."
            )
        return pd.concat(frames, join=join or "outer")

    def mapped(
        self,
        layers_keys: str | list[str] | None = None,
        obs_keys: str | list[str] | None = None,
        obsm_keys: str | list[str] | None = None,
        join: str | None = "inner",
        encode_labels: bool | list[str] = True,
        unknown_label: str | dict[str, str] | None = None,
        cache_categories: bool = True,
        parallel: bool = False,
        dtype: str | None = None,
        stream: bool = False,
        is_run_input: bool | None = None,
        rank: int | None = None,
        world_size: int | None = None,
    ) -> MappedCollection:
        """A map-style dataset over the collection's AnnData artifacts, for PyTorch.

        ``ds[i]`` is a dict: one row per layer (``"X"`` by default; sparse
        rows densified), ``obsm_<key>`` rows, ``_store_idx`` (which
        artifact) and the obs labels of ``obs_keys`` (encoded as integers
        unless ``encode_labels=False``). Variables are joined by name
        (``join="inner"``/``"outer"``, the latter zero-filled). Artifacts
        are cached first, or read in place with ``stream=True``; members
        that are not ``.h5ad``/``.zarr`` are skipped with a warning. Works
        with ``DataLoader(ds, num_workers=n)``: each worker opens its own
        handles. Training on several ranks: shard with PyTorch's
        ``DistributedSampler``, or pass ``rank=``/``world_size=`` (any
        framework) for this rank's contiguous share. Counts the collection
        as a run input.

        Example:
            >>> cells = ln.Collection(adata_artifact, name="cells").save()
            >>> with cells.mapped(obs_keys=["cell_type"]) as ds:
            ...     len(ds), ds[0]["cell_type"]
            (40, 0)
            >>> import torch  # needs PyTorch, an optional extra  # doctest: +SKIP
            >>> with collection.mapped(obs_keys=["cell_type"]) as ds:  # PyTorch  # doctest: +SKIP
            ...     loader = torch.utils.data.DataLoader(ds, batch_size=256, shuffle=True)
            ...     batch = next(iter(loader))
            >>> batch["X"].shape  # PyTorch  # doctest: +SKIP
            torch.Size([256, 2000])
        """
        from lineagedb.arrays.mapped import MappedCollection

        paths: list[Any] = []
        for artifact in self.artifacts:
            if _joins(artifact.suffix) != "AnnData":
                logger.warning(
                    f"ignoring artifact {artifact.uid} with suffix {artifact.suffix!r}: "
                    "mapped() reads AnnData stored as .h5ad or .zarr"
                )
                continue
            paths.append(artifact.path if stream else artifact.cache())
        if not paths:
            raise InvalidArgument(
                f"Collection {self.uid} holds no .h5ad or .zarr artifacts; mapped() has nothing "
                "to read. Use load() or cache() for other members."
            )
        dataset = MappedCollection(
            paths,
            layers_keys=layers_keys,
            obs_keys=obs_keys,
            obsm_keys=obsm_keys,
            join=join,
            encode_labels=encode_labels,
            unknown_label=unknown_label,
            cache_categories=cache_categories,
            parallel=parallel,
            dtype=dtype,
            rank=rank,
            world_size=world_size,
        )
        if is_run_input is not False:
            session.tracked.record_input(self)
        return dataset

    def _delete_permanently(self, storage: bool | None) -> None:
        # Deleting a collection never deletes its artifacts; links go with it.
        with transaction.atomic():
            Record.delete(self)
        logger.success(f"deleted collection {self.uid}; its artifacts are kept")


class CollectionArtifact(models.Model):
    """Links a collection to its artifacts, in order (``ordinal``)."""

    collection = models.ForeignKey(Collection, models.CASCADE, related_name="links")
    artifact = models.ForeignKey("Artifact", models.PROTECT, related_name="collection_links")
    ordinal = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "ordinal"], name="unique_collection_ordinal"
            ),
            models.UniqueConstraint(
                fields=["collection", "artifact"], name="unique_collection_artifact"
            ),
        ]
