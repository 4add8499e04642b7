"""A selection of a stored AnnData, and its ``raw`` part: read only when asked.

Example:
    >>> subset = accessor[10:20, ["ENSG00000000001"]]
    >>> subset.X.shape
    (10, 1)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from lineagedb.arrays._elements import (
    Elements,
    drop_unused_categories,
    has_element,
    iloc,
    is_group,
    lazy,
    read_elem,
    select,
    split_index,
)
from lineagedb.arrays._index import Selection, compose, positions
from lineagedb.arrays._ranges import Bytes

if TYPE_CHECKING:
    import anndata as ad

    from lineagedb.arrays.backed import AnnDataAccessor


class RawAccessor:
    """The ``raw`` part of a stored AnnData: ``X``, ``var``, ``varm``, ``var_names``, ``shape``.

    Example:
        >>> accessor.raw.var_names[:2]
        Index(['ENSG00000000000', 'ENSG00000000001'], dtype='object')
    """

    def __init__(self, group: Any, source: Bytes | None) -> None:
        self._group, self._source = group, source

    @property
    def X(self) -> Any:
        """The raw matrix, lazy.

        Example:
            >>> accessor.raw.X
            SparseArray(csr, shape=(40, 10), dtype=float32)
        """
        return lazy(self._group["X"], self._source)

    @property
    def var(self) -> pd.DataFrame:
        """The raw variable table.

        Example:
            >>> accessor.raw.var.shape
            (10, 1)
        """
        return read_elem(self._group["var"])

    @property
    def var_names(self) -> pd.Index:
        """The raw variable names.

        Example:
            >>> len(accessor.raw.var_names)
            10
        """
        return self.var.index

    @property
    def varm(self) -> Elements:
        """The raw variable annotations, each lazy.

        Example:
            >>> accessor.raw.varm.keys()
            []
        """
        group = self._group["varm"] if has_element(self._group, "varm") else None
        return Elements(group, lambda element: lazy(element, self._source))

    @property
    def shape(self) -> tuple[int, int]:
        """(n_obs, n_vars) of the raw matrix.

        Example:
            >>> accessor.raw.shape
            (40, 10)
        """
        element = self._group["X"]
        if is_group(element):
            return tuple(int(n) for n in element.attrs["shape"])  # type: ignore[return-value]
        return tuple(element.shape)  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"RawAccessor with n_obs × n_vars = {self.shape[0]} × {self.shape[1]}"


class AnnDataAccessorSubset:
    """A selection of a stored AnnData; attributes read only the selected rows and columns.

    Indexing it again selects within the selection.

    Example:
        >>> subset = accessor[["cell_1", "cell_7"], :3]
        >>> subset.X.toarray()
        array([[0., 0., 0.],
               [0., 0., 0.]], dtype=float32)
    """

    def __init__(self, accessor: AnnDataAccessor, rows: Selection, cols: Selection) -> None:
        self._accessor, self._rows, self._cols = accessor, rows, cols

    def __getitem__(self, index: Any) -> AnnDataAccessorSubset:
        obs_index, var_index = split_index(index)
        accessor = self._accessor
        rows = positions(
            obs_index, lambda: accessor.obs_names[iloc(self._rows)], "obs", len(self._rows)
        )
        cols = positions(
            var_index, lambda: accessor.var_names[iloc(self._cols)], "var", len(self._cols)
        )
        return AnnDataAccessorSubset(accessor, compose(self._rows, rows), compose(self._cols, cols))

    @property
    def shape(self) -> tuple[int, int]:
        """(n_obs, n_vars) of the selection.

        Example:
            >>> accessor[:10, :5].shape
            (10, 5)
        """
        return len(self._rows), len(self._cols)

    @property
    def obs_names(self) -> pd.Index:
        """The selected observation names.

        Example:
            >>> accessor[:2].obs_names.tolist()
            ['cell_0', 'cell_1']
        """
        return self._accessor.obs_names[iloc(self._rows)]

    @property
    def var_names(self) -> pd.Index:
        """The selected variable names.

        Example:
            >>> accessor[:, :2].var_names.tolist()
            ['ENSG00000000000', 'ENSG00000000001']
        """
        return self._accessor.var_names[iloc(self._cols)]

    @property
    def obs(self) -> pd.DataFrame:
        """The selected rows of the observation table.

        Example:
            >>> accessor[:2].obs
                   cell_type  n_genes
            cell_0    B cell        1
            cell_1    B cell        1
        """
        return drop_unused_categories(self._accessor.obs.iloc[iloc(self._rows)])

    @property
    def var(self) -> pd.DataFrame:
        """The selected rows of the variable table.

        Example:
            >>> accessor[:, :2].var
                            symbol
            ENSG00000000000  GENE0
            ENSG00000000001  GENE1
        """
        return drop_unused_categories(self._accessor.var.iloc[iloc(self._cols)])

    def _source(self) -> Bytes | None:
        return self._accessor._source

    @property
    def X(self) -> Any:
        """The selected block of the matrix, read now (dense, or scipy sparse).

        Example:
            >>> accessor[:20, :5].X.shape
            (20, 5)
        """
        storage = self._accessor.storage
        if not has_element(storage, "X"):
            return None
        return select(storage["X"], self._rows, self._cols, self._source())

    def _group(self, key: str, rows: bool, cols: str | None) -> dict[str, Any]:
        storage = self._accessor.storage
        if not has_element(storage, key):
            return {}
        row_sel = self._rows if rows else None
        col_sel = {"obs": self._rows, "var": self._cols, None: None}[cols]
        if key.startswith("var"):
            row_sel = self._cols
        group = storage[key]
        return {name: select(group[name], row_sel, col_sel, self._source()) for name in group}

    @property
    def layers(self) -> dict[str, Any]:
        """The selected block of each layer, read now.

        Example:
            >>> accessor[:10].layers["counts"].shape
            (10, 10)
        """
        return self._group("layers", rows=True, cols="var")

    @property
    def obsm(self) -> dict[str, Any]:
        """The selected rows of each obsm array.

        Example:
            >>> accessor[:10].obsm["X_umap"].shape
            (10, 2)
        """
        return self._group("obsm", rows=True, cols=None)

    @property
    def varm(self) -> dict[str, Any]:
        """The selected variables' rows of each varm array.

        Example:
            >>> accessor[:, :5].varm.keys()
            dict_keys([])
        """
        return self._group("varm", rows=False, cols=None)

    @property
    def obsp(self) -> dict[str, Any]:
        """Each obsp matrix restricted to the selected observations (rows and columns).

        Example:
            >>> accessor[:10].obsp["distances"].shape
            (10, 10)
        """
        return self._group("obsp", rows=True, cols="obs")

    @property
    def varp(self) -> dict[str, Any]:
        """Each varp matrix restricted to the selected variables.

        Example:
            >>> accessor[:, :5].varp.keys()
            dict_keys([])
        """
        return self._group("varp", rows=False, cols="var")

    @property
    def raw(self) -> Any:
        """The selected observations of ``raw`` (all its variables), as an AnnData.

        Example:
            >>> accessor[:10].raw.X.shape
            (10, 10)
        """
        storage = self._accessor.storage
        if not has_element(storage, "raw"):
            return None
        import anndata as ad

        group = storage["raw"]
        return ad.AnnData(
            X=select(group["X"], self._rows, None, self._source()),
            var=read_elem(group["var"]),
            obs=pd.DataFrame(index=self.obs_names),
        )

    def to_memory(self) -> ad.AnnData:
        """The selection as an in-memory AnnData.

        Example:
            >>> accessor[:20].to_memory().shape
            (20, 10)
        """
        import anndata as ad

        adata = ad.AnnData(
            X=self.X,
            obs=self.obs,
            var=self.var,
            layers=self.layers or None,
            obsm=self.obsm or None,
            varm=self.varm or None,
            obsp=self.obsp or None,
            varp=self.varp or None,
            uns=self._accessor.uns,
        )
        raw = self.raw
        if raw is not None:
            adata.raw = raw
        return adata

    def __repr__(self) -> str:
        n_obs, n_vars = self.shape
        lines = [f"AnnDataAccessorSubset object with n_obs × n_vars = {n_obs} × {n_vars}"]
        return "\n".join(lines + self._accessor._describe_groups())
