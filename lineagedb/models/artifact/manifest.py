"""FolderManifest: the files of a folder artifact as registered, to name the ones that change.

Example:
    >>> folder_artifact = ln.Artifact(folder).save()  # a folder registered in place
    >>> files = ln.models.FolderManifest.objects.get(artifact=folder_artifact).files
    >>> len(files), files[0][0]
    (3, 'iris-...jpg')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from lineagedb.storage.hashing import ContentHash


class FolderManifest(models.Model):
    """One row per folder artifact: ``files`` lists [relative path, size, hash] of each file."""

    artifact = models.OneToOneField(
        "Artifact", models.CASCADE, related_name="folder_manifest", primary_key=True
    )
    files = models.JSONField()


def write_manifest(artifact: Any, content: ContentHash) -> None:
    """Record (or replace) the files of a saved folder artifact; a file artifact has none.

    Example:
        >>> from lineagedb.storage.location import Location
        >>> folder_artifact = ln.Artifact(folder).save()
        >>> write_manifest(folder_artifact, Location(folder).hash())  # the same files again
        >>> write_manifest(artifact, Location(artifact.path).hash())  # a file: none
    """
    FolderManifest.objects.filter(artifact_id=artifact.pk).delete()
    if content.files is not None:
        files = [[_text(path), size, file_hash] for path, size, file_hash in content.files]
        FolderManifest.objects.create(artifact_id=artifact.pk, files=files)


def _text(path: str) -> str:
    # A name that is not UTF-8 (kept by Python as surrogates) cannot go into
    # JSON on PostgreSQL: its undecodable bytes are written as \xNN.
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def differences(recorded: list[list[object]], found: ContentHash) -> list[str]:
    """The files that differ between a manifest and a fresh hash, as 'changed: a.fq' lines.

    Example:
        >>> from lineagedb.storage.hashing import folder_content
        >>> differences([["a.fq", 4, "x"]], folder_content([("a.fq", 4, "y")]))
        ['changed: a.fq']
    """
    before = {str(path): (size, file_hash) for path, size, file_hash in recorded}
    now = {_text(path): (size, file_hash) for path, size, file_hash in found.files or ()}
    both = sorted(before.keys() & now.keys())
    lines = [f"changed: {path}" for path in both if before[path] != now[path]]
    lines += [f"missing: {path}" for path in sorted(before.keys() - now.keys())]
    lines += [f"new: {path}" for path in sorted(now.keys() - before.keys())]
    return lines
