"""What ``describe()`` shows of a record: its run, and a host's features and labels.

The queries are here, beside the registries; ``display/describe.py`` only
lays out what this hands it.

Example:
    >>> print(describe_text(artifact).splitlines()[-1])
      📎 ulabels (1, core.ULabel): 'study0'
"""

from __future__ import annotations

from typing import Any

from lineagedb.display.describe import Annotations, FeatureLine, SlotLines, describe
from lineagedb.models.annotations.label_links import (
    LabelLink,
    label_links,
    label_rows,
    registry_name,
)

# Members shown of a feature set of genes (or another registry's records).
_MEMBERS_SHOWN = 21


def describe_text(record: Any) -> str:
    """The text ``record.describe()`` prints: the record, its provenance, run inputs, annotations.

    Example:
        >>> "Labels:" in describe_text(ln.Artifact.get(key="iris/study1.parquet"))
        False
    """
    run = record._provenance_run()
    hosts_annotations = hasattr(record, "feature_set_links") and record.pk is not None
    return describe(record, run, annotations_of(record) if hosts_annotations else None)


def annotations_of(host: Any) -> Annotations:
    """An artifact's or collection's feature sets by slot, the labels and values under each.

    Example:
        >>> annotations_of(artifact).labels
        [('ulabels', 'core.ULabel', ['study0'])]
    """
    return Annotations(slots=_slots(host), labels=label_groups(host))


def label_groups(host: Any) -> list[tuple[str, str, list[str]]]:
    """(accessor, registry name, label names) of every label registry linked to ``host``.

    Example:
        >>> label_groups(artifact)
        [('ulabels', 'core.ULabel', ['study0'])]
    """
    by_link: dict[LabelLink, list[str]] = {}
    for link, _, _, _, name in label_rows(label_links(type(host)), host):
        by_link.setdefault(link, []).append(name)
    return [(link.accessor, registry_name(link.model), names) for link, names in by_link.items()]


def _slots(host: Any) -> list[SlotLines]:
    links = list(host.feature_set_links.select_related("featureset").order_by("slot", "id"))
    if not links:
        return []
    labels: dict[int, list[str]] = {}
    for _, _, feature_id, _, name in label_rows(label_links(type(host)), host, True):
        if feature_id is not None:  # always, under a feature
            labels.setdefault(feature_id, []).append(name)
    values: dict[int, list[Any]] = {}
    if hasattr(host, "feature_value_links"):
        pairs = host.feature_value_links.values_list(
            "featurevalue__feature_id", "featurevalue__value"
        )
        for feature_id, value in pairs:
            values.setdefault(feature_id, []).append(value)
    slots = []
    for link in links:
        feature_set = link.featureset
        if feature_set.registry != "core.Feature":
            names = [_member_name(m) for m in feature_set.members[:_MEMBERS_SHOWN]]
            slots.append(SlotLines(link.slot, feature_set, members=names))
            continue
        features = [
            FeatureLine(
                name=feature.name,
                type=feature.type,
                unit=feature.unit,
                registries=feature.registries,
                labels=labels.get(feature.pk, []),
                values=values.get(feature.pk, []),
            )
            for feature in feature_set.features.order_by("name")
        ]
        slots.append(SlotLines(link.slot, feature_set, features=features))
    return slots


def _member_name(member: Any) -> str:
    """A feature set member by its name (a gene by its symbol)."""
    return str(getattr(member, member._name_field, None) or member)
