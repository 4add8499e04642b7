"""The one save path for records with bytes: stage, write, commit — or roll back both.

``Artifact.save()``, ``Artifact.replace()`` and ``ln.save([...])`` all end
here:

1. **stage**: the bytes are under a temporary name in their storage
   (local copies are staged, and hashed while copied, when the artifact is
   created; uploads to a bucket are staged here, before the transaction);
2. **write**: the records are written inside one transaction;
3. **commit**: still inside it, the staged bytes take their final names;
4. **roll back**: if anything fails, the transaction rolls back and the
   staged bytes are removed, under whichever name they had by then (a record
   saved again stages its source anew, checked against its hash).

A record is therefore never visible before its bytes are complete under its
final name. A crash between 3 and the commit leaves bytes that no record
points to, which ``ln.setup.cleanup()`` removes once they are old enough.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from django.db import transaction

if TYPE_CHECKING:
    from lineagedb.storage.location import Location, Staged

# Staged bytes, and a function giving their final location once the records
# are written (a uid, and so a managed name, may change on insert).
Pending = tuple["Staged", Callable[[], "Location"]]


def save_staged(
    pending: Sequence[Pending],
    write: Callable[[], object],
    then: Callable[[], object] | None = None,
) -> None:
    """Run ``write`` in a transaction that also gives every staged item its final name.

    ``then`` runs last, in the same transaction, once the bytes have their
    final names (annotations that read them: an AnnData's var names). On
    failure, every staged item is removed (committed or not) and the error
    propagates.

    Example:
        >>> from pathlib import Path
        >>> from lineagedb.storage.location import Location
        >>> folder = Location(artifact.storage.path / ".lineagedb")
        >>> staged = folder.stage(Path("meta.csv"))
        >>> save_staged([(staged, lambda: folder / "copy.csv")], lambda: None)
        >>> (folder / "copy.csv").exists()
        True
    """
    try:
        with transaction.atomic():
            write()
            for staged, destination in pending:
                staged.commit(destination())
            if then is not None:
                then()
    except BaseException:
        for staged, _ in pending:
            staged.discard()
        raise
