"""Curators: check a DataFrame, AnnData or MuData against features and registries before saving.

``ln.curators.DataFrameCurator(df, schema)`` (LaminDB 2) and
``ln.Annotate.from_df(df, categoricals=...)`` (LaminDB 0.70) check that the
columns a schema requires are there and of their feature's type, and that
the values of categorical columns are in their registry. ``validate()``
raises :class:`lineagedb.errors.ValidationError` naming every failing column
and its bad values (0.70's ``Annotate`` returns False instead); synonyms
are never accepted silently — ``standardize(key)`` maps them when asked.
``save_artifact()`` saves the table with its features and labels, and
refuses data that does not validate. ``_dataframe.py`` holds the DataFrame
curators, ``_arrays.py`` the AnnData and MuData ones.

Example:
    >>> curator = ln.curators.DataFrameCurator(df, schema)
    >>> curator.validate()
    >>> curator.standardize("iris_organism_name")
    >>> curator.save_artifact(key="iris/study1.parquet").n_observations
    75
"""

from __future__ import annotations

from typing import Any

from lineagedb.curators._arrays import AnnDataCurator, AnnotateAnnData, MuDataCurator
from lineagedb.curators._dataframe import AnnotateDataFrame, DataFrameCurator

__all__ = [
    "AnnDataCurator",
    "Annotate",
    "AnnotateAnnData",
    "AnnotateDataFrame",
    "DataFrameCurator",
    "MuDataCurator",
]


class Annotate:
    """LaminDB 0.70's entry point: ``ln.Annotate.from_df(df, categoricals=..., columns=...)``.

    Example:
        >>> ln.Annotate.from_df(df, categoricals={"iris_organism_name": ln.ULabel.name}).validate()
        True
    """

    @staticmethod
    def from_anndata(
        adata: Any, var_index: Any = None, categoricals: dict[str, Any] | None = None, **_: Any
    ) -> AnnotateAnnData:
        """A curator for an AnnData whose ``validate()`` returns a bool (LaminDB 0.70).

        Example:
            >>> ln.Annotate.from_anndata(adata, var_index=ln.Feature.name).validate()
            False
        """
        return AnnotateAnnData(adata, categoricals=categoricals, var_index=var_index)

    @staticmethod
    def from_mudata(
        mdata: Any,
        var_index: dict[str, Any] | None = None,
        categoricals: dict[str, Any] | None = None,
        **_: Any,
    ) -> MuDataCurator:
        """A curator for a MuData (its ``validate()`` raises ValidationError).

        Example:
            >>> import mudata
            >>> with mudata.set_options(pull_on_update=False):  # mudata 0.4's behaviour
            ...     mdata = mudata.MuData({"rna": adata})
            >>> ln.Annotate.from_mudata(mdata, var_index={"rna": ln.Feature.name})
            <lineagedb.curators._arrays.MuDataCurator object at ...>
        """
        return MuDataCurator(mdata, var_index=var_index, categoricals=categoricals)

    @staticmethod
    def from_df(
        df: Any, categoricals: dict[str, Any] | None = None, columns: Any = None, **_: Any
    ) -> AnnotateDataFrame:
        """A curator for a DataFrame whose ``validate()`` returns a bool.

        Example:
            >>> ln.Annotate.from_df(df, categoricals={"iris_organism_name": ln.ULabel.name})
            <lineagedb.curators._dataframe.AnnotateDataFrame object at ...>
        """
        return AnnotateDataFrame(df, categoricals=categoricals, columns=columns)
