"""``record.describe()``: the record, then the records it links to."""

from __future__ import annotations

from typing import Any

from lineagedb.display.format import format_value
from lineagedb.label_links import label_links, registry_name

MAX_INPUTS = 10
# Foreign keys shown under "Provenance:", in this order, when set.
PROVENANCE_FIELDS = ("storage", "transform", "run", "created_by")


def summary(record: Any, *, with_updated_at: bool = False) -> str:
    """A record as one line: its non-empty own fields, no foreign keys.

    Example:
        >>> summary(artifact)  # doctest: +SKIP
        "Artifact(uid='Jcs76l0nQW6Oi1go0aeP', key='meta.csv', suffix='.csv', ...)"
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


def describe(record: Any) -> str:
    """The text ``describe()`` prints: the record, then its provenance.

    Works on unsaved records too: links that are not set are left out.

    Example:
        >>> print(describe(artifact))  # doctest: +SKIP
    """
    lines = [summary(record, with_updated_at=True)]
    linked = []
    for name in PROVENANCE_FIELDS:
        if not any(field.name == name for field in record._meta.concrete_fields):
            continue
        if getattr(record, f"{name}_id") is None:
            continue
        linked.append(f"  📎 {name}: {summary(getattr(record, name))}")
    if linked:
        lines += ["", "Provenance:", *linked]
    run = record if type(record).__name__ == "Run" else getattr(record, "run", None)
    if run is not None and run.pk is not None:
        inputs = [
            *run.input_artifacts.all()[:MAX_INPUTS],
            *run.input_collections.all()[:MAX_INPUTS],
        ]
        if inputs:
            lines += ["", "Inputs of the run:" if run is not record else "Inputs:"]
            lines += [f"  ⬇ {summary(item)}" for item in inputs]
    if hasattr(record, "feature_set_links") and record.pk is not None:
        for section in (features_section(record), labels_section(record)):
            if section:
                lines += ["", *section]
    return "\n".join(lines)


MAX_VALUES = 10
MAX_MEMBERS = 20


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


def features_section(host: Any) -> list[str]:
    """The "Features:" lines of an artifact or collection: per slot, its set and features.

    Category features show the labels linked to this host under them.

    Example:
        >>> for line in features_section(artifact):  # doctest: +SKIP
        ...     print(line)
        Features:
          columns: FeatureSet(uid='…', n=5, registry='core.Feature')
            🔗 iris_organism_name (3, core.ULabel): 'setosa', 'versicolor', 'virginica'
            petal_length (number)
    """
    links = list(host.feature_set_links.select_related("featureset").order_by("slot", "id"))
    if not links:
        return []
    labels: dict[int, list[str]] = {}
    for link in label_links(type(host)):
        if link.has_feature:
            rows = link.through.objects.filter(**{link.host_field: host}).values_list(
                "feature_id", f"{link.label_field}__{link.name_field}"
            )
            for feature_id, name in rows:
                labels.setdefault(feature_id, []).append(name)
    values: dict[int, list[str]] = {}
    if hasattr(host, "feature_value_links"):
        pairs = host.feature_value_links.values_list(
            "featurevalue__feature_id", "featurevalue__value"
        )
        for feature_id, value in pairs:
            values.setdefault(feature_id, []).append(value)
    lines = ["Features:"]
    for link in links:
        feature_set = link.featureset
        lines.append(f"  {link.slot}: {_short(feature_set)}")
        if feature_set.registry != "core.Feature":
            names = [_member_name(m) for m in feature_set.members[: MAX_MEMBERS + 1]]
            lines.append(f"    {_values(names, MAX_MEMBERS)}")
            continue
        for feature in feature_set.features.order_by("name"):
            if feature.type == "category" and feature.registries:
                found = labels.get(feature.pk, [])
                lines.append(
                    f"    🔗 {feature.name} ({len(set(found))}, {feature.registries}): "
                    f"{_values(found)}"
                )
            else:
                unit = f", {feature.unit}" if feature.unit else ""
                given = values.get(feature.pk)
                shown = f": {_values([str(v) for v in given])}" if given else ""
                lines.append(f"    {feature.name} ({feature.type}{unit}){shown}")
    return lines


def labels_section(host: Any) -> list[str]:
    """The "Labels:" lines of an artifact or collection.

    Example:
        >>> for line in labels_section(artifact):  # doctest: +SKIP
        ...     print(line)
        Labels:
          📎 ulabels (4, core.ULabel): 'setosa', 'study0', 'versicolor', 'virginica'
    """
    lines = []
    for link in label_links(type(host)):
        names = list(
            link.through.objects.filter(**{link.host_field: host}).values_list(
                f"{link.label_field}__{link.name_field}", flat=True
            )
        )
        if names:
            registry = registry_name(link.model)
            lines.append(f"  📎 {link.accessor} ({len(set(names))}, {registry}): {_values(names)}")
    return ["Labels:", *lines] if lines else []


def print_describe(record: Any) -> None:
    """Print :func:`describe` with rich: highlighted in terminals and Jupyter, plain when piped.

    Example:
        >>> print_describe(artifact)  # doctest: +SKIP
    """
    from rich.console import Console

    Console(soft_wrap=True).print(describe(record), markup=False)


def _member_name(member: Any) -> str:
    """A feature set member by its name (a gene by its symbol)."""
    return str(getattr(member, member._name_field, None) or member)
