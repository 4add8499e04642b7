"""The AnnData and MuData curators: obs tables as DataFrames, var indexes against a registry.

Example (not run here: bionty genes: tests/curators run it):
    >>> ln.curators.AnnDataCurator(adata, var_index=bt.Gene.ensembl_gene_id)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from lineagedb._base.logger import logger
from lineagedb.curators._dataframe import (
    DataFrameCurator,
    ValidatesToBool,
    fingerprint,
    var_registry,
)
from lineagedb.errors import InvalidArgument, ValidationError
from lineagedb.models import Artifact, Feature, FeatureSet
from lineagedb.models.annotations.tables import link_column_labels
from lineagedb.models.artifact import annotate_on_save
from lineagedb.models.query.validation import field_name
from lineagedb.storage.serializers import accessor_of


class AnnDataCurator(DataFrameCurator):
    """Check an AnnData: its obs table against a schema, its var index against a registry field.

    Args:
        adata: The AnnData.
        schema: A FeatureSet of the required obs columns (as for DataFrameCurator).
        categoricals: ``{obs column: field}``.
        var_index: The field var names must be values of (``ln.Feature.name``;
            biological registries come with the bionty module).

    Example (not run here: bionty genes: tests/curators run it):
        >>> field = ln.Feature.name  # bionty genes: tests/curators run it  # doctest: +SKIP
        >>> curator = ln.curators.AnnDataCurator(adata, schema, var_index=field)  # doctest: +SKIP
        >>> curator.validate()  # bionty genes: tests/curators run it  # doctest: +SKIP
    """

    _what = "AnnData"

    def __init__(
        self,
        adata: Any,
        schema: FeatureSet | None = None,
        categoricals: dict[str, Any] | None = None,
        var_index: Any = None,
    ) -> None:
        if accessor_of(adata) != "AnnData":
            raise InvalidArgument(f"AnnDataCurator checks an AnnData, not {type(adata).__name__}.")
        self.adata = adata
        super().__init__(adata.obs, schema, categoricals)
        self._var_index = var_index

    @property  # type: ignore[override]
    def df(self) -> Any:
        """The AnnData's obs as it is now (``adata.obs = ...`` after validate() counts too)."""
        return self.adata.obs

    @df.setter
    def df(self, value: Any) -> None:
        self.adata.obs = value

    def _lookup_slots(self) -> dict[str, Any]:
        slots: dict[str, Any] = {"columns": Feature.name}
        if self._var_index is not None:
            slots["var_index"] = self._var_index
        return slots

    def _fingerprint(self) -> int:
        # obs, var names and the matrix's shape: whatever validate() checked is what is saved.
        var = tuple(map(str, self.adata.var_names))
        return hash((fingerprint(self.df), var, tuple(self.adata.shape)))

    def _problems(self) -> list[str]:
        problems = super()._problems()
        if self._var_index is not None:
            model = var_registry(self._var_index)
            result = model.objects.all().inspect(
                list(self.adata.var_names), field=self._var_index, mute=True
            )
            wrong, hint = list(result.non_validated), ""
            if wrong and hasattr(model, "public"):
                # Public genes validate (LaminDB 0.70); saving adds their records.
                public = model.inspect(wrong, field=self._var_index, mute=True)
                wrong = [v for v in wrong if v not in set(public.public_validated)]
                renamed = {k: v for k, v in public.public_mapper.items() if k in wrong}
                if renamed:
                    shown = ", ".join(f"{k!r} → {v!r}" for k, v in list(renamed.items())[:20])
                    hint = (
                        f" ({len(renamed)} are previous symbols or synonyms of public "
                        f"{model.__name__} terms: {shown}; rename them in adata.var_names "
                        f"with {model.__name__}.standardize(adata.var_names, ...))"
                    )
            if wrong:
                bad = ", ".join(repr(v) for v in wrong[:20])
                more = f" (and {len(wrong) - 20} more)" if len(wrong) > 20 else ""
                problems.append(f"var names not in the registry: {bad}{more}{hint}")
        return problems

    def add_validated_from_var_index(self) -> None:
        """Save the var names' records from the public list of ``var_index``'s registry (bt.Gene).

        Says how many it added (a notebook gets a line, not 700 reprs); the
        records are then in the registry (``bt.Gene.filter(...)``).

        Example:
            >>> curator = ln.curators.AnnDataCurator(adata, var_index=ln.Feature.name)
            >>> curator.add_validated_from_var_index()  # Feature has no public list
        """
        self._add_public_var_names(mute=False)

    def _add_public_var_names(self, mute: bool) -> list[Any]:
        from lineagedb.models import save

        model = var_registry(self._var_index)
        if not hasattr(model, "public"):
            if not mute:
                logger.info(f"{model.__name__} has no public list: nothing to add")
            return []
        names = list(self.adata.var_names)
        result = model.inspect(names, field=self._var_index, mute=True)
        records = model.from_values(result.public_validated, field=self._var_index, mute=True)
        new = [r for r in records if r._state.adding]
        save(new)
        if not mute:
            logger.success(
                f"added {len(new)} {model.__name__} records from the public list; "
                f"{len(names) - len(result.non_validated)} of the {len(names)} var names "
                "were records already"
            )
        self.fingerprint = None
        return new

    def add_new_from_var_index(self, **fields: Any) -> list[Feature]:
        """Create a Feature (type ``number``) for every var name not in the registry yet.

        Example:
            >>> curator = ln.curators.AnnDataCurator(adata, var_index=ln.Feature.name)
            >>> len(curator.add_new_from_var_index())
            10
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
        self.fingerprint = None
        return features

    def standardize(self, key: str) -> None:
        """Replace synonyms and case variants in obs column ``key`` (or ``"all"``).

        Example:
            >>> curator.standardize("cell_type")
        """
        super().standardize(key)
        self.adata.obs = self.df

    def save_artifact(
        self, key: str | None = None, description: str | None = None, revises: Any = None
    ) -> Artifact:
        """Save the validated AnnData (``.h5ad``), its features (``var``, ``obs``) and obs labels.

        Example:
            >>> cats = {"cell_type": ln.ULabel.name}
            >>> curator = ln.curators.AnnDataCurator(adata, categoricals=cats)
            >>> curator.save_artifact(key="cells.h5ad").n_observations
            40
        """
        if self.fingerprint != self._fingerprint():
            self.validate()
        artifact = Artifact.from_anndata(
            self.adata, key=key, description=description, revises=revises
        )
        df, categoricals, var_field = self.df, self._categoricals, self._var_index

        def annotate(host: Artifact) -> None:
            if var_field is not None:
                self._add_public_var_names(mute=True)  # public genes validated: now records
            host.features.add_from_anndata(var_field=var_field)
            by_name = {f.name: f for f in Feature.objects.filter(name__in=list(categoricals))}
            link_column_labels(host, df, categoricals, by_name)

        annotate_on_save(artifact, annotate)
        return artifact.save()


class AnnotateAnnData(ValidatesToBool, AnnDataCurator):  # type: ignore[misc]
    """LaminDB 0.70's ``ln.Annotate.from_anndata(...)``: ``validate()`` returns a bool.

    Public genes and terms count as validated; ``add_validated_from_var_index()``
    saves the genes, ``save_artifact()`` saves them too.

    Example (not run here: bionty genes: tests/curators run it):
        >>> annotate = ln.Annotate.from_anndata(adata, var_index=bt.Gene.symbol)  # doctest: +SKIP
        >>> annotate.validate()  # bionty genes: tests/curators run it  # doctest: +SKIP
        True
    """

    def save_artifact(
        self, key: str | None = None, description: str | None = None, revises: Any = None
    ) -> Artifact:
        """Save the validated AnnData with its features and labels (False: ValidationError).

        Example:
            >>> annotate.save_artifact(description="pbmc")  # see tests/curators  # doctest: +SKIP
        """
        if not self.validate():
            raise ValidationError("The AnnData does not validate; see the warnings above.")
        return AnnDataCurator.save_artifact(self, key=key, description=description, revises=revises)


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
        ... )  # bionty genes: tests/curators run it  # doctest: +SKIP
        >>> curator.validate()  # bionty genes: tests/curators run it  # doctest: +SKIP
        >>> curator.save_artifact(key="citeseq.h5mu")  # see tests/curators  # doctest: +SKIP
    """

    def __init__(
        self,
        mdata: Any,
        var_index: dict[str, Any] | None = None,
        categoricals: dict[str, Any] | None = None,
    ) -> None:
        if accessor_of(mdata) != "MuData":
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
            >>> curator.validate()
        """
        problems = self._problems()
        if problems:
            raise ValidationError(
                "The MuData does not validate:\n  - " + "\n  - ".join(problems),
                problems=problems,
            )
        logger.success("the MuData is validated")

    def standardize(self, key: str) -> None:
        """Replace synonyms and case variants in ``"modality:column"`` (or a global column).

        Example:
            >>> curator.standardize("rna:cell_type")  # see tests/curators  # doctest: +SKIP
        """
        curator, column = self._curator(key)
        curator.standardize(column)
        if curator is self._global:
            self.mdata.obs = curator.df

    def add_new_from(self, key: str, **fields: Any) -> list[Any]:
        """Create records for the non-validated values of ``"modality:column"``.

        Example:
            >>> curator.add_new_from("rna:donor")  # see tests/curators  # doctest: +SKIP
        """
        curator, column = self._curator(key)
        return list(curator.add_new_from(column, **fields))

    def add_validated_from(self, key: str) -> list[Any]:
        """Save the public ontology's records for the values of ``"modality:column"``.

        Example:
            >>> curator.add_validated_from("rna:cell_type")  # see tests/curators  # doctest: +SKIP
        """
        curator, column = self._curator(key)
        return curator.add_validated_from(column)

    def add_validated_from_var_index(self, modality: str) -> None:
        """Save the public list's records for ``modality``'s var names (bt.Gene).

        Example:
            >>> curator.add_validated_from_var_index("rna")  # see tests/curators  # doctest: +SKIP
        """
        self._modality(modality).add_validated_from_var_index()

    def add_new_from_var_index(self, modality: str, **fields: Any) -> list[Feature]:
        """Create a Feature for every var name of ``modality`` not in the registry yet.

        Example:
            >>> curator.add_new_from_var_index("adt")  # see tests/curators  # doctest: +SKIP
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
            >>> curator.save_artifact(key="citeseq.h5mu")  # see tests/curators  # doctest: +SKIP
        """

        self.validate()
        artifact = Artifact.from_mudata(
            self.mdata, key=key, description=description, revises=revises
        )

        def annotate(host: Artifact) -> None:
            for name, curator in self._modalities.items():
                field = curator._var_index
                if field is not None:
                    curator._add_public_var_names(mute=True)  # validated public genes
                    model = var_registry(field)
                    column = field_name(model, field if model is not Feature else None)
                    names = [str(v) for v in curator.adata.var_names]
                    members = list(model.objects.filter(**{f"{column}__in": names}))
                    if members:
                        host.features.add(FeatureSet(members), slot=f"[{name!r}].var")
                self._link_obs(host, curator, f"[{name!r}].obs")
            self._link_obs(host, self._global, "obs")

        annotate_on_save(artifact, annotate)
        return artifact.save()

    @staticmethod
    def _link_obs(artifact: Artifact, curator: DataFrameCurator, slot: str) -> None:
        """Link the features of a curator's categorical columns in ``slot``, and their labels."""
        columns = list(curator._categoricals)
        features = list(Feature.objects.filter(name__in=columns))
        if features:
            artifact.features.add(features, slot=slot)
        link_column_labels(
            artifact, curator.df, curator._categoricals, {f.name: f for f in features}
        )
