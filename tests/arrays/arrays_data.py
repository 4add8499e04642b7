"""AnnData objects the arrays tests store and compare against."""

from __future__ import annotations

import anndata as ad
import numpy as np
import scipy.sparse as sp

from lineagedb.datasets import anndata_counts


def rich_anndata(n_obs: int = 60, n_vars: int = 25, seed: int = 3) -> ad.AnnData:
    """Sparse X, a dense and a CSC layer, obsm/varm/obsp, raw and uns."""
    adata = anndata_counts(n_obs=n_obs, n_vars=n_vars, density=0.3, seed=seed)
    generator = np.random.default_rng(seed)
    adata.layers["dense"] = generator.random((n_obs, n_vars)).astype(np.float32)
    adata.layers["csc"] = sp.csc_matrix(adata.X * 2)
    adata.obsm["X_umap"] = generator.random((n_obs, 2))
    adata.varm["loadings"] = generator.random((n_vars, 3))
    adata.obsp["distances"] = sp.random(n_obs, n_obs, density=0.1, format="csr", random_state=1)
    adata.uns["method"] = "counts"
    adata.raw = adata.copy()
    return adata


def dense(matrix: object) -> np.ndarray:
    return matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)  # type: ignore[attr-defined]
