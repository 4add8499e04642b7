"""The DataFrame curator: columns of a schema, categoricals in their registries.

``DataFrameCurator`` (LaminDB 2, ``validate()`` raises) and
``AnnotateDataFrame`` (LaminDB 0.70's ``ln.Annotate.from_df``, ``validate()``
returns a bool); the helpers the AnnData and MuData curators share.

Example:
    >>> ln.curators.DataFrameCurator(df, schema).validate()
"""

from __future__ import annotations

from typing import Any

from lineagedb._base.logger import logger
from lineagedb.errors import InvalidArgument, ValidationError
from lineagedb.models import Artifact, Feature, FeatureSet, ULabel
from lineagedb.models.annotations.field_ref import FieldRef
from lineagedb.models.annotations.tables import (
    annotate_with_table,
    feature_field,
    table_problems_for,
)
from lineagedb.models.artifact import annotate_on_save
from lineagedb.models.query.validation import field_name


def registry_of(field: Any) -> Any:
    """The registry a categorical's field belongs to (a name such as ``"name"``: ULabel)."""
    return FieldRef.of(field).or_model(ULabel).model


def var_registry(field: Any) -> Any:
    """The registry var names are checked against: the field's (bt.Gene), else Feature."""
    return FieldRef.of(field).or_model(Feature).model


def fingerprint(df: Any) -> int:
    """A hash of a table's values, index and column names."""
    import pandas as pd

    values = int(pd.util.hash_pandas_object(df, index=True).sum())
    return hash((values, tuple(map(str, df.columns))))


class _Categoricals:
    """``curator.cat``: the categorical columns' registry operations (LaminDB 2)."""

    def __init__(self, curator: DataFrameCurator) -> None:
        self._curator = curator

    def add_new_from(self, key: str, **fields: Any) -> list[ULabel]:
        """Create registry records for the values of ``key`` that are not validated (``"all"``).

        Example:
            >>> curator.cat.add_new_from("cell_type")
            []
        """
        return self._curator.add_new_from(key, **fields)

    def standardize(self, key: str) -> None:
        """Replace synonyms and case variants in column ``key`` by the registry's values.

        Example:
            >>> curator.cat.standardize("cell_type")
        """
        self._curator.standardize(key)


class DataFrameCurator:
    """Check a DataFrame against a schema (a FeatureSet) or a dict of categoricals.

    Args:
        df: The table.
        schema: A FeatureSet (``ln.Schema``) of the required columns' features;
            category features take their values from ULabel (by name).
        categoricals: ``{column: field}``, e.g. ``{"cell_type": ln.ULabel.name}``
            (default from the schema's category features).
        columns: The field naming columns (``ln.Feature.name``).

    Example:
        >>> features = ln.Feature.filter(name__in=["sepal_length", "iris_organism_name"])
        >>> schema = ln.Schema(features).save()
        >>> ln.curators.DataFrameCurator(df, schema).validate()
    """

    _what = "DataFrame"  # what the messages call the data: an AnnData curator says AnnData

    def __init__(
        self,
        df: Any,
        schema: FeatureSet | None = None,
        categoricals: dict[str, Any] | None = None,
        columns: Any = None,
    ) -> None:
        import pandas as pd

        if not isinstance(df, pd.DataFrame):
            raise InvalidArgument(f"A curator checks a pandas DataFrame, not {type(df).__name__}.")
        if schema is not None and not isinstance(schema, FeatureSet):
            raise InvalidArgument("schema must be a FeatureSet (ln.Schema) of Feature records.")
        self.df = df
        self.schema = schema
        self._required: list[Feature] = list(schema.members) if schema is not None else []
        self._categoricals: dict[str, Any] = dict(categoricals or {})
        for feature in self._required:
            if feature.type == "category" and feature.name not in self._categoricals:
                self._categoricals[feature.name] = feature_field(feature)  # its registry's
        # A column named by a bare "name" takes its feature's registry when it has one
        # (Feature(name="cell_type", dtype="cat[bionty.CellType]")), as a schema's would.
        bare = [c for c, f in self._categoricals.items() if f is None or f == "name"]
        if bare:
            for feature in Feature.objects.filter(name__in=bare, type="category"):
                if feature.registries and feature.registries.split("|")[0] != "core.ULabel":
                    self._categoricals[feature.name] = feature_field(feature)
        self.cat = _Categoricals(self)
        self._validated: bool | None = None
        # What the table looked like when it last validated: save_artifact() checks again
        # only if it changed since.
        self.fingerprint: int | None = None

    # -- checks ---------------------------------------------------------------------------

    def _fingerprint(self) -> int:
        """What validate() checked, as a hash: save_artifact() validates again if it changed."""
        return fingerprint(self.df)

    def _problems(self) -> list[str]:
        extra_allowed = self.schema is None or not self.schema.maximal_set
        return table_problems_for(self.df, self._required, self._categoricals, extra_allowed)

    def validate(self) -> None:
        """Raise ValidationError naming every failing column and its bad values; else return.

        Example:
            >>> curator.validate()
        """
        problems = self._problems()
        self._validated = not problems
        self.fingerprint = self._fingerprint() if not problems else None
        if problems:
            raise ValidationError(
                f"The {self._what} does not validate:\n  - " + "\n  - ".join(problems),
                problems=problems,
            )
        logger.success(f"the {self._what} is validated")

    # -- fixes ----------------------------------------------------------------------------

    def standardize(self, key: str) -> None:
        """Replace synonyms and case variants in ``key`` (or ``"all"``) by registry values.

        Example:
            >>> curator.standardize("cell_type")
        """
        for column in self._keys(key):
            field = self._categoricals[column]
            before = self.df[column]
            model = registry_of(field)
            # A registry with a public ontology standardizes by it too (bt.CellType).
            source = (
                model if hasattr(model, "public") else FieldRef.of(field).or_model(ULabel).records()
            )
            mapper = source.standardize(before, field=field, return_mapper=True, mute=True)
            if mapper:
                self.df[column] = before.map(lambda v, m=mapper: m.get(v, v))
                logger.info(f"standardized {len(mapper)} values in {column!r}: {mapper}")
            else:
                logger.info(
                    f"nothing to standardize in {column!r}: no value is a synonym, case variant "
                    f"or other spelling of a {model.__name__} term → validate() to see the rest"
                )

    def add_new_from(self, key: str, **fields: Any) -> list[ULabel]:
        """Create ULabels for the non-validated values of ``key`` (or ``"all"``); synonyms excepted.

        Example:
            >>> curator.add_new_from("cell_type")  # all of them are ULabels already
            []
        """
        from lineagedb.models import save

        created: list[Any] = []
        for column in self._keys(key):
            field = self._categoricals[column]
            model = registry_of(field)
            records = FieldRef.of(field).or_model(ULabel).records()
            result = records.inspect(self.df[column], field=field, mute=True)
            mapped = {**result.synonyms_mapper, **result.case_mapper}
            new = [v for v in result.non_validated if v not in mapped]
            if mapped:
                logger.warning(
                    f"not created for {column!r}: {sorted(mapped)} are synonyms or case "
                    f"variants; standardize({column!r}) first"
                )
            name = field_name(model, field)
            type_name = FieldRef.of(field).type_name
            if type_name is not None and "type" not in fields:  # cat[ULabel[CellType]]
                fields = {**fields, "type": model.objects.get(name=type_name, is_type=True)}
            records = [model(**{name: value}, **fields) for value in new]
            save(records)
            created += records
            logger.success(f"created {len(records)} {model.__name__} records for {column!r}")
        return created

    def add_validated_from(self, key: str) -> list[Any]:
        """Save records for the values of ``key`` (or ``"all"``) that a public ontology has.

        For registries without a public ontology (ULabel) there is nothing to
        add: validated values are records already.

        Example:
            >>> curator.add_validated_from("cell_type")
            []
        """
        from lineagedb.models import save

        added: list[Any] = []
        for column in self._keys(key):
            field = self._categoricals[column]
            model = registry_of(field)
            if not hasattr(model, "public"):
                continue
            result = model.inspect(self.df[column], field=field, mute=True)
            if not result.public_validated:
                continue
            records = model.from_values(result.public_validated, field=field)
            new = [r for r in records if r._state.adding]
            save(new)
            added += new
            logger.success(
                f"added {len(new)} {model.__name__} records from the public ontology for {column!r}"
            )
        self.fingerprint = None
        return added

    def _keys(self, key: str) -> list[str]:
        if key == "all":
            return list(self._categoricals)
        if key not in self._categoricals:
            raise InvalidArgument(
                f"{key!r} is not a categorical column; they are {list(self._categoricals)}."
            )
        return [key]

    def lookup(self, using: str | None = None) -> CuratorLookup:
        """Per categorical column, its registry's lookup (``using="public"``: the ontology's).

        ``lookup.cell_type.t_cell``, ``lookup["cell_type"]``; ``lookup.columns``
        looks up features (LaminDB 0.70's ``annotate.lookup()``).

        Example:
            >>> cats = {"iris_organism_name": ln.ULabel.name}
            >>> lookup = ln.Annotate.from_df(df, categoricals=cats).lookup()
            >>> lookup.iris_organism_name.setosa.name
            'setosa'
        """
        return CuratorLookup(self._categoricals, self._lookup_slots(), using)

    def _lookup_slots(self) -> dict[str, Any]:
        return {"columns": Feature.name}

    # -- saving ---------------------------------------------------------------------------

    def save_artifact(
        self, key: str | None = None, description: str | None = None, revises: Any = None
    ) -> Artifact:
        """Save the validated table with its features (slot ``columns``) and labels.

        Refuses (ValidationError) a table that does not validate; nothing is written then.

        Example:
            >>> artifact = curator.save_artifact(key="samples.parquet")
        """
        if self.fingerprint != self._fingerprint():  # not validated as it is now
            self.validate()
        artifact = Artifact.from_df(self.df, key=key, description=description, revises=revises)
        df, categoricals = self.df, self._categoricals
        annotate_on_save(artifact, lambda host: annotate_with_table(host, df, categoricals))
        return artifact.save()

    def save_collection(
        self,
        artifact: Artifact,
        name: str,
        description: str | None = None,
        reference: str | None = None,
        reference_type: str | None = None,
    ) -> Any:
        """A saved collection of a curated artifact, with its feature sets and labels.

        The artifact comes from ``save_artifact()``; an existing collection of
        the same artifacts is returned as it is (LaminDB 0.70's behaviour).

        Example:
            >>> artifact = curator.save_artifact(key="cells.parquet")
            >>> curator.save_collection(artifact, name="cells")
            Collection(uid='...', name='cells', hash='wn9oawDAZr-uO0xYFBnU4g', ...)
        """
        from lineagedb.models import Collection

        if not isinstance(artifact, Artifact) or artifact._state.adding:
            raise InvalidArgument(
                "save_collection() takes the saved artifact that save_artifact() returned."
            )
        collection = Collection(
            artifact,
            name=name,
            description=description,
            reference=reference,
            reference_type=reference_type,
        )
        if collection._state.adding:
            collection.save()
            collection.labels.add_from(artifact)
        else:
            logger.warning(f"collection {collection.uid} of these artifacts exists already")
        return collection


class ValidatesToBool:
    """LaminDB 0.70's ``ln.Annotate`` curators: ``validate()`` returns a bool, problems logged."""

    _validated: bool | None

    def validate(self) -> bool:  # type: ignore[override]
        """True if the data validate; else False, with the problems logged.

        Public ontology terms count as validated (saving adds their records).

        Example:
            >>> cats = {"iris_organism_name": ln.ULabel.name}
            >>> ln.Annotate.from_df(df, categoricals=cats).validate()
            True
        """
        problems = self._problems()  # type: ignore[attr-defined]
        self._validated = not problems
        self.fingerprint = self._fingerprint() if not problems else None  # type: ignore[attr-defined]
        for problem in problems:
            logger.warning(problem)
        if not problems:
            logger.success(f"the {self._what} is validated")  # type: ignore[attr-defined]
        return not problems


class AnnotateDataFrame(ValidatesToBool, DataFrameCurator):  # type: ignore[misc]
    """LaminDB 0.70's ``ln.Annotate.from_df(...)``: ``validate()`` returns a bool.

    Example:
        >>> cats = {"cell_type": ln.ULabel.name}
        >>> annotate = ln.Annotate.from_df(df, categoricals=cats)
        >>> annotate.validate()
        False
    """

    def add_new_from_columns(self) -> list[Feature]:
        """Register a Feature for every column that has none (typed from its dtype).

        Example:
            >>> annotate.add_new_from_columns()  # the features exist already
            []
            >>> ln.Feature.filter(name="iris_organism_name").exists()
            True
        """
        from lineagedb.models import save

        known = set(
            Feature.objects.filter(name__in=list(self.df.columns)).values_list("name", flat=True)
        )
        missing = self.df[[c for c in self.df.columns if c not in known]]
        features = [f for f in Feature.from_df(missing) if f._state.adding]
        save(features)
        return features

    def save_artifact(  # type: ignore[override]
        self, description: str | None = None, key: str | None = None, **kwargs: Any
    ) -> Artifact:
        """Save the validated table with its features and labels.

        Example:
            >>> annotate.save_artifact(description="iris").n_observations
            75
        """
        if not self.validate():
            raise ValidationError("The DataFrame does not validate; see the warnings above.")
        return DataFrameCurator.save_artifact(self, key=key, description=description, **kwargs)


class CuratorLookup:
    """What ``curator.lookup()`` returns: a registry lookup per categorical column and slot.

    Example:
        >>> lookup = CuratorLookup({"iris_organism_name": ln.ULabel.name}, {}, None)
        >>> lookup["iris_organism_name"].setosa.name
        'setosa'
    """

    def __init__(self, categoricals: dict[str, Any], slots: dict[str, Any], using: str | None):
        if using not in (None, "default", "public"):
            raise InvalidArgument(f"lookup(using={using!r}): use None (the registry) or 'public'.")
        self._fields = {**slots, **categoricals}
        self._using = using

    def __getitem__(self, name: str) -> Any:
        if name not in self._fields:
            raise KeyError(f"{name!r}: the lookups here are {sorted(self._fields)}")
        field = self._fields[name]
        model = registry_of(field)
        ref = FieldRef.of(field)
        if self._using == "public":
            if not hasattr(model, "public"):
                raise InvalidArgument(
                    f"{model.__name__} has no public ontology; lookup() looks up its records."
                )
            return model.public().lookup(ref.name)
        return model.lookup(ref.name if ref.model is not None else None)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError as error:
            raise AttributeError(str(error)) from None

    def __dir__(self) -> list[str]:
        return sorted(self._fields)

    def __repr__(self) -> str:
        where = "public ontologies" if self._using == "public" else "registries"
        return f"Lookup of {where}: {', '.join(sorted(self._fields))}"
