"""``ln.save(records)``: many records in one transaction."""

from __future__ import annotations

import graphlib
from collections import Counter
from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import IntegrityError

from lineagedb.models.record import Record
from lineagedb.models.staged_save import save_staged

RecordT = TypeVar("RecordT", bound=Record)


def save(records: Iterable[RecordT]) -> list[RecordT]:
    """Save many records at once: one transaction of bulk inserts, bytes committed in it.

    New records of each registry go in with one INSERT per batch; records
    that already exist are updated in the same transaction. Artifacts' bytes
    take the same path as ``Artifact.save()``: staged, then given their final
    names inside the transaction. If anything fails, nothing is saved and no
    bytes are left behind. Records with the same content (the same file
    twice) resolve to one record, as when saved one by one.

    Example:
        >>> import lineagedb as ln
        >>> artifacts = [ln.Artifact(path) for path in paths]  # doctest: +SKIP
        >>> ln.save(artifacts)  # doctest: +SKIP
    """
    records = list({id(record): record for record in records}.values())  # the same object twice
    for record in records:
        record._check_text_fields()
    new = [r for r in records if r._state.adding]
    # New versions need their family's next suffix, assigned under a lock; two
    # records of one content meet the unique constraint: both go one by one.
    repeated = _repeated_content(new)
    # Feature sets and collections link their members as they are saved: one by one too.
    one_by_one = [
        r
        for r in new
        if getattr(r, "_revises", None)
        or _content_of(r) in repeated
        or "_pending_members" in r.__dict__
        or "_folder_content" in r.__dict__  # its files go into a FolderManifest
        or "_annotate_with" in r.__dict__  # from_df(..., schema=) links features and labels
        or getattr(r, "_members", None)
    ]
    aside = {id(record) for record in one_by_one}
    new = [record for record in new if id(record) not in aside]
    updated = [record for record in records if not record._state.adding]
    pending = [item for record in new for item in record._stage_for_save()]

    def write() -> None:
        for record in new:
            record._save_new_relations()
        for registry in _insert_order({type(record) for record in new}):
            group = [record for record in new if type(record) is registry]
            registry.objects.bulk_create(group, batch_size=500)
        for record in updated:
            record.save()

    try:
        save_staged(pending, write)
    except BaseException as error:
        for record in new:
            record.pk = None
            record._state.adding = True
            record._discard_staged()
        if not (isinstance(error, IntegrityError) and _content_saved_meanwhile(new)):
            raise
        # Another process saved some of the same content meanwhile: save each
        # record on its own, where such a conflict returns the existing record.
        one_by_one, new = new + one_by_one, []
    for record in new:
        record._finish_save()
    for registry in {type(record) for record in new}:
        after = getattr(registry, "_after_bulk_save", None)  # bionty: save ontology parents
        if after is not None:
            after([record for record in new if type(record) is registry])
    for record in one_by_one:
        record.save()
    return records


def _insert_order(registries: set[type[Record]]) -> list[type[Record]]:
    """Registries ordered so that each one's foreign keys point at earlier ones."""
    graph = {
        registry: {
            field.related_model
            for field in registry._meta.concrete_fields
            if field.is_relation
            and field.related_model in registries
            and field.related_model is not registry
        }
        for registry in registries
    }
    return list(graphlib.TopologicalSorter(graph).static_order())  # type: ignore[arg-type]


def _content_of(record: Any) -> tuple[str, str] | None:
    """(hash, hash_type) of a record whose bytes lineagedb manages, else None."""
    if not getattr(record, "key_is_virtual", False) or getattr(record, "hash", None) is None:
        return None
    return (record.hash, record.hash_type)


def _repeated_content(records: list[Any]) -> set[tuple[str, str]]:
    """Managed contents that more than one of ``records`` holds (one pass, any size)."""
    counts = Counter(_content_of(record) for record in records)
    return {content for content, count in counts.items() if content is not None and count > 1}


def _content_saved_meanwhile(records: list[Any]) -> bool:
    return any(record._same_managed_content() is not None for record in records)
