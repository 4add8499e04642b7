"""``ln.save(records)``: many records in one transaction.

Records are told apart by two small protocols, never by their class:
:class:`HoldsBytes` (artifacts: bytes staged and committed with the
records) and :class:`SavesAlone` (records whose ``save()`` writes more than
their row: new versions, feature sets and collections linking members,
artifacts with a folder manifest or annotations).
"""

from __future__ import annotations

import graphlib
from collections import Counter
from collections.abc import Iterable
from typing import Any, Protocol, TypeVar, runtime_checkable

from django.db import IntegrityError

from lineagedb._base.session import session
from lineagedb.models._plain import fast_inserts, insert
from lineagedb.models.artifact.staged_save import Pending, save_staged
from lineagedb.models.project import link_to_tracked_project
from lineagedb.models.record import Record

RecordT = TypeVar("RecordT", bound=Record)


@runtime_checkable
class HoldsBytes(Protocol):
    """A record with bytes in storage, saved on the one save path (``staged_save``)."""

    def _stage_for_save(self) -> list[Pending]:
        """Stage the bytes not staged yet; (staged, final location) pairs to commit."""

    def _save_new_relations(self) -> None:
        """Save records this one points at that are new too (a bucket seen first)."""

    def _discard_staged(self) -> None:
        """Forget staged bytes after a failed save (the save path removed them)."""

    def _finish_save(self) -> None:
        """Tidy up after the record and its bytes are saved."""

    def _same_managed_content(self) -> Any:
        """A saved record holding the same managed bytes (another writer was first), or None."""


@runtime_checkable
class SavesAlone(Protocol):
    """A record ``ln.save()`` must save with its own ``save()``."""

    def _saves_alone(self) -> bool:
        """Whether it must, now."""


def save(records: Iterable[RecordT], parents: bool | None = None) -> list[RecordT]:
    """Save many records at once: one transaction of bulk inserts, bytes committed in it.

    ``parents=False`` saves ontology terms without their ancestors (LaminDB 0.70;
    default: ``bt.settings.auto_save_parents``).

    New records of each registry go in with one INSERT per batch; records
    that already exist are updated in the same transaction. Artifacts' bytes
    take the same path as ``Artifact.save()``: staged, then given their final
    names inside the transaction. If anything fails, nothing is saved and no
    bytes are left behind. Records with the same content (the same file
    twice) resolve to one record, as when saved one by one.

    Example:
        >>> import lineagedb as ln
        >>> paths = ["meta.csv", "meta_fixed.csv"]
        >>> artifacts = [ln.Artifact(path, description="study 0") for path in paths]
        >>> [a.pk is not None for a in ln.save(artifacts)]
        [True, True]
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
        if _content_of(r) in repeated or (_implements(type(r), SavesAlone) and r._saves_alone())
    ]
    aside = {id(record) for record in one_by_one}
    new = [record for record in new if id(record) not in aside]
    with_bytes = [record for record in new if _implements(type(record), HoldsBytes)]
    updated = [record for record in records if not record._state.adding]
    if any(getattr(record, "run_id", 0) is None for record in with_bytes):
        session.tracked.say_untracked_once("artifact")
    pending = [item for record in with_bytes for item in record._stage_for_save()]

    def write() -> None:
        for record in with_bytes:
            record._save_new_relations()
        for registry in _insert_order({type(record) for record in new}):
            group = [record for record in new if type(record) is registry]
            if registry._meta.label == "lineagedb.Artifact" and fast_inserts():
                insert(registry, group)  # the hot path: 10,000 files at a time
            else:
                registry.objects.bulk_create(group, batch_size=500)
            link_to_tracked_project(group)  # ln.track(project=...)
            after = getattr(registry, "_after_bulk_save", None)
            if after is not None:  # bionty: ontology parents, in the same transaction
                after(group, parents)
        for record in updated:
            record.save()

    try:
        save_staged(pending, write)
    except BaseException as error:
        for record in new:
            record.pk = None
            record._state.adding = True
        for record in with_bytes:
            record._discard_staged()
        if not (
            isinstance(error, IntegrityError)
            and (_content_saved_meanwhile(with_bytes) or _named_meanwhile(new))
        ):
            raise
        # Another process saved some of the same content (or label, feature, ontology
        # term) meanwhile: save each record on its own, where such a conflict returns
        # the existing record.
        one_by_one, new, with_bytes = new + one_by_one, [], []
    for record in with_bytes:
        record._finish_save()
    for record in one_by_one:
        if parents is not None and hasattr(type(record), "_after_bulk_save"):
            record.save(parents=parents)  # type: ignore[call-arg]
        else:
            record.save()
    return records


_IMPLEMENTS: dict[tuple[type, type], bool] = {}


def _implements(registry: type, protocol: type) -> bool:
    """Whether a registry implements a protocol: asked once per registry, not per record
    (a runtime protocol check costs ~6-12 µs, 0.1 s over 10,000 records)."""
    key = (registry, protocol)
    if key not in _IMPLEMENTS:
        _IMPLEMENTS[key] = issubclass(registry, protocol)
    return _IMPLEMENTS[key]


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


def _named_meanwhile(records: Iterable[Record]) -> bool:
    """Whether another process saved a record with a natural key of one of ``records``."""
    return any(record._natural_keys and record.saved_twin() is not None for record in records)


def _content_saved_meanwhile(records: Iterable[HoldsBytes]) -> bool:
    return any(record._same_managed_content() is not None for record in records)
