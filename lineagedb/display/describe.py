"""``record.describe()``: the record, then the records it links to."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from lineagedb.display.format import format_value

MAX_INPUTS = 10
# Foreign keys shown under "Provenance:", in this order, when set.
PROVENANCE_FIELDS = ("storage", "transform", "run", "initiated_by_run", "created_by")


def summary(record: Any, *, with_updated_at: bool = False) -> str:
    """A record as one line: its non-empty own fields, no foreign keys.

    Example:
        >>> summary(artifact)
        "Artifact(uid='...', key='iris_studies/study0_raw_images/meta.csv', suffix='.csv', ...)"
    """
    parts = []
    for field in record._meta.concrete_fields:
        private = field.name.startswith("_")
        if (
            private
            or field.is_relation
            or field.name in ("id", "updated_at", *record._repr_exclude)
        ):
            continue
        value = record.__dict__.get(field.attname)
        if value is not None:
            parts.append(f"{field.name}={format_value(value)}")
    if with_updated_at and record.__dict__.get("updated_at") is not None:
        parts.append(f"updated_at={format_value(record.updated_at)}")
    return f"{type(record).__name__}({', '.join(parts)})"


@dataclass
class FeatureLine:
    """One feature of a host's feature set, with what the host has under it."""

    name: str
    type: str
    unit: str | None = None
    registries: str | None = None
    labels: list[str] = dataclasses.field(default_factory=list)  # label names linked under it
    values: list[Any] = dataclasses.field(default_factory=list)  # feature values (numbers, text)


@dataclass
class SlotLines:
    """A host's feature set in one slot: its features, or (genes, …) its members' names."""

    slot: str | None
    feature_set: Any
    features: list[FeatureLine] = dataclasses.field(default_factory=list)
    members: list[str] | None = None


@dataclass
class Annotations:
    """What ``describe()`` shows of a host's features and labels, gathered by the models.

    Example:
        >>> features_section(Annotations(slots=[], labels=[]))
        []
    """

    slots: list[SlotLines]
    # (accessor, registry name, label names) per label registry with links.
    labels: list[tuple[str, str, list[str]]]


def describe(record: Any, run: Any = None, annotations: Annotations | None = None) -> str:
    """The text ``describe()`` prints: the record, then its provenance.

    ``run`` is the run whose inputs are shown (the record itself for a Run);
    ``annotations`` its features and labels. Works on unsaved records too:
    links that are not set are left out.

    Example:
        >>> print(describe(artifact, artifact.run))
        Artifact(uid='...', key='iris_studies/study0_raw_images/meta.csv', ...)
        <BLANKLINE>
        Provenance:
          📎 storage: Storage(uid='...', root='.../lamin-tutorial', type='local')
          📎 created_by: User(uid='00000000', handle='anonymous')
    """
    lines = [summary(record, with_updated_at=True)]
    linked = []
    for name in PROVENANCE_FIELDS:
        if not any(field.name == name for field in record._meta.concrete_fields):
            continue
        if getattr(record, f"{name}_id") is None:
            continue
        linked.append(f"  📎 {name}: {summary(getattr(record, name))}")
    linked += _projects_and_references(record)
    if linked:
        lines += ["", "Provenance:", *linked]
    if run is not None and run.pk is not None:
        inputs = [
            *run.input_artifacts.all()[:MAX_INPUTS],
            *run.input_collections.all()[:MAX_INPUTS],
        ]
        if inputs:
            lines += ["", "Inputs of the run:" if run is not record else "Inputs:"]
            lines += [f"  ⬇ {summary(item)}" for item in inputs]
    if annotations is not None:
        for section in (features_section(annotations), labels_section(annotations)):
            if section:
                lines += ["", *section]
    return "\n".join(lines)


MAX_VALUES = 10
MAX_MEMBERS = 20


def _projects_and_references(record: Any) -> list[str]:
    """LaminDB 2's projects and references of ``record``, where it has them: one query."""
    from django.db.models import CharField, Value

    if record.pk is None:
        return []
    queries = [
        getattr(record, relation)
        .annotate(relation=Value(relation, CharField()))
        .values_list("relation", "name")
        for relation in ("projects", "references")
        if hasattr(record, relation)
    ]
    if not queries:
        return []
    names: dict[str, list[str]] = {}
    for relation, name in queries[0].union(*queries[1:], all=True):
        names.setdefault(relation, []).append(name)
    return [f"  📎 {relation}: {_values(found)}" for relation, found in sorted(names.items())]


def _values(values: list[str], limit: int = MAX_VALUES) -> str:
    """Sorted, de-duplicated, quoted, comma-joined; cut with ``...`` after ``limit``."""
    unique = sorted(set(values))
    shown = ", ".join(repr(value) for value in unique[:limit])
    return shown + (", ..." if len(unique) > limit else "")


def _short(record: Any) -> str:
    fields = ("uid", "name", "n", "type", "registry")
    parts = [
        f"{name}={format_value(getattr(record, name))}"
        for name in fields
        if getattr(record, name, None) is not None
    ]
    return f"{type(record).__name__}({', '.join(parts)})"


def features_section(annotations: Annotations) -> list[str]:
    """The "Features:" lines of an artifact or collection: per slot, its set and features.

    Category features show the labels linked to this host under them.

    Example:
        >>> line = FeatureLine("iris_organism_name", "category", registries="core.ULabel")
        >>> line.labels = ["setosa", "versicolor", "virginica"]
        >>> features = [line, FeatureLine("petal_length", "number")]
        >>> slot = SlotLines("columns", schema, features=features)
        >>> for text in features_section(Annotations(slots=[slot], labels=[])):
        ...     print(text)
        Features:
          columns: FeatureSet(uid='...', name='iris', n=5, registry='core.Feature')
            🔗 iris_organism_name (3, core.ULabel): 'setosa', 'versicolor', 'virginica'
            petal_length (number)
    """
    if not annotations.slots:
        return []
    lines = ["Features:"]
    for slot in annotations.slots:
        lines.append(f"  {slot.slot}: {_short(slot.feature_set)}")
        if slot.members is not None:
            lines.append(f"    {_values(slot.members, MAX_MEMBERS)}")
            continue
        for feature in slot.features:
            if feature.type == "category" and feature.registries:
                found = feature.labels
                lines.append(
                    f"    🔗 {feature.name} ({len(set(found))}, {feature.registries}): "
                    f"{_values(found)}"
                )
            else:
                unit = f", {feature.unit}" if feature.unit else ""
                given = feature.values
                shown = f": {_values([str(v) for v in given])}" if given else ""
                lines.append(f"    {feature.name} ({feature.type}{unit}){shown}")
    return lines


def labels_section(annotations: Annotations) -> list[str]:
    """The "Labels:" lines of an artifact or collection.

    Example:
        >>> groups = [("ulabels", "core.ULabel", ["study0", "setosa", "study0"])]
        >>> for line in labels_section(Annotations(slots=[], labels=groups)):
        ...     print(line)
        Labels:
          📎 ulabels (2, core.ULabel): 'setosa', 'study0'
    """
    lines = [
        f"  📎 {accessor} ({len(set(names))}, {registry}): {_values(names)}"
        for accessor, registry, names in annotations.labels
        if names
    ]
    return ["Labels:", *lines] if lines else []


def print_describe(text: str) -> None:
    """Print the text of :func:`describe` with rich: highlighted in terminals, plain when piped.

    Example:
        >>> print_describe("Artifact(uid='Jcs76l0nQW6Oi1go0aeP')")
        Artifact(uid='Jcs76l0nQW6Oi1go0aeP')
    """
    from rich.console import Console

    Console(soft_wrap=True).print(text, markup=False)
