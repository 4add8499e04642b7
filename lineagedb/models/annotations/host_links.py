"""What ``artifact.labels`` and ``artifact.features`` share: an artifact's or collection's
feature-set links, and the ``external`` set that holds features used without a set.

A feature a label or value is linked under that no feature set of the host
holds joins the host's ``external`` set, rebuilt by hash (a set shared with
other hosts is never deleted while they use it).

Example:
    >>> refresh_external(artifact)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import transaction

from lineagedb._base.logger import logger
from lineagedb.errors import InUse, InvalidArgument, WrongType
from lineagedb.models.annotations.feature import Feature
from lineagedb.models.annotations.feature_set import FeatureSet
from lineagedb.models.annotations.links import (
    ArtifactFeatureSet,
    ArtifactFeatureValue,
    CollectionFeatureSet,
)
from lineagedb.models.query.queryset import QuerySet
from lineagedb.models.record import Record

EXTERNAL = "external"


@dataclass(frozen=True)
class HostLinks:
    """The link tables of one kind of host (Artifact, Collection) that annotations write.

    Example:
        >>> links_of(artifact).host_field
        'artifact'
    """

    feature_sets: Any  # the feature-set link model: ArtifactFeatureSet
    host_field: str  # its foreign key to the host: "artifact"
    values: Any  # the feature-value link model, or None (collections hold no values)


@cache
def _hosts() -> dict[Any, HostLinks]:
    from lineagedb.models.artifact import Artifact
    from lineagedb.models.collection import Collection

    return {
        Artifact: HostLinks(ArtifactFeatureSet, "artifact", ArtifactFeatureValue),
        Collection: HostLinks(CollectionFeatureSet, "collection", None),
    }


def links_of(host: Any) -> HostLinks:
    """The link tables of ``host``'s registry (an artifact's or a collection's).

    Example:
        >>> links_of(collection).values is None
        True
    """
    try:
        return _hosts()[type(host)]
    except KeyError:
        raise WrongType(
            f"{type(host).__name__} records hold no features or labels; artifacts and "
            "collections do."
        ) from None


def require_saved(host: Any, what: str) -> None:
    """A clear error when ``host`` is not saved yet (or belongs to another instance)."""
    Record.check_instances([host])
    if host._state.adding:
        kind = type(host).__name__.lower()
        raise InvalidArgument(f"Save the {kind} before adding {what}: {kind}.save().")


def as_records(records: Any) -> list[Any]:
    """Records, a QuerySet, a name or a list of them, as a list."""
    if records is None:
        return []
    if isinstance(records, (Record, str)):
        listed = [records]
    elif isinstance(records, (QuerySet, Iterable)):
        listed = list(records)
    else:
        raise WrongType(f"Labels are records, a QuerySet or a list of them, not {records!r}.")
    Record.check_instances(listed)
    return listed


def lock_host(host: Any) -> None:
    """Hold the host's row until the transaction ends, so its sets are read and rewritten by
    one writer at a time.

    PostgreSQL: ``SELECT ... FOR UPDATE``; four processes rebuilding one host's
    ``external`` set from stale reads left it with 1 feature of 4 (issue 27).
    SQLite needs nothing: its transactions take the write lock when they begin.
    Call it inside ``transaction.atomic()``.

    Example:
        >>> from django.db import transaction
        >>> with transaction.atomic():
        ...     lock_host(artifact)
    """
    from django.db import connection

    if not connection.features.has_select_for_update:  # SQLite: no query to send
        return
    model = type(host)
    list(model._base_manager.select_for_update().filter(pk=host.pk).values_list("pk", flat=True))


def sets_by_slot(host: Any) -> dict[str | None, FeatureSet]:
    """{slot: FeatureSet} of the host."""
    if host._state.adding:
        return {}
    links_to = links_of(host)
    links = links_to.feature_sets.objects.filter(**{links_to.host_field: host}).select_related(
        "featureset"
    )
    return {link.slot: link.featureset for link in links}


def link_set(host: Any, feature_set: FeatureSet, slot: str | None, locked: bool = False) -> None:
    """Make ``feature_set`` the host's set in ``slot`` (replacing the one there): one set per
    slot, under the host's lock (``locked``: the caller's transaction holds it already)."""
    links_to = links_of(host)
    set_model, host_field = links_to.feature_sets, links_to.host_field
    with transaction.atomic(savepoint=False):
        if not locked:
            lock_host(host)
        set_model.objects.filter(**{host_field: host}, slot=slot).exclude(
            featureset=feature_set
        ).delete()
        link, created = set_model.objects.get_or_create(
            **{host_field: host}, featureset=feature_set, defaults={"slot": slot}
        )
        if not created and link.slot != slot:  # the same set moves to this slot
            link.slot = slot
            link.save(update_fields=["slot"])


def refresh_external(host: Any, locked: bool = False) -> None:
    """Make the host's ``external`` set what its links say: the features it has labels or
    values under that no other feature set of the host holds (no set when there are none).

    Computed afresh from the links under the host's lock, never patched from a
    read: after any sequence of ``labels.add/remove`` and ``features.add/add_values/
    remove_values`` the set matches the links, on both databases. ``locked``: the
    caller's transaction holds the lock already (one lock query, not one per step).

    Example:
        >>> refresh_external(artifact)
        >>> [f.name for f in artifact.features.by_slot()["external"].features.all()]
        ['study_name']
    """
    from lineagedb.models.annotations.label_links import label_links, label_rows
    from lineagedb.models.annotations.links import FeatureSetFeature

    links_to = links_of(host)
    # No savepoint of its own: it is part of its caller's write, which fails as a whole.
    with transaction.atomic(savepoint=False):
        if not locked:
            lock_host(host)  # the sets read here are the ones rewritten: no stale read
        sets = sets_by_slot(host)
        old = sets.pop(EXTERNAL, None)
        held: set[int] = set()  # features of the host's other sets
        had: set[int] = set()  # features of its external set now
        memberships = FeatureSetFeature.objects.filter(
            featureset__in=[
                s.pk for s in [*sets.values(), old] if s and s.registry == "core.Feature"
            ]
        ).values_list("featureset_id", "feature_id")
        for set_id, feature_id in memberships:
            (had if old is not None and set_id == old.pk else held).add(feature_id)
        rows = label_rows(label_links(type(host)), host, under_feature=True)
        used = {feature_id for _, _, feature_id, _, _ in rows if feature_id is not None}
        if links_to.values is not None:
            used.update(
                links_to.values.objects.filter(artifact=host).values_list(
                    "featurevalue__feature_id", flat=True
                )
            )
        wanted = used - held
        if wanted == had:
            return
        new, added = None, []
        if wanted:
            members = list(Feature.objects.filter(pk__in=wanted))
            added = sorted(f.name for f in members if f.pk not in had)
            new = FeatureSet(members)
            if new._state.adding:
                new.save()
            link_set(host, new, EXTERNAL, locked=True)
        else:
            links_to.feature_sets.objects.filter(
                **{links_to.host_field: host}, slot=EXTERNAL
            ).delete()
        if old is not None and (new is None or old.pk != new.pk):
            # Deleted when no artifact or collection uses it any more: delete() itself
            # refuses a set in use (0.70 deleted used ones).
            with contextlib.suppress(InUse):
                old.delete()
    if added and new is not None:
        logger.info(f"linked features {added} in feature set {new.uid} (slot {EXTERNAL!r})")
