"""Curators: check a DataFrame against features and registries before it is saved.

``ln.curators.DataFrameCurator(df, schema)`` (LaminDB 2) and
``ln.Annotate.from_df(df, categoricals=...)`` (LaminDB 0.70) check that the
columns a schema requires are there and of their feature's type, and that
the values of categorical columns are in their registry. ``validate()``
raises :class:`lineagedb.errors.ValidationError` naming every failing column
and its bad values (0.70's ``Annotate`` returns False instead); synonyms
are never accepted silently — ``standardize(key)`` maps them when asked.
``save_artifact()`` saves the table with its features and labels, and
refuses data that does not validate.

Example:
    >>> curator = ln.curators.DataFrameCurator(df, schema)  # doctest: +SKIP
    >>> curator.validate()  # doctest: +SKIP
    >>> curator.standardize("cell_type")  # doctest: +SKIP
    >>> curator.save_artifact(key="samples.parquet")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from lineagedb._logger import logger
from lineagedb.errors import InvalidArgument, ValidationError
from lineagedb.models import Artifact, Feature, FeatureSet, ULabel
from lineagedb.validation import field_name, table_problems


def _registry(field: Any) -> Any:
    """The registry a categorical's field belongs to (a name such as ``"name"``: ULabel)."""
    model = getattr(getattr(field, "field", None), "model", None)
    return model if model is not None else ULabel


def _var_registry(field: Any) -> Any:
    """The registry var names are checked against: the field's (bt.Gene), else Feature."""
    model = getattr(getattr(field, "field", None), "model", None)
    return model if model is not None else Feature


def _fingerprint(df: Any) -> int:
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
            >>> curator.cat.add_new_from("cell_type")  # doctest: +SKIP
        """
        return self._curator.add_new_from(key, **fields)

    def standardize(self, key: str) -> None:
        """Replace synonyms and case variants in column ``key`` by the registry's values.

        Example:
            >>> curator.cat.standardize("cell_type")  # doctest: +SKIP
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
        >>> features = ln.Feature.filter(name__in=["cell_type", "count"])  # doctest: +SKIP
        >>> schema = ln.Schema(features).save()  # doctest: +SKIP
        >>> ln.curators.DataFrameCurator(df, schema).validate()  # doctest: +SKIP
    """

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
                self._categoricals[feature.name] = "name"
        self.cat = _Categoricals(self)
        self._validated: bool | None = None
        # What the table looked like when it last validated: save_artifact() checks again
        # only if it changed since.
        self._fingerprint: int | None = None

    # -- checks ---------------------------------------------------------------------------

    def _problems(self) -> list[str]:
        required = [(feature.name, feature.type) for feature in self._required]
        extra_allowed = self.schema is None or not self.schema.maximal_set
        queries = {c: _registry(f).objects.all() for c, f in self._categoricals.items()}
        return table_problems(self.df, required, self._categoricals, queries, extra_allowed)

    def validate(self) -> None:
        """Raise ValidationError naming every failing column and its bad values; else return.

        Example:
            >>> curator.validate()  # doctest: +SKIP
        """
        problems = self._problems()
        self._validated = not problems
        self._fingerprint = _fingerprint(self.df) if not problems else None
        if problems:
            raise ValidationError(
                "The DataFrame does not validate:\n  - " + "\n  - ".join(problems)
            )
        logger.success("the DataFrame is validated")

    # -- fixes ----------------------------------------------------------------------------

    def standardize(self, key: str) -> None:
        """Replace synonyms and case variants in ``key`` (or ``"all"``) by registry values.

        Example:
            >>> curator.standardize("cell_type")  # doctest: +SKIP
        """
        for column in self._keys(key):
            field = self._categoricals[column]
            before = self.df[column]
            mapper = (
                _registry(field)
                .objects.all()
                .standardize(before, field=field, return_mapper=True, mute=True)
            )
            if mapper:
                self.df[column] = before.map(lambda v, m=mapper: m.get(v, v))
                logger.info(f"standardized {len(mapper)} values in {column!r}: {mapper}")

    def add_new_from(self, key: str, **fields: Any) -> list[ULabel]:
        """Create ULabels for the non-validated values of ``key`` (or ``"all"``); synonyms excepted.

        Example:
            >>> curator.add_new_from("donor")  # doctest: +SKIP
        """
        from lineagedb.models import save

        created: list[Any] = []
        for column in self._keys(key):
            field = self._categoricals[column]
            model = _registry(field)
            result = model.objects.all().inspect(self.df[column], field=field, mute=True)
            mapped = {**result.synonyms_mapper, **result.case_mapper}
            new = [v for v in result.non_validated if v not in mapped]
            if mapped:
                logger.warning(
                    f"not created for {column!r}: {sorted(mapped)} are synonyms or case "
                    f"variants; standardize({column!r}) first"
                )
            name = field_name(model, field)
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
            >>> curator.add_validated_from("cell_type")  # doctest: +SKIP
        """
        from lineagedb.models import save

        added: list[Any] = []
        for column in self._keys(key):
            field = self._categoricals[column]
            model = _registry(field)
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
        self._fingerprint = None
        return added

    def _keys(self, key: str) -> list[str]:
        if key == "all":
            return list(self._categoricals)
        if key not in self._categoricals:
            raise InvalidArgument(
                f"{key!r} is not a categorical column; they are {list(self._categoricals)}."
            )
        return [key]

    # -- saving ---------------------------------------------------------------------------

    def save_artifact(
        self, key: str | None = None, description: str | None = None, revises: Any = None
    ) -> Artifact:
        """Save the validated table with its features (slot ``columns``) and labels.

        Refuses (ValidationError) a table that does not validate; nothing is written then.

        Example:
            >>> artifact = curator.save_artifact(key="samples.parquet")  # doctest: +SKIP
        """
        from django.db import transaction

        if self._fingerprint != _fingerprint(self.df):  # not validated as it is now
            self.validate()
        artifact = Artifact.from_df(self.df, key=key, description=description, revises=revises)
        with transaction.atomic():
            artifact.save()
            artifact._annotate_table(self.df, self._categoricals)
        return artifact

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
            >>> artifact = curator.save_artifact(key="cells.parquet")  # doctest: +SKIP
            >>> curator.save_collection(artifact, name="cells")  # doctest: +SKIP
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


class AnnDataCurator(DataFrameCurator):
    """Check an AnnData: its obs table against a schema, its var index against a registry field.

    Args:
        adata: The AnnData.
        schema: A FeatureSet of the required obs columns (as for DataFrameCurator).
        categoricals: ``{obs column: field}``.
        var_index: The field var names must be values of (``ln.Feature.name``;
            biological registries come with the bionty module).

    Example:
        >>> field = ln.Feature.name  # doctest: +SKIP
        >>> curator = ln.curators.AnnDataCurator(adata, schema, var_index=field)  # doctest: +SKIP
        >>> curator.validate()  # doctest: +SKIP
    """

    def __init__(
        self,
        adata: Any,
        schema: FeatureSet | None = None,
        categoricals: dict[str, Any] | None = None,
        var_index: Any = None,
    ) -> None:
        if type(adata).__name__ != "AnnData":
            raise InvalidArgument(f"AnnDataCurator checks an AnnData, not {type(adata).__name__}.")
        super().__init__(adata.obs, schema, categoricals)
        self.adata = adata
        self._var_index = var_index

    def _problems(self) -> list[str]:
        problems = super()._problems()
        if self._var_index is not None:
            model = _var_registry(self._var_index)
            result = model.objects.all().inspect(
                list(self.adata.var_names), field=self._var_index, mute=True
            )
            if result.non_validated:
                bad = ", ".join(repr(v) for v in result.non_validated[:20])
                more = (
                    f" (and {len(result.non_validated) - 20} more)"
                    if len(result.non_validated) > 20
                    else ""
                )
                hint = ""
                if hasattr(model, "public"):
                    public = model.inspect(
                        result.non_validated, field=self._var_index, mute=True
                    ).public_validated
                    if public:
                        hint = (
                            f" ({len(public)} of them are in the public {model.__name__} "
                            "list: add_validated_from_var_index())"
                        )
                problems.append(f"var names not in the registry: {bad}{more}{hint}")
        return problems

    def add_validated_from_var_index(self) -> list[Any]:
        """Save the var names' records from the public list of ``var_index``'s registry (bt.Gene).

        Example:
            >>> curator.add_validated_from_var_index()  # doctest: +SKIP
        """
        from lineagedb.models import save

        model = _var_registry(self._var_index)
        if not hasattr(model, "public"):
            return []
        names = list(self.adata.var_names)
        result = model.inspect(names, field=self._var_index, mute=True)
        records = model.from_values(result.public_validated, field=self._var_index)
        new = [r for r in records if r._state.adding]
        save(new)
        logger.success(f"added {len(new)} {model.__name__} records from the public list")
        self._fingerprint = None
        return new

    def add_new_from_var_index(self, **fields: Any) -> list[Feature]:
        """Create a Feature (type ``number``) for every var name not in the registry yet.

        Example:
            >>> curator.add_new_from_var_index()  # doctest: +SKIP
        """
        from lineagedb.models import save

        field = self._var_index if self._var_index is not None else "name"
        result = Feature.objects.all().inspect(list(self.adata.var_names), field=field, mute=True)
        mapped = {**result.synonyms_mapper, **result.case_mapper}
        new = [name for name in result.non_validated if name not in mapped]
        if mapped:
            logger.warning(
                f"not created: {sorted(mapped)[:20]} are synonyms or case variants of features"
            )
        features = [Feature(name=name, type="number", **fields) for name in new]
        save(features)
        logger.success(f"created {len(features)} Feature records from the var index")
        self._fingerprint = None
        return features

    def standardize(self, key: str) -> None:
        """Replace synonyms and case variants in obs column ``key`` (or ``"all"``).

        Example:
            >>> curator.standardize("cell_type")  # doctest: +SKIP
        """
        super().standardize(key)
        self.adata.obs = self.df

    def save_artifact(
        self, key: str | None = None, description: str | None = None, revises: Any = None
    ) -> Artifact:
        """Save the validated AnnData (``.h5ad``), its features (``var``, ``obs``) and obs labels.

        Example:
            >>> curator.save_artifact(key="pbmc.h5ad")  # doctest: +SKIP
        """
        from django.db import transaction

        if self._fingerprint != _fingerprint(self.df):
            self.validate()
        artifact = Artifact.from_anndata(
            self.adata, key=key, description=description, revises=revises
        )
        with transaction.atomic():
            artifact.save()
            artifact.features.add_from_anndata(
                var_field=self._var_index if self._var_index is not None else None
            )
            by_name = {f.name: f for f in Feature.objects.filter(name__in=list(self._categoricals))}
            artifact._link_column_labels(self.df, self._categoricals, by_name)
        return artifact


class MuDataCurator:
    """Check a MuData: each modality's var index and obs columns, and the global obs.

    Args:
        mdata: The MuData.
        var_index: ``{modality: field}`` its var names must be values of
            (``{"rna": bt.Gene.ensembl_gene_id}``).
        categoricals: ``{column: field}``; ``"rna:cell_type"`` is column
            ``cell_type`` of modality ``rna``'s obs, a name without ``:`` a column
            of the global obs.

    Example:
        >>> curator = ln.curators.MuDataCurator(
        ...     mdata, var_index={"rna": ln.Feature.name}, categoricals={"rna:cell_type": "name"}
        ... )  # doctest: +SKIP
        >>> curator.validate()  # doctest: +SKIP
        >>> curator.save_artifact(key="citeseq.h5mu")  # doctest: +SKIP
    """

    def __init__(
        self,
        mdata: Any,
        var_index: dict[str, Any] | None = None,
        categoricals: dict[str, Any] | None = None,
    ) -> None:
        if type(mdata).__name__ != "MuData":
            raise InvalidArgument(f"MuDataCurator checks a MuData, not {type(mdata).__name__}.")
        self.mdata = mdata
        modalities = list(mdata.mod)
        by_modality: dict[str | None, dict[str, Any]] = {}
        for key, field in (categoricals or {}).items():
            modality, _, column = key.rpartition(":")
            if modality and modality not in modalities:
                raise InvalidArgument(
                    f"Categorical {key!r} names modality {modality!r}; the MuData has "
                    f"{modalities}. Use '<modality>:<column>', or a global obs column."
                )
            by_modality.setdefault(modality or None, {})[column] = field
        unknown = sorted(set(var_index or {}) - set(modalities))
        if unknown:
            raise InvalidArgument(
                f"var_index names modalities {unknown} the MuData lacks; it has {modalities}."
            )
        self._modalities = {
            name: AnnDataCurator(
                mdata[name],
                categoricals=by_modality.get(name),
                var_index=(var_index or {}).get(name),
            )
            for name in modalities
            if name in (var_index or {}) or name in by_modality
        }
        self._global = DataFrameCurator(mdata.obs, categoricals=by_modality.get(None))

    def _curator(self, key: str) -> tuple[Any, str]:
        """The sub-curator of ``"modality:column"`` (or a global column) and the column."""
        modality, _, column = key.rpartition(":")
        if not modality:
            return self._global, column
        if modality not in self._modalities:
            raise InvalidArgument(f"No categoricals or var index for modality {modality!r}.")
        return self._modalities[modality], column

    def _problems(self) -> list[str]:
        problems = [f"obs: {p}" for p in self._global._problems()]
        for name, curator in self._modalities.items():
            problems += [f"[{name!r}] {p}" for p in curator._problems()]
        return problems

    def validate(self) -> None:
        """Raise ValidationError naming every failing modality, column and value; else return.

        Example:
            >>> curator.validate()  # doctest: +SKIP
        """
        problems = self._problems()
        if problems:
            raise ValidationError("The MuData does not validate:\n  - " + "\n  - ".join(problems))
        logger.success("the MuData is validated")

    def standardize(self, key: str) -> None:
        """Replace synonyms and case variants in ``"modality:column"`` (or a global column).

        Example:
            >>> curator.standardize("rna:cell_type")  # doctest: +SKIP
        """
        curator, column = self._curator(key)
        curator.standardize(column)
        if curator is self._global:
            self.mdata.obs = curator.df

    def add_new_from(self, key: str, **fields: Any) -> list[Any]:
        """Create records for the non-validated values of ``"modality:column"``.

        Example:
            >>> curator.add_new_from("rna:donor")  # doctest: +SKIP
        """
        curator, column = self._curator(key)
        return list(curator.add_new_from(column, **fields))

    def add_validated_from(self, key: str) -> list[Any]:
        """Save the public ontology's records for the values of ``"modality:column"``.

        Example:
            >>> curator.add_validated_from("rna:cell_type")  # doctest: +SKIP
        """
        curator, column = self._curator(key)
        return curator.add_validated_from(column)

    def add_validated_from_var_index(self, modality: str) -> list[Any]:
        """Save the public list's records for ``modality``'s var names (bt.Gene).

        Example:
            >>> curator.add_validated_from_var_index("rna")  # doctest: +SKIP
        """
        return self._modality(modality).add_validated_from_var_index()

    def add_new_from_var_index(self, modality: str, **fields: Any) -> list[Feature]:
        """Create a Feature for every var name of ``modality`` not in the registry yet.

        Example:
            >>> curator.add_new_from_var_index("adt")  # doctest: +SKIP
        """
        return self._modality(modality).add_new_from_var_index(**fields)

    def _modality(self, modality: str) -> AnnDataCurator:
        if modality not in self._modalities:
            raise InvalidArgument(
                f"No var index for modality {modality!r}; give one with var_index={{...}}."
            )
        return self._modalities[modality]

    def save_artifact(
        self, key: str | None = None, description: str | None = None, revises: Any = None
    ) -> Artifact:
        """Save the validated MuData (``.h5mu``): var feature sets per modality, obs labels.

        Slots are LaminDB's: ``['rna'].var``, ``['rna'].obs``, ``obs``.

        Example:
            >>> curator.save_artifact(key="citeseq.h5mu")  # doctest: +SKIP
        """
        from django.db import transaction

        self.validate()
        artifact = Artifact.from_mudata(
            self.mdata, key=key, description=description, revises=revises
        )
        with transaction.atomic():
            artifact.save()
            for name, curator in self._modalities.items():
                field = curator._var_index
                if field is not None:
                    model = _var_registry(field)
                    column = field_name(model, field if model is not Feature else None)
                    names = [str(v) for v in curator.adata.var_names]
                    members = list(model.objects.filter(**{f"{column}__in": names}))
                    if members:
                        artifact.features.add(FeatureSet(members), slot=f"[{name!r}].var")
                self._link_obs(artifact, curator, f"[{name!r}].obs")
            self._link_obs(artifact, self._global, "obs")
        return artifact

    @staticmethod
    def _link_obs(artifact: Artifact, curator: DataFrameCurator, slot: str) -> None:
        """Link the features of a curator's categorical columns in ``slot``, and their labels."""
        columns = list(curator._categoricals)
        features = list(Feature.objects.filter(name__in=columns))
        if features:
            artifact.features.add(features, slot=slot)
        artifact._link_column_labels(
            curator.df, curator._categoricals, {feature.name: feature for feature in features}
        )


class AnnotateDataFrame(DataFrameCurator):
    """LaminDB 0.70's ``ln.Annotate.from_df(...)``: ``validate()`` returns a bool.

    Example:
        >>> cats = {"cell_type": ln.ULabel.name}  # doctest: +SKIP
        >>> annotate = ln.Annotate.from_df(df, categoricals=cats)  # doctest: +SKIP
        >>> annotate.validate()  # doctest: +SKIP
        False
    """

    def validate(self) -> bool:  # type: ignore[override]
        """True if the table validates; else False, with the problems logged.

        Example:
            >>> annotate.validate()  # doctest: +SKIP
            True
        """
        problems = self._problems()
        self._validated = not problems
        self._fingerprint = _fingerprint(self.df) if not problems else None
        for problem in problems:
            logger.warning(problem)
        return not problems

    def add_new_from_columns(self) -> list[Feature]:
        """Register a Feature for every column that has none (typed from its dtype).

        Example:
            >>> annotate.add_new_from_columns()  # doctest: +SKIP
        """
        from lineagedb.models import save

        known = set(
            Feature.objects.filter(name__in=list(self.df.columns)).values_list("name", flat=True)
        )
        missing = self.df[[c for c in self.df.columns if c not in known]]
        features = [f for f in Feature.from_df(missing) if f._state.adding]
        save(features)
        return features

    def lookup(self) -> Any:
        """ULabel names as attributes (``annotate.lookup().setosa``).

        Example:
            >>> annotate.lookup()  # doctest: +SKIP
        """
        return ULabel.lookup()

    def save_artifact(  # type: ignore[override]
        self, description: str | None = None, key: str | None = None, **kwargs: Any
    ) -> Artifact:
        """Save the validated table with its features and labels.

        Example:
            >>> annotate.save_artifact(description="iris")  # doctest: +SKIP
        """
        if not self.validate():
            raise ValidationError("The DataFrame does not validate; see the warnings above.")
        return DataFrameCurator.save_artifact(self, key=key, description=description, **kwargs)


class Annotate:
    """LaminDB 0.70's entry point: ``ln.Annotate.from_df(df, categoricals=..., columns=...)``.

    Example:
        >>> ln.Annotate.from_df(df, categoricals={"cell_type": ln.ULabel.name})  # doctest: +SKIP
    """

    @staticmethod
    def from_anndata(
        adata: Any, var_index: Any = None, categoricals: dict[str, Any] | None = None, **_: Any
    ) -> AnnDataCurator:
        """A curator for an AnnData (its ``validate()`` raises ValidationError).

        Example:
            >>> ln.Annotate.from_anndata(adata, var_index=ln.Feature.name)  # doctest: +SKIP
        """
        return AnnDataCurator(adata, categoricals=categoricals, var_index=var_index)

    @staticmethod
    def from_mudata(
        mdata: Any,
        var_index: dict[str, Any] | None = None,
        categoricals: dict[str, Any] | None = None,
        **_: Any,
    ) -> MuDataCurator:
        """A curator for a MuData (its ``validate()`` raises ValidationError).

        Example:
            >>> ln.Annotate.from_mudata(mdata, var_index={"rna": ln.Feature.name})  # doctest: +SKIP
        """
        return MuDataCurator(mdata, var_index=var_index, categoricals=categoricals)

    @staticmethod
    def from_df(
        df: Any, categoricals: dict[str, Any] | None = None, columns: Any = None, **_: Any
    ) -> AnnotateDataFrame:
        """A curator for a DataFrame whose ``validate()`` returns a bool.

        Example:
            >>> ln.Annotate.from_df(df, categoricals={"species": ln.ULabel.name})  # doctest: +SKIP
        """
        return AnnotateDataFrame(df, categoricals=categoricals, columns=columns)
