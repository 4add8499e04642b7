"""Storing an artifact: its bytes and its record together, or neither; deleting both.

``save()`` of a new artifact stages what is not staged yet (an upload),
then writes the record — its new storage first, a new version under its
family's lock — its folder manifest and the annotations of a checked table
in one transaction in which the staged bytes take their final name
(``staged_save.save_staged``). A saved artifact's ``save()`` is an update,
or commits bytes staged by ``replace()``.

Example:
    >>> artifact = ln.Artifact("meta.csv", key="study0/meta.csv")
    >>> save(artifact)
    >>> artifact.verify()
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from lineagedb._base.logger import logger
from lineagedb.models.artifact import replacing
from lineagedb.models.artifact.construction import check_real_key_free
from lineagedb.models.artifact.manifest import write_manifest
from lineagedb.models.artifact.staged_save import save_staged
from lineagedb.models.project import link_to_tracked_project
from lineagedb.models.record import Record
from lineagedb.storage import serializers
from lineagedb.storage.location import Location, Staged
from lineagedb.storage.paths import MANAGED_FOLDER, check_inside

if TYPE_CHECKING:
    from lineagedb.models.artifact.model import Artifact


def save(artifact: Artifact, *args: Any, **kwargs: Any) -> None:
    """Write the record, and store its bytes if they need storing (see the module).

    Another process saving the same managed bytes first makes this artifact
    that record.
    """
    artifact._check_text_fields()
    draft = artifact._draft
    if not artifact._state.adding:
        replacement = draft.take_replacement()
        annotation, draft.annotate = draft.annotate, None
        if replacement is not None:
            replacing.commit(artifact, replacement)
        elif annotation is None:  # a plain update, as any record's
            Record.save(artifact, *args, **kwargs)
        if annotation is not None:  # a checked table's annotations, with the update
            with transaction.atomic():
                if replacement is None:
                    Record.save(artifact, *args, **kwargs)
                annotation(artifact)
        return
    pending = stage_for_save(artifact)

    def write() -> None:
        artifact._save_new_relations()
        artifact._insert_version(lambda: Record.save(artifact, *args, **kwargs))
        link_to_tracked_project([artifact])  # ln.track(project=...)
        if draft.folder_content is not None:
            write_manifest(artifact, draft.folder_content)

    def annotate() -> None:  # a checked table's features and labels, once its bytes are stored
        if draft.annotate is not None:
            draft.annotate(artifact)

    try:
        save_staged(pending, write, then=annotate)
    except BaseException as error:
        artifact._discard_staged()
        existing = artifact._same_managed_content() if isinstance(error, IntegrityError) else None
        if existing is None:
            raise
        # Another process saved the same bytes first: that record is this one.
        logger.warning(f"returning existing artifact with same hash: {existing}")
        artifact._become(existing)
    artifact._finish_save()


def stage_for_save(artifact: Artifact) -> list[tuple[Staged, Any]]:
    """Stage the bytes not staged yet (uploads); what ``save_staged()`` must commit."""
    draft = artifact._draft
    if draft.staged is None and draft.source is None and draft.has_object:
        # A failed save discarded the bytes written at construction: write them again.
        accessor, suffix = artifact.accessor or "", artifact.suffix
        folder = artifact.storage.location / MANAGED_FOLDER
        staged = folder.stage_written(serializers.writer(draft.memory, accessor, suffix))
        assert staged.content is not None
        artifact.size, artifact.hash = staged.content.size, staged.content.hash
        draft.keep_staged(artifact, staged)
    if draft.source is None and draft.staged is None:
        return []
    if not artifact.key_is_virtual and artifact.key is not None:
        check_real_key_free(artifact.storage, artifact.key)  # taken since the constructor?
    if draft.staged is None:
        assert draft.source is not None
        path = artifact._stored_path
        check_inside(path, artifact.storage.root)
        draft.keep_staged(artifact, Location(path).parent.stage(draft.source, artifact._content))
    assert draft.staged is not None
    return [(draft.staged, lambda: artifact._location)]


def delete_permanently(artifact: Artifact, storage: bool | None) -> None:
    """Delete the record, then its managed bytes (or registered ones with ``storage=True``).

    The record goes first: a crash in between leaves unreferenced bytes,
    never a record pointing at missing bytes.
    """
    from lineagedb.models.collection import Collection

    managed = artifact._storage_key.startswith(f"{MANAGED_FOLDER}/")
    path = artifact.path
    collections = list(
        Collection.objects.filter(links__artifact=artifact).values_list("uid", flat=True)
    )
    with transaction.atomic():
        # The collections stay, without this member (as in LaminDB).
        artifact.collection_links.all().delete()
        Record.delete(artifact)
    if collections:
        logger.warning(
            f"artifact {artifact.uid} was removed from collection(s) {', '.join(collections)}, "
            "which now have fewer members"
        )
    if managed or storage:
        Location(path).remove()
        logger.success(f"deleted artifact {artifact.uid} and its bytes at '{path}'")
    else:
        logger.success(
            f"deleted artifact record {artifact.uid}; kept the registered file '{path}' "
            "(pass storage=True to delete it too)"
        )


def move_bytes_to_uid(artifact: Artifact) -> None:
    """Managed bytes are named after the uid: link them under the new one before the record
    changes, and drop the old name once that has committed."""
    old_uid = type(artifact).objects.values_list("uid", flat=True).get(pk=artifact.pk)
    if artifact.key_is_virtual or artifact.key is None:
        old = Location(artifact.storage.path / f"{MANAGED_FOLDER}/{old_uid}{artifact.suffix}")
        old.copy_to(Location(artifact.path))
        transaction.on_commit(old.remove)
