"""Feature names in queries: ``ln.Artifact.filter(temperature__gt=37)``, ``df(include="features")``.

A lookup whose head is no field of the registry but a feature's name
becomes a subquery of the hosts that have a matching value (numbers, text,
dates) or label (category features, in any registry the feature takes
values from). Only internal queries that name fields skip this: user
filters on registries with feature values ask here first.

Example:
    >>> fields = frozenset(f.name for f in ln.Artifact._meta.get_fields())
    >>> plain, per_feature = split_feature_lookups(ln.Artifact, {"temperature__gt": 37}, fields)
    >>> plain, len(per_feature)
    ({}, 1)
"""

from __future__ import annotations

from typing import Any

from django.db import models

from lineagedb.errors import InvalidArgument
from lineagedb.models.annotations.label_links import (
    LabelLink,
    feature_registries,
    label_links,
    label_rows,
    registry_name,
)
from lineagedb.models.query.fields import field_names

# The column of FeatureValue that holds a feature type's values.
_VALUE_COLUMN = {"number": "number", "bool": "number", "dict": "value"}


def has_feature_values(model: Any) -> bool:
    """Whether records of ``model`` hold feature values (artifacts and runs do)."""
    return _value_links(model) is not None


def _value_links(model: Any) -> tuple[Any, str] | None:
    """The table linking ``model``'s records to feature values, and its column of them."""
    from lineagedb.models.annotations.links import ArtifactFeatureValue, RunFeatureValue
    from lineagedb.models.artifact import Artifact
    from lineagedb.models.run import Run

    return {Artifact: (ArtifactFeatureValue, "artifact"), Run: (RunFeatureValue, "run")}.get(model)


def split_lookups(query: Any, kwargs: dict[str, Any]) -> tuple[dict[str, Any], list[list[Any]]]:
    """A user filter's lookups: its registry's own (renamed where LaminDB 2 names them
    otherwise: ``Feature.filter(type=<a feature type>)``), and per feature its subqueries.

    A query of another instance (``connect()``) reads no features: this instance's are not
    that one's.
    """
    rename = getattr(query.model, "_rename_lookups", None)
    if rename is not None:
        kwargs = rename(dict(kwargs))
    if query.db != "default":
        return kwargs, []
    return split_feature_lookups(query.model, kwargs, field_names(query.model))


def on_this_instance(query: Any, what: str) -> None:
    """Refuse what reads the connected instance's tables besides the query's own (feature
    lookups, search indexes) on a query of another instance (``connect()``)."""
    if query.db != "default":
        raise InvalidArgument(
            f"{what} on another instance (connect()) is not supported yet: it reads this "
            "instance's features and search index. Filter by fields there "
            "(key__icontains=..., suffix=...)."
        )


def split_feature_lookups(
    model: Any, kwargs: dict[str, Any], fields: frozenset[str]
) -> tuple[dict[str, Any], list[list[Any]]]:
    """Split off ``<feature name>[__lookup]=value`` lookups: one list of id subqueries per feature.

    Each subquery reads only a link table (labels under the feature, or its
    values), through the link's own indexes. ``fields``: the registry's own
    lookup heads, which keep their meaning.
    """
    heads = {key.split("__")[0] for key in kwargs} - fields
    if not heads or not has_feature_values(model):
        return kwargs, []
    from lineagedb.models.annotations.feature import Feature
    from lineagedb.models.annotations.links import FeatureValue
    from lineagedb.models.annotations.values import query_value

    value_links, host = _value_links(model)  # type: ignore[misc]

    features = {f.name: f for f in Feature.objects.filter(name__in=heads)}
    if not features:
        return kwargs, []
    plain: dict[str, Any] = {}
    per_feature: list[list[Any]] = []
    for key, value in kwargs.items():
        head, _, lookup = key.partition("__")
        feature = features.get(head)
        if feature is None:
            plain[key] = value
            continue
        suffix = f"__{lookup}" if lookup else ""
        if feature.type == "category":
            if not _feature_label_links(model, feature):
                raise InvalidArgument(
                    f"Feature {feature.name!r} is a category, and {model.__name__} records "
                    "hold no labels under features: filter by a value feature instead."
                )
            options = _label_options(model, feature, value, suffix)
            per_feature.append(options or [model.objects.none().values("pk")])  # none, not all
            continue
        column = _VALUE_COLUMN.get(feature.type, "text")
        value = query_value(feature, value, lookup.rpartition("__")[2])
        matching = FeatureValue.objects.filter(
            feature_id=feature.pk, **{f"{column}{suffix}": value}
        ).values("pk")
        links = value_links.objects.filter(featurevalue_id__in=matching)
        per_feature.append([links.values(host)])
    return plain, per_feature


def _label_options(model: Any, feature: Any, value: Any, suffix: str) -> list[Any]:
    """A subquery per label registry of ``feature``: hosts with a matching label under it."""
    records = hasattr(value, "_meta") or (
        isinstance(value, (list, tuple)) and value and hasattr(value[0], "_meta")
    )
    options = []
    typed = feature_registries(feature)
    for link in _feature_label_links(model, feature):
        field = link.label_field if records else f"{link.label_field}__{link.name_field}"
        if records and not _records_of(value, link.model):
            continue
        named = suffix.removeprefix(f"__{link.name_field}")  # sample__name="S1" as sample="S1"
        conditions = {f"{field}{named if not records else suffix}": value}
        type_name = typed.get(registry_name(link.model))
        if type_name is not None:  # cat[Record[Sample]]: names are unique within a type
            conditions[f"{link.label_field}__type__name"] = type_name
        links = link.through.objects.filter(feature_id=feature.pk, **conditions)
        options.append(links.values(link.host_field))
    return options


def feature_columns(model: Any, ids: list[int]) -> dict[str, dict[int, Any]]:
    """{feature name: {record id: value or list}} from feature values and labelled features.

    Example:
        >>> artifact.features.add_values({"temperature": 37.2})
        >>> feature_columns(ln.Artifact, [artifact.pk]) == {
        ...     "study_name": {artifact.pk: "study0"}, "temperature": {artifact.pk: 37.2}
        ... }
        True
    """
    found: dict[str, dict[int, list[Any]]] = {}
    value_links = _value_links(model)
    if value_links is not None:
        table, host = value_links
        rows = table.objects.filter(**{f"{host}_id__in": ids}).values_list(
            f"{host}_id", "featurevalue__feature__name", "featurevalue__value"
        )
        for pk, name, value in rows:
            found.setdefault(name, {}).setdefault(pk, []).append(value)
    # ULabel's, typed records', and the schema modules' registries: one query for all
    for _, pk, _, name, value in label_rows(label_links(model), ids, under_feature=True):
        if name is not None:  # always, under a feature
            found.setdefault(name, {}).setdefault(pk, []).append(value)
    return {
        name: {
            pk: (sorted(items, key=str) if len(items) > 1 else items[0])
            for pk, items in by_record.items()
        }
        for name, by_record in sorted(found.items())
    }


def any_of(options: list[Any]) -> models.Q:
    """One condition: the record's id is in any of the subqueries (a feature's registries)."""
    condition = models.Q()
    for ids in options:
        condition |= models.Q(pk__in=ids)
    return condition


def _feature_label_links(model: Any, feature: Any) -> list[LabelLink]:
    """The label links of ``model`` whose registries ``feature`` takes values from (ULabel's
    when it names none)."""
    registries = feature_registries(feature)
    links = [link for link in label_links(model) if link.has_feature]
    return [link for link in links if registry_name(link.model) in registries] or links[:1]


def _records_of(value: Any, model: Any) -> bool:
    """Whether ``value`` (a record or a list of them) holds records of ``model``."""
    items = value if isinstance(value, (list, tuple)) else [value]
    return any(isinstance(item, model) for item in items)
