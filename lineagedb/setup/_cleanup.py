"""Leftovers of interrupted saves: temporary copies and bytes no record points to.

Cleanup only touches managed folders its instance owns: the first instance
to use a folder as its default storage writes its Storage uid into
``.lineagedb/.lineagedb-owner``. Another instance that registered the same
root (``ln.Storage(root=...)``) sees a different owner and leaves the folder
alone, so it never deletes bytes it has no records for.

It also finishes interrupted replacements: ``replace()`` moves the old bytes
aside (``.lineagedb-replaced-<uid>``) before the new ones take their name,
inside the transaction that updates the record. If the record still
describes the old bytes, the replacement never committed and they go back;
otherwise they are removed.
"""

from __future__ import annotations

import time
from typing import Any

from lineagedb._base.logger import logger
from lineagedb.storage.location import REPLACED_MARKER, TEMPORARY_MARKER, Location
from lineagedb.storage.paths import MANAGED_FOLDER, SQLITE_FILENAME

UID_LENGTH = 20
OWNER_MARKER = ".lineagedb-owner"


def claim(storage: Any) -> None:
    """Mark ``storage``'s managed folder as this instance's, unless an instance already did.

    Example:
        >>> claim(ln.setup.settings.storage.record)
    """
    marker = _owner_marker(storage)
    if marker.read_text() is None:
        marker.write_text(storage.uid)


def _owner_marker(storage: Any) -> Location:
    return storage.location / MANAGED_FOLDER / OWNER_MARKER  # local: no UPath, no fsspec


def _owned(storage: Any, default_id: int) -> bool:
    owner = _owner_marker(storage).read_text()
    if owner is None and storage.id == default_id:
        _owner_marker(storage).write_text(storage.uid)  # a default storage from before markers
        return True
    return owner is not None and owner.strip() == storage.uid


def leftovers(min_age_seconds: float) -> list[Any]:
    """Paths in managed folders that no record needs, older than ``min_age_seconds``.

    These are temporary copies (a save was interrupted before its record was
    written) and managed bytes whose record does not exist (interrupted
    between renaming the bytes and committing the record). Younger entries
    may belong to a save in progress and are left alone.

    Example:
        >>> leftovers(min_age_seconds=900)  # none in the seeded instance
        []
    """
    from lineagedb._base.session import default_storage
    from lineagedb.models import Artifact, Storage

    now = time.time()
    found: list[Any] = []
    default_id = default_storage().id
    for storage in Storage.objects.all():
        if not _owned(storage, default_id):
            continue
        candidates: dict[str, Any] = {}
        folder = storage.location / MANAGED_FOLDER
        for name, path, modified in folder.entries_with_mtime():
            if now - modified < min_age_seconds or name.startswith(SQLITE_FILENAME):
                continue
            if name.startswith((TEMPORARY_MARKER, REPLACED_MARKER, ".write-probe-")):
                found.append(path)
            elif len(name) >= UID_LENGTH:
                candidates[name[:UID_LENGTH]] = path
        uids = list(candidates)
        for start in range(0, len(uids), 500):
            chunk = uids[start : start + 500]
            known = set(Artifact.objects.filter(uid__in=chunk).values_list("uid", flat=True))
            found += [candidates[uid] for uid in chunk if uid not in known]
    return found


def cleanup(dry_run: bool = False, min_age_seconds: float = 900) -> list[str]:
    """Remove what interrupted saves left in managed storage; return what was found.

    Only entries older than ``min_age_seconds`` (15 minutes by default) are
    touched, so saves running in other processes are safe.

    Example:
        >>> import lineagedb as ln
        >>> ln.setup.cleanup(dry_run=True)
        []
    """
    found = leftovers(min_age_seconds)
    for path in found:
        if dry_run:
            continue
        if path.name.startswith(REPLACED_MARKER):
            _finish_replacement(path)
        else:
            path.remove()
    verb = "would remove" if dry_run else "removed"
    logger.info(f"{verb} {len(found)} leftover(s) of interrupted saves")
    return [str(path) for path in found]


def _finish_replacement(backup: Location) -> None:
    """Put back the old bytes of a replacement that never committed; else remove them."""
    from lineagedb.models import Artifact

    uid = backup.name[len(REPLACED_MARKER) :]
    artifact = Artifact.objects.filter(uid=uid).first()
    if artifact is not None:
        kept = backup.hash()
        if (kept.hash, kept.hash_type) == (artifact.hash, artifact.hash_type):
            backup.move_to(Location(artifact.path))
            logger.warning(f"restored the bytes of artifact {uid}: its replacement never finished")
            return
    backup.remove()
