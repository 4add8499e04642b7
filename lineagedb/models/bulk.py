"""``ln.save(records)``: many records in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import IntegrityError, transaction

from lineagedb.models.record import Record
from lineagedb.storage import transfer
from lineagedb.storage.paths import check_inside

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
    # New versions need their family's next suffix, assigned under a lock: they
    # take the one-by-one path, like records whose batch met a concurrent writer.
    one_by_one = [r for r in records if r._state.adding and getattr(r, "_revises", None)]
    new = [r for r in records if r._state.adding and getattr(r, "_revises", None) is None]
    updated = [record for record in records if not record._state.adding]
    stored: list[Any] = []
    try:
        for record in new:
            source = getattr(record, "_local_source", None)
            if source is not None:
                destination = record.path  # type: ignore[attr-defined]
                check_inside(destination, record.storage.root)  # type: ignore[attr-defined]
                transfer.store(source, destination, record._content)  # type: ignore[attr-defined]
                stored.append(destination)
        with transaction.atomic():
            for record in new:  # buckets seen for the first time
                storage = (
                    getattr(record, "storage", None) if hasattr(record, "storage_id") else None
                )
                if storage is not None and storage._state.adding:
                    storage.save()
                    record.storage = storage  # type: ignore[attr-defined]
            for name in _INSERT_ORDER:
                group = [record for record in new if type(record).__name__ == name]
                if group:
                    type(group[0]).objects.bulk_create(group, batch_size=500)
            for record in updated:
                record.save()
    except BaseException as error:
        for destination in stored:
            transfer.remove(destination)
        for record in new:
            record.pk = None
            record._state.adding = True
        if not (isinstance(error, IntegrityError) and _content_saved_meanwhile(new)):
            raise
        # Another process saved some of the same content meanwhile: save each
        # record on its own, where such a conflict returns the existing record.
        one_by_one, new = new + one_by_one, []
    for record in one_by_one:
        record.save()
    for record in new:
        source = getattr(record, "_local_source", None)
        if source is not None and getattr(record, "_source_is_temporary", False):
            source.unlink(missing_ok=True)
        if source is not None:
            record._local_source = None  # type: ignore[attr-defined]
    return records


def _content_saved_meanwhile(records: list[Any]) -> bool:
    return any(
        hasattr(record, "_same_managed_content") and record._same_managed_content() is not None
        for record in records
    )
