"""The draft of an artifact: what an unsaved (or replaced) artifact holds until ``save()``.

An artifact made by ``Artifact(data)`` is a record with a draft beside it:
the local bytes to store (a file outside storage, an in-memory object's
serialization), their copy staged in the default storage, the in-memory
object itself, a folder's files, a table to annotate once saved, and the
values given for content that was registered already, the bytes staged by
``replace()`` for a saved artifact. ``save()`` stores
the draft and drops it; an artifact never saved takes its staged bytes with
it (a finalizer removes them). Only ``models/artifact/`` reads a draft.

Example:
    >>> draft = Draft()
    >>> draft.unsaved_bytes() is None, draft.saves_alone
    (True, False)
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lineagedb.storage.location import Location

if TYPE_CHECKING:
    from upath import UPath

    from lineagedb.models.artifact.replacing import Replacement
    from lineagedb.storage.hashing import ContentHash
    from lineagedb.storage.location import Staged

# An artifact's draft has no in-memory object (None is a value one could hold).
NO_OBJECT: Any = object()


@dataclass
class Draft:
    """The state of an artifact between its construction and its ``save()``.

    Example:
        >>> Draft(source=Path("meta.csv")).unsaved_bytes()
        PosixUPath('meta.csv')
    """

    # Local bytes save() stores (None: registered in place, or staged already).
    source: Path | None = None
    # Whether ``source`` is lineagedb's own serialization, removed once stored.
    source_is_temporary: bool = False
    # The bytes copied (and hashed) into the default storage, until save().
    staged: Staged | None = None
    # The in-memory object the artifact was made from (load() returns it).
    memory: Any = NO_OBJECT
    # A folder's files, recorded in a FolderManifest by save().
    folder_content: ContentHash | None = None
    # What save() annotates the record with, in its transaction: the features
    # and labels of a checked table (from_df(..., schema=), the curators).
    annotate: Callable[[Any], None] | None = None
    # Values given for content that is registered already, not applied to it.
    not_applied: dict[str, Any] = field(default_factory=dict)
    # Bytes staged by replace() for a saved artifact, until save().
    replacement: Replacement | None = None
    _finalizers: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def has_object(self) -> bool:
        """Whether the artifact was made from an in-memory object."""
        return self.memory is not NO_OBJECT

    @property
    def saves_alone(self) -> bool:
        """Whether ``ln.save()`` must save this artifact on its own (it writes more records)."""
        return self.folder_content is not None or self.annotate is not None

    def unsaved_bytes(self) -> UPath | None:
        """The local bytes an unsaved artifact reads: its source, else its staged copy.

        Example:
            >>> Draft().unsaved_bytes() is None
            True
        """
        if self.source is not None:
            return Location(self.source).upath
        if self.staged is not None:
            return self.staged.location.upath
        return None

    def keep_staged(self, owner: object, staged: Staged | None) -> None:
        """Hold staged bytes for ``owner``; they go with it if it is never saved."""
        self._hold(owner, "staged", staged)
        self.staged = staged

    def keep_replacement(self, owner: object, replacement: Replacement | None) -> None:
        """Hold bytes staged by ``replace()``; they go with ``owner`` if it is never saved."""
        self._hold(owner, "replacement", replacement)
        self.replacement = replacement

    def take_replacement(self) -> Replacement | None:
        """The staged replacement, taken off the draft (its finalizer no longer runs)."""
        replacement = self.replacement
        self.keep_replacement(None, None)
        return replacement

    def _hold(self, owner: object, what: str, held: Any) -> None:
        finalizer = self._finalizers.pop(what, None)
        if finalizer is not None:
            finalizer.detach()
        if held is not None:
            self._finalizers[what] = weakref.finalize(owner, held.discard)

    def discard(self) -> None:
        """Remove what the draft holds on disk: staged bytes, a temporary serialization."""
        if self.staged is not None:
            self.staged.discard()
        self.keep_staged(None, None)
        if self.source_is_temporary and self.source is not None:
            Location(self.source).remove()

    def stored(self) -> None:
        """Forget what save() has stored: the source (removed if temporary), staged bytes."""
        if self.source_is_temporary and self.source is not None:
            Location(self.source).remove()
        self.source = None
        self.memory = NO_OBJECT
        self.folder_content = None
        self.annotate = None
        self.keep_staged(None, None)


def annotate_on_save(artifact: Any, annotate: Callable[[Any], None]) -> None:
    """Have the next ``artifact.save()`` run ``annotate(artifact)`` in its transaction.

    The one way a checked table's features and labels are saved: by
    ``from_df(..., schema=)`` and by every curator's ``save_artifact()``.
    If annotating fails, the record (a new one) and its bytes are not saved.

    Example:
        >>> from lineagedb.models.annotations.tables import annotate_with_table
        >>> artifact = ln.Artifact.from_df(df, key="iris/study1.parquet")
        >>> annotate_on_save(artifact, lambda a: annotate_with_table(a, df, []))
        >>> sorted(artifact.save().features.by_slot())
        ['columns']
    """
    artifact._draft.annotate = annotate


def not_applied(artifact: Any) -> dict[str, Any]:
    """The values given to ``Artifact(...)`` that an already registered record did not take.

    Example:
        >>> _ = ln.Artifact("meta.csv", description="study 0").save()
        >>> not_applied(ln.Artifact("meta.csv", description="new text"))
        {'description': 'new text'}
    """
    return dict(artifact._draft.not_applied)
