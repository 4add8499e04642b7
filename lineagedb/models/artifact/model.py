"""Artifact: a file, folder or in-memory object in storage, with its metadata.

The model holds the fields and thin public methods. How data becomes a
record is ``construction.py``; what an unsaved artifact holds until
``save()`` is its draft (``draft.py``); storing and deleting bytes is
``persistence.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from lineagedb._base.logger import logger
from lineagedb._base.session import session
from lineagedb.errors import InvalidArgument, WrongType
from lineagedb.models import _uid
from lineagedb.models.annotations.features import Annotated
from lineagedb.models.artifact import persistence, replacing
from lineagedb.models.artifact.access import ByteAccess
from lineagedb.models.artifact.construction import Options, build
from lineagedb.models.artifact.constructors import Constructors
from lineagedb.models.artifact.draft import Draft
from lineagedb.models.versioning import VersionedRecord
from lineagedb.storage import serializers
from lineagedb.storage.formats import OBJECTS
from lineagedb.storage.paths import check_key

if TYPE_CHECKING:
    from lineagedb.models.run import Run
    from lineagedb.storage.location import Staged


class Artifact(Constructors, ByteAccess, Annotated, VersionedRecord):
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
        >>> artifact = ln.Artifact("lamin-tutorial/iris_studies/study0_raw_images/meta.csv")
        >>> artifact.key, artifact.key_is_virtual  # registered where it is
        ('iris_studies/study0_raw_images/meta.csv', False)
        >>> ln.Artifact("meta.csv", key="study0/meta.csv").save().path.name  # copied
        '....csv'
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
        *args: Any,
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
        if len(args) > 1:
            raise WrongType(
                f"Artifact() takes one positional argument, the data; got {len(args)}. "
                "Pass the others by keyword: ln.Artifact(data, key='...', description='...')."
            )
        data = args[0] if args else unexpected.pop("data", None)
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

    @staticmethod
    def _lookups_for_path(path: Any) -> dict[str, Any]:
        """``get(path=...)``: the storage and key (or managed uid) of a storage path."""
        from lineagedb.models.artifact.source import lookups_for_path

        return lookups_for_path(path)

    @property
    def schemas(self) -> Any:
        """LaminDB 2's name of ``feature_sets``.

        Example:
            >>> [schema.slot for schema in artifact.feature_set_links.all()]
            ['external']
            >>> artifact.schemas.count()
            1
        """
        return self.feature_sets

    # -- bytes -------------------------------------------------------------------

    # -- persistence ---------------------------------------------------------------

    def save(self, *args: Any, **kwargs: Any) -> Artifact:
        """Write the record, and store its bytes if they need storing.

        Bytes are staged under a temporary name (when the artifact was
        created, or now for an upload) and take their final name inside the
        transaction that writes the record, so the record is never visible
        before its bytes; if the transaction fails, the bytes are removed.

        An artifact read from another instance (``connect()``) is transferred: the
        same bytes registered here with its labels and feature values
        (``lineagedb.models.transfer``).

        Example:
            >>> ln.Artifact("meta.csv", description="study 0 metadata").save().verify()
            True
        """
        if self._state.db not in (None, "default"):  # read with connect(): a transfer
            from lineagedb.models.transfer import transfer

            self._become(transfer(self))
            return self
        if self._state.adding and self.run_id is None:
            session.tracked.say_untracked_once("artifact")
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
            >>> artifact = ln.Artifact("meta.csv", key="study0/meta.csv").save()
            >>> artifact.replace("meta_fixed.csv").save().load().species.tolist()
            ['virginica']
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
        if logger.level == "debug":  # the path costs ~30 µs a record: only when printed
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
