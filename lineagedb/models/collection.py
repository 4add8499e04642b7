"""Collection: an ordered, versioned group of artifacts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models, transaction

from lineagedb._logger import logger
from lineagedb._session import current_run, session
from lineagedb.errors import InvalidArgument, NoLoader
from lineagedb.models import _uid
from lineagedb.models.record import Record
from lineagedb.models.versioning import VersionedRecord
from lineagedb.query import QuerySet
from lineagedb.storage.hashing import hash_bytes

if TYPE_CHECKING:
    import pandas as pd
    from upath import UPath

    from lineagedb.models.artifact import Artifact
    from lineagedb.models.run import Run


def collection_hash(artifacts: list[Artifact]) -> str:
    """The hash of an ordered list of artifacts: same members in same order, same hash.

    Example:
        >>> collection_hash([a1, a2]) != collection_hash([a2, a1])  # doctest: +SKIP
        True
    """
    return hash_bytes("\n".join(f"{a.hash_type}:{a.hash}" for a in artifacts).encode())


class Collection(VersionedRecord):
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
        >>> v1 = ln.Collection(study0, name="Iris collection", version="1").save()  # doctest: +SKIP
        >>> v2 = ln.Collection([study0, study1], is_new_version_of=v1).save()  # doctest: +SKIP
        >>> v2.version  # doctest: +SKIP
        '2'
    """

    _search_fields = ("name", "description")
    _name_field = "name"
    _repr_exclude = ("created_at", "updated_at", "is_latest")
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
        members = [artifacts] if isinstance(artifacts, Artifact) else list(artifacts or [])
        if not members or not all(isinstance(a, Artifact) for a in members):
            raise InvalidArgument(
                "Collection() needs one artifact or a list of artifacts, "
                "e.g. ln.Collection([artifact1, artifact2], name='My collection')."
            )
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

    def save(self, *args: Any, **kwargs: Any) -> Collection:
        """Write the collection and its ordered links to artifacts in one transaction.

        Example:
            >>> collection.save()  # doctest: +SKIP
        """
        self._check_text_fields()
        members = self._members if self._state.adding else None

        def insert() -> None:
            Record.save(self, *args, **kwargs)
            if members:
                CollectionArtifact.objects.bulk_create(
                    CollectionArtifact(collection=self, artifact=artifact, ordinal=index)
                    for index, artifact in enumerate(members)
                )

        if self._state.adding:
            self._insert_version(insert)
            self._members = None
        else:
            Record.save(self, *args, **kwargs)
        return self

    @property
    def artifacts(self) -> QuerySet:
        """The collection's artifacts, in the collection's order.

        Example:
            >>> collection.artifacts.df()  # doctest: +SKIP
        """
        from lineagedb.models.artifact import Artifact

        query: QuerySet = Artifact.objects.filter(collection_links__collection=self)
        return query.order_by("collection_links__ordinal")

    @property
    def data_artifact(self) -> Artifact | None:
        """The artifact holding the collection as one object, if it is stored that way.

        Example:
            >>> collection.data_artifact is None  # doctest: +SKIP
            True
        """
        return self.artifact

    def cache(self) -> list[UPath]:
        """Local paths of the member artifacts, in order.

        Example:
            >>> collection.cache()  # doctest: +SKIP
            [PosixUPath('/data/iris_studies/study0_raw_images'), ...]
        """
        session.tracked.record_input(self)
        return [artifact.cache() for artifact in self.artifacts]

    def load(self, **kwargs: Any) -> pd.DataFrame:
        """Concatenate the members that load to DataFrames, with an ``artifact_uid`` column.

        Example:
            >>> collection.load()  # doctest: +SKIP
        """
        import pandas as pd

        session.tracked.record_input(self)
        frames = []
        for artifact in self.artifacts:
            if artifact.n_objects is not None or artifact.suffix not in (
                ".csv",
                ".tsv",
                ".parquet",
            ):
                kind = "a folder" if artifact.n_objects is not None else f"a {artifact.suffix} file"
                raise NoLoader(
                    f"Collection {self.uid} mixes types: artifact {artifact.uid} is {kind}, "
                    "not a table. Use collection.cache() and read the members yourself."
                )
            frames.append(artifact.load(**kwargs).assign(artifact_uid=artifact.uid))
        return pd.concat(frames)

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
