"""Leftovers of interrupted saves: temporary copies and bytes no record points to."""

from __future__ import annotations

import time
from typing import Any

from lineagedb._logger import logger
from lineagedb.storage.location import TEMPORARY_MARKER, Location
from lineagedb.storage.paths import MANAGED_FOLDER, SQLITE_FILENAME

UID_LENGTH = 20


def leftovers(min_age_seconds: float) -> list[Any]:
    """Paths in managed folders that no record needs, older than ``min_age_seconds``.

    These are temporary copies (a save was interrupted before its record was
    written) and managed bytes whose record does not exist (interrupted
    between renaming the bytes and committing the record). Younger entries
    may belong to a save in progress and are left alone.

    Example:
        >>> leftovers(min_age_seconds=900)  # doctest: +SKIP
        [PosixUPath('/data/.lineagedb/.lineagedb-tmp-3f2a...')]
    """
    from lineagedb.models import Artifact, Storage

    now = time.time()
    found: list[Any] = []
    for storage in Storage.objects.all():
        candidates: dict[str, Any] = {}
        folder = Location(storage.path / MANAGED_FOLDER)
        for name, path, modified in folder.entries_with_mtime():
            if now - modified < min_age_seconds or name.startswith(SQLITE_FILENAME):
                continue
            if name.startswith((TEMPORARY_MARKER, ".write-probe-")):
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
        >>> ln.setup.cleanup(dry_run=True)  # doctest: +SKIP
        []
    """
    found = leftovers(min_age_seconds)
    for path in found:
        if not dry_run:
            path.remove()
    verb = "would remove" if dry_run else "removed"
    logger.info(f"{verb} {len(found)} leftover(s) of interrupted saves")
    return [str(path) for path in found]
