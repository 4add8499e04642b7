"""``Artifact.replace()``: new bytes staged beside the old ones until ``save()`` stores both.

An artifact replaced but never saved loses only the staged copy (a
finalizer removes it); ``save()`` gives the new bytes their final name in
the transaction that updates the record, with the old bytes set aside
under a name cleanup recognises, so a crash at any point leaves either the
old or the new state whole.

Example:
    >>> artifact = ln.Artifact("meta.csv", key="study0/meta.csv").save()
    >>> artifact.replace("meta_fixed.csv").save().load().species.tolist()
    ['virginica']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import DatabaseError, IntegrityError

from lineagedb._base.logger import logger
from lineagedb.errors import InvalidArgument, NotFound
from lineagedb.models.artifact.manifest import write_manifest
from lineagedb.models.artifact.source import resolve_source
from lineagedb.models.artifact.staged_save import save_staged
from lineagedb.models.record import Record
from lineagedb.storage.location import REPLACED_MARKER, Location, Staged
from lineagedb.storage.paths import MANAGED_FOLDER, check_inside, suffix_of


class Replacement:
    """Bytes staged by ``replace()`` until ``save()`` commits them, or discarded."""

    def __init__(self, staged: Staged, suffix: str, source: Path, temporary: bool) -> None:
        self.staged, self.suffix, self.source = staged, suffix, source
        # A DataFrame's serialization goes once its bytes are stored (or dropped).
        self._temporary_source = source if temporary else None

    def discard(self) -> None:
        """Remove the staged bytes (and a DataFrame's serialization)."""
        self.staged.discard()
        self.remove_temporary_source()

    def remove_temporary_source(self) -> None:
        """Remove a DataFrame's serialization, once."""
        if self._temporary_source is not None:
            Location(self._temporary_source).remove()
            self._temporary_source = None


def stage(artifact: Any, data: Any) -> Replacement:
    """Check ``data`` and stage it beside the artifact's bytes; the last staged wins.

    Example:
        >>> stage(artifact, "meta_fixed.csv").staged.content.size
        35
    """
    if artifact._state.adding:
        raise InvalidArgument(
            f"Artifact {artifact.uid} is not saved; create a new Artifact from the new data."
        )
    if artifact.visibility == -1:
        raise InvalidArgument(
            f"Artifact {artifact.uid} is in the trash; restore() it before replacing its bytes."
        )
    source, accessor = resolve_source(data)
    if not isinstance(source, Path):
        raise InvalidArgument(
            f"replace() takes a local path or a DataFrame, not {str(source)!r}. "
            "Download the object first, or register it as a new artifact."
        )
    suffix = suffix_of(source.name)
    managed = artifact._storage_key.startswith(f"{MANAGED_FOLDER}/")
    if not managed and suffix != artifact.suffix:
        raise InvalidArgument(
            f"Artifact {artifact.uid} is registered in place at key {artifact.key!r}; its "
            f"replacement must keep the suffix {artifact.suffix!r}, not {suffix!r}."
        )
    check_inside(artifact.path, artifact.storage.root)
    folder = Location(artifact.path).parent
    previous = drop(artifact)
    if previous is not None:
        previous.discard()
    # Local copies are hashed while staged; uploads are checked on arrival.
    staged = folder.stage(source, None if folder.is_local else Location(source).hash())
    replacement = Replacement(staged, suffix, source, temporary=accessor is not None)
    artifact._draft.keep_replacement(artifact, replacement)
    assert staged.content is not None
    logger.info(
        f"staged {staged.content.size} bytes to replace those of artifact {artifact.uid}; "
        "artifact.save() stores them"
    )
    return replacement


def drop(artifact: Any) -> Replacement | None:
    """Take the staged replacement off the artifact (returned); its finalizer no longer runs.

    Example:
        >>> drop(artifact) is None  # nothing staged
        True
    """
    return artifact._draft.take_replacement()


def commit(artifact: Any, replacement: Replacement) -> None:
    """Store the staged bytes and the updated record together (see ``save_staged()``).

    Example:
        >>> artifact = ln.Artifact("meta.csv", key="study0/meta.csv").save()
        >>> _ = stage(artifact, "meta_fixed.csv")
        >>> commit(artifact, drop(artifact))
        >>> artifact.load().species.tolist()
        ['virginica']
    """
    staged, suffix = replacement.staged, replacement.suffix
    content = staged.content
    assert content is not None
    old = Location(artifact.path)
    backup = Location(artifact.storage.path / MANAGED_FOLDER / f"{REPLACED_MARKER}{artifact.uid}")
    moved_aside = False

    def write() -> None:
        nonlocal moved_aside
        artifact.suffix, artifact.size, artifact.hash = suffix, content.size, content.hash
        artifact.hash_type, artifact.n_objects = content.hash_type, content.n_objects
        # force_update: a record deleted meanwhile by another handle raises
        # instead of being inserted again.
        Record.save(artifact, force_update=True)
        write_manifest(artifact, content)
        if old.exists():
            old.move_to(backup)
            backup.touch()  # its age, for cleanup, starts now
            moved_aside = True

    try:
        save_staged([(staged, lambda: Location(artifact.path))], write)
    except BaseException as error:
        replacement.remove_temporary_source()
        if moved_aside:
            backup.move_to(old)
        model = type(artifact)
        if model.objects.filter(pk=artifact.pk).exists():
            artifact.refresh_from_db()
        if isinstance(error, IntegrityError):
            holder = model.find_by_content(
                content.hash, content.hash_type, storage_id=artifact.storage_id, managed=True
            )
            raise InvalidArgument(
                f"Artifact {holder.uid if holder else '?'} already holds the bytes of "
                f"'{replacement.source}'; use that artifact, or delete it before replacing "
                f"{artifact.uid}'s bytes with them."
            ) from None
        if isinstance(error, DatabaseError) and "did not affect any rows" in str(error):
            raise NotFound(
                f"Artifact {artifact.uid} was deleted meanwhile; nothing was replaced."
            ) from None
        raise
    backup.remove()
    replacement.remove_temporary_source()
    logger.success(f"replaced the bytes of artifact {artifact.uid} ({content.size} bytes)")
