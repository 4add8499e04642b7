"""What uses a feature, label or feature set — and the refusal to delete one in use.

Deleting a feature used to cascade silently: its labels vanished from every
artifact and its feature sets kept their ``n`` and hash with a member fewer,
so a schema quietly stopped requiring a column (issue 27). A record in use is
now kept; the error counts its uses and says how to unlink them first.

Example:
    >>> uses_of(study_name)
    {'labels under it': 1, 'feature sets': 1}
"""

from __future__ import annotations

from typing import Any

from lineagedb.errors import InUse
from lineagedb.models.annotations.feature import Feature
from lineagedb.models.annotations.feature_set import FeatureSet
from lineagedb.models.annotations.label_links import label_links

# How to free a record of each kind of use.
_UNLINK = {
    "artifact labels": "artifact.labels.remove(record)",
    "collection labels": "collection.labels.remove(record)",
    "labels under it": "artifact.features.remove_values(feature)",
    "feature values": "artifact.features.remove_values(feature)",
    "feature sets": "delete the sets that hold it first (unused ones only)",
    "artifacts": "artifact.features.add(...) with another set, or delete the artifacts",
    "collections": "delete or re-annotate the collections",
    "run values": "run.features.remove_values(feature) on those runs",
    "record values": "record.features.remove_values(feature) on those records",
}


def _hosts() -> list[Any]:
    from lineagedb.models.artifact import Artifact
    from lineagedb.models.collection import Collection

    return [Artifact, Collection]


def guards_deletes(model: Any) -> bool:
    """Whether records of ``model`` are checked for uses before they are deleted.

    Example:
        >>> guards_deletes(ln.Feature), guards_deletes(ln.Run)
        (True, False)
    """
    if model in (Feature, FeatureSet):
        return True
    return any(link.model is model for host in _hosts() for link in label_links(host))


def uses_of(record: Any) -> dict[str, int]:
    """The uses of a feature, label or feature set, by kind (kinds with none left out).

    Example:
        >>> uses_of(ln.Feature(name="unused", dtype="num").save())
        {}
    """
    model = type(record)
    uses: dict[str, int] = {}
    if model is FeatureSet:
        uses["artifacts"] = record.artifact_links.count()
        uses["collections"] = record.collection_links.count()
    for host in _hosts():
        kind = host.__name__.lower()
        for link in label_links(host):
            if link.model is model:
                found = link.through.objects.filter(**{link.label_field: record}).count()
                uses[f"{kind} labels"] = uses.get(f"{kind} labels", 0) + found
            if model is Feature and link.has_feature:
                found = link.through.objects.filter(feature=record).count()
                uses["labels under it"] = uses.get("labels under it", 0) + found
    sets = getattr(model, "feature_sets", None)
    if sets is not None and model is not FeatureSet:
        uses["feature sets"] = sets.through.objects.filter(
            **{model.__name__.lower(): record}
        ).count()
    if model is Feature:
        from lineagedb.models.annotations.links import ArtifactFeatureValue, RunFeatureValue

        values = ArtifactFeatureValue.objects.filter(featurevalue__feature=record)
        uses["feature values"] = values.count()
        uses["run values"] = RunFeatureValue.objects.filter(featurevalue__feature=record).count()
        uses["record values"] = (  # typed records' (ln.Record), by table
            record.record_values.count()
            + record.record_ulabels.count()
            + record.record_records.count()
        )
    return {kind: count for kind, count in uses.items() if count}


def refuse_if_used(record: Any) -> None:
    """Raise :class:`InUse` when ``record`` is a feature, label or set that something uses.

    Example:
        >>> study_name.delete()
        Traceback (most recent call last):
        ...
        lineagedb.errors.InUse: Feature 'study_name' is in use (1 labels under it, ...
    """
    if not guards_deletes(type(record)) or record._state.adding:
        return
    uses = uses_of(record)
    if not uses:
        return
    name = getattr(record, type(record)._name_field, None) or record.uid
    counted = ", ".join(f"{count} {kind}" for kind, count in uses.items())
    steps = "; ".join(dict.fromkeys(_UNLINK[kind] for kind in uses))
    raise InUse(
        f"{type(record).__name__} {name!r} is in use ({counted}); nothing was deleted. "
        f"Unlink it first: {steps}.",
        uses=uses,
    )
