"""A table against a schema, and a host annotated with a table: the one check and the one
annotation that ``from_df(schema=)`` and every curator use.

``table_problems`` is the check itself (columns, dtypes, values in their
registries); ``check_table`` raises unless a DataFrame fits a FeatureSet (``ln.Schema``);
``table_problems_for`` lists what is wrong with a table given required
features and categorical columns; ``annotate_with_table`` links a saved
host's columns as features (slot ``columns``) and its categorical values as
labels under them; ``link_column_labels`` does the second part alone.

Example:
    >>> categoricals = check_table(df, ln.Schema.get(name="iris"))
    >>> annotate_with_table(df_artifact, df, categoricals)
    >>> df_artifact.labels.get(ln.Feature.get(name="iris_organism_name"), flat_names=True)
    ['setosa', 'versicolor']
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from lineagedb.errors import InvalidArgument, ValidationError
from lineagedb.models.annotations.feature import Feature
from lineagedb.models.annotations.feature_set import FeatureSet
from lineagedb.models.annotations.field_ref import FieldRef, TypedField
from lineagedb.models.annotations.host_links import lock_host, refresh_external
from lineagedb.models.annotations.label_links import feature_registries
from lineagedb.models.annotations.ulabel import ULabel
from lineagedb.models.query.validation import SHOWN, field_name, ids_by_value, inspect, text_of
from lineagedb.storage.serializers import table_shape_problems


def feature_field(feature: Feature) -> Any:
    """The field a category feature's values name: its first registry's (``dtype="cat[...]"``).

    ``cat[bionty.CellType]`` names ``bt.CellType.name``, ``cat[bionty.CellType.ontology_id]``
    its ontology id, ``cat[bionty.Gene.symbol]`` gene symbols; a feature without a
    registry, or ``cat[ULabel]``, names ULabels by name.

    Example:
        >>> feature_field(ln.Feature(name="species", dtype="cat[ULabel]"))
        <django.db.models.query_utils.DeferredAttribute object at 0x...>
    """
    from django.apps import apps

    first, type_name = next(iter(feature_registries(feature).items()))
    module, _, rest = first.partition(".")
    model_name, _, name = rest.partition(".")
    label = "lineagedb" if module == "core" else module
    try:
        model = apps.get_model(label, model_name)
    except LookupError:
        raise InvalidArgument(
            f"Feature {feature.name!r} takes values from {first!r}, a registry this instance "
            f"does not have; add its module (lineagedb module add {module}) or fix the feature."
        ) from None
    field = getattr(model, name or model._name_field)
    return TypedField(field.field, type_name) if type_name else field  # cat[ULabel[CellType]]


def table_problems_for(
    df: Any,
    required: list[Feature],
    categoricals: dict[str, Any],
    extra_allowed: bool = True,
) -> list[str]:
    """What is wrong with ``df``: missing or extra columns, wrong dtypes, unknown values.

    ``required`` features must be columns of their type; each categorical
    column's values must be records of its field's registry (a bare name:
    ULabel).

    Example:
        >>> table_problems_for(adata.obs.assign(cell_type="T-cell"), [], {"cell_type": "name"})
        ["column 'cell_type' has values not in ULabel: 'T-cell'"]
    """
    columns = [(feature.name, feature.type) for feature in required]
    queries = {
        column: FieldRef.of(field).or_model(ULabel).records()
        for column, field in categoricals.items()
    }
    return table_problems(df, columns, categoricals, queries, extra_allowed)


def check_table(df: Any, schema: Any) -> dict[str, Any]:
    """Raise ValidationError unless ``df`` fits ``schema``; its category columns' fields otherwise.

    Example:
        >>> list(check_table(df, ln.Schema.get(name="iris")))
        ['iris_organism_name']
    """
    if not isinstance(schema, FeatureSet) or schema._state.adding:
        raise InvalidArgument(
            f"schema must be a saved FeatureSet (ln.Schema) of features, not {schema!r}."
        )
    members = list(schema.members)
    categoricals = {f.name: feature_field(f) for f in members if f.type == "category"}
    problems = table_problems_for(df, members, categoricals, extra_allowed=not schema.maximal_set)
    if problems:
        raise ValidationError(
            f"The DataFrame does not validate against schema {schema.uid}; nothing was "
            "written:\n  - " + "\n  - ".join(problems) + "\nFix it with "
            "ln.curators.DataFrameCurator(df, schema): standardize(), add_new_from().",
            problems=problems,
        )
    return categoricals


def annotate_with_table(host: Any, df: Any, categoricals: list[str] | dict[str, Any]) -> None:
    """Link a saved host's table columns as features (slot ``columns``) and its labels.

    ``categoricals``: the columns (values are ULabel names), or ``{column:
    field}`` for values of other registries (``bt.CellType.name``).

    Example:
        >>> obs = adata.obs  # cell types are ULabels here; bt.CellType.name with bionty
        >>> annotate_with_table(adata_artifact, obs, {"cell_type": ln.ULabel.name})
        >>> sorted(adata_artifact.labels.all().values_list("name", flat=True))
        ['B cell', 'T cell']
    """
    features = list(Feature.objects.filter(name__in=[str(c) for c in df.columns]))
    if features:
        host.features.add(features, slot="columns")
    link_column_labels(host, df, categoricals, {feature.name: feature for feature in features})


def link_column_labels(
    host: Any, df: Any, categoricals: list[str] | dict[str, Any], features: dict[str, Any]
) -> None:
    """Link the records named by each categorical column's values, under its feature.

    Example:
        >>> cell_type = ln.Feature(name="cell_type", type="category").save()
        >>> by_name = {"cell_type": cell_type}
        >>> link_column_labels(adata_artifact, adata.obs, ["cell_type"], by_name)
        >>> adata_artifact.labels.get(cell_type, flat_names=True)
        ['B cell', 'T cell']
    """
    fields = categoricals if isinstance(categoricals, dict) else dict.fromkeys(categoricals)
    with transaction.atomic(savepoint=False):
        lock_host(host)
        for column, field in fields.items():
            ref = FieldRef.of(field).or_model(ULabel)
            name = field_name(ref.model, field if ref.model is not ULabel else None)
            values = [text_of(v) for v in df[column].dropna().unique()]
            add_public_terms(ref.model, values, name)
            ids = ids_by_value(ref.records(), name, values).values()
            host.labels._link_ids(ids, features.get(column), ref.model)
        refresh_external(host, locked=True)  # once for all columns


def column_ok(series: Any, kind: str) -> bool:
    """Whether a column's dtype fits a feature type (categories and text take any values).

    Example:
        >>> import pandas as pd
        >>> column_ok(pd.Series([1.5]), "number"), column_ok(pd.Series(["a"]), "number")
        (True, False)
    """
    import pandas as pd

    types = pd.api.types
    if kind == "number":
        return bool(types.is_numeric_dtype(series)) and not types.is_bool_dtype(series)
    if kind == "bool":
        return bool(types.is_bool_dtype(series))
    if kind in ("date", "datetime"):
        return bool(types.is_datetime64_any_dtype(series))
    return True


def _in_public(model: Any, values: list[str], field: Any) -> tuple[list[str], dict[str, str]]:
    """The values a registry's public ontology has as terms; those it names another way."""
    if not hasattr(model, "public"):
        return [], {}
    try:
        found = model.public().inspect(values, field=field_name(model, field), mute=True)
    except (ImportError, InvalidArgument):
        return [], {}
    return list(found.validated), {**found.synonyms_mapper, **found.case_mapper}


def add_public_terms(model: Any, values: list[str], name: str) -> list[Any]:
    """Save the records of the values that are public terms but not yet records (bionty).

    A table validated against a registry with a public ontology counts its
    public terms as valid (LaminDB 0.70 does); linking it saves them first.

    Example:
        >>> add_public_terms(ln.ULabel, ["setosa"], "name")  # no public ontology: nothing
        []
    """
    if not hasattr(model, "public"):
        return []
    known = ids_by_value(model.objects.all(), name, values)
    missing = [v for v in values if v not in known]
    if not missing:
        return []
    from lineagedb.models.bulk import save

    terms, _ = _in_public(model, missing, name)
    records = model.from_values(terms, field=name, mute=True) if terms else []
    new = [record for record in records if record._state.adding]
    save(new)
    return new


def table_problems(
    df: Any,
    required: list[tuple[str, str]],
    categoricals: dict[str, Any],
    labels: Any,
    extra_allowed: bool = True,
) -> list[str]:
    """What is wrong with a table: missing or extra columns, wrong dtypes, unknown values.

    Args:
        df: The DataFrame.
        required: (column, feature type) of the columns a schema requires.
        categoricals: {column: field} whose values must be records of ``labels``.
        labels: The QuerySet of the label registry (``ULabel.objects.all()``), or
            ``{column: QuerySet}`` when columns take values from different registries.
        extra_allowed: False: columns beyond ``required`` are a problem too.

    Example:
        >>> obs = adata.obs.assign(cell_type=["T-cell"] * 40)
        >>> table_problems(obs, [("n_genes", "number")], {"cell_type": "name"}, ln.ULabel.filter())
        ["column 'cell_type' has values not in ULabel: 'T-cell'"]
    """
    problems = table_shape_problems(df)
    if problems:  # duplicate or nested column names: no column can be checked by name
        return problems
    missing = [name for name, _ in required if name not in df.columns]
    if missing:
        problems.append(f"missing columns {missing}")
    if not extra_allowed:
        names = {name for name, _ in required}
        extra = [str(column) for column in df.columns if str(column) not in names]
        if extra:
            problems.append(f"extra columns {extra} (the schema allows no others)")
    for name, kind in required:
        if name in df.columns and not column_ok(df[name], kind):
            problems.append(f"column {name!r} has dtype {df[name].dtype}, not {kind!r}")
    for column, registry_field in categoricals.items():
        if column not in df.columns:
            if column not in missing:
                problems.append(f"missing column {column!r}")
            continue
        query = labels[column] if isinstance(labels, dict) else labels
        result = inspect(query, df[column], field=registry_field, mute=True)
        if result.non_validated:
            hint = ""
            mapped = {**result.synonyms_mapper, **result.case_mapper}
            if mapped:
                what = (
                    "is a synonym or case variant"
                    if len(mapped) == 1
                    else ("are synonyms or case variants")
                )
                shown = ", ".join(repr(v) for v in sorted(mapped)[:SHOWN])
                hint = f" ({shown} {what}: standardize({column!r}))"
            registry = query.model.__name__
            type_name = FieldRef.of(registry_field).type_name
            if type_name:  # cat[ULabel[CellType]]
                registry += f" of type {type_name!r}"
            terms, named = _in_public(query.model, result.non_validated, registry_field)
            # Public terms validate (LaminDB 0.70): saving links them as records.
            wrong = [v for v in result.non_validated if v not in terms]
            if not wrong:
                continue
            bad = ", ".join(repr(v) for v in wrong[:SHOWN])
            named = {k: v for k, v in named.items() if k not in mapped}
            if named:
                shown = ", ".join(f"{k!r} → {v!r}" for k, v in list(named.items())[:SHOWN])
                hint += f" (in the public ontology as {shown}: standardize({column!r}))"
            problems.append(f"column {column!r} has values not in {registry}: {bad}{hint}")
    return problems
