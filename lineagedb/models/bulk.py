"""``ln.save(records)``: many records in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from django.db import transaction

from lineagedb.models.record import Record
from lineagedb.storage import transfer
from lineagedb.storage.paths import local_path

RecordT = TypeVar("RecordT", bound=Record)

# Insert order: a record's foreign keys point at registries earlier in the list.
_INSERT_ORDER = ["User", "Storage", "Transform", "Run", "Artifact", "Collection"]


def save(records: Iterable[RecordT]) -> list[RecordT]:
    """Save many records at once: bytes first, then one transaction of bulk inserts.

    New records of each registry go in with one INSERT per batch; records
    that already exist are updated in the same transaction. If anything
    fails, nothing is saved and the bytes copied for new artifacts are
    removed.

    Example:
        >>> import lineagedb as ln
        >>> artifacts = [ln.Artifact(path) for path in paths]  # doctest: +SKIP
        >>> ln.save(artifacts)  # doctest: +SKIP
    """
    records = list(records)
    for record in records:
        record._check_text_fields()
    new = [record for record in records if record._state.adding]
    updated = [record for record in records if not record._state.adding]
    stored: list[Path] = []
    try:
        for record in new:
            source = getattr(record, "_local_source", None)
            if source is not None:
                destination = local_path(record.path)  # type: ignore[attr-defined]
                transfer.store(source, destination)
                stored.append(destination)
        with transaction.atomic():
            for name in _INSERT_ORDER:
                group = [record for record in new if type(record).__name__ == name]
                if group:
                    type(group[0]).objects.bulk_create(group, batch_size=500)
            for record in updated:
                record.save()
    except BaseException:
        for destination in stored:
            transfer.remove(destination)
        raise
    for record in new:
        source = getattr(record, "_local_source", None)
        if source is not None and getattr(record, "_source_is_temporary", False):
            source.unlink(missing_ok=True)
        if source is not None:
            record._local_source = None  # type: ignore[attr-defined]
    return records
