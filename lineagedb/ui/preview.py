"""Previews of an artifact's bytes for its page: the head of a table, the first lines of a
text, an AnnData's shape and columns (read backed, X never loaded), a folder's tree; an
image is shown from its download link.

Only registered artifacts' bytes are read, through the artifact itself: no path
from a request reaches the file system.

Example:
    >>> preview(ln.Artifact.get(key="iris_studies/study0_raw_images/meta.csv"))["kind"]
    'table'
"""

from __future__ import annotations

from typing import Any

from lineagedb._base.logger import logger

ROWS = 10
LINES = 40
IMAGES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")
TEXTS = (".txt", ".md", ".json", ".yaml", ".yml", ".py", ".r", ".sh", ".fasta", ".fa", ".log")


def preview(artifact: Any) -> dict[str, Any]:
    """What the artifact page shows of the bytes; ``{"kind": "none"}`` when nothing fits.

    Example:
        >>> preview(artifact)["kind"] in ("table", "text", "none")
        True
    """
    suffix = (artifact.suffix or "").lower()
    try:
        if suffix in IMAGES:
            return {"kind": "image", "src": f"/download/{artifact.uid}?inline=1"}
        if suffix in (".csv", ".tsv", ".parquet"):
            return _table(artifact, suffix)
        if suffix in (".h5ad", ".zarr", ".zrad") or artifact.accessor == "AnnData":
            return _anndata(artifact)
        if suffix in TEXTS:
            return _text(artifact)
        if (artifact.n_objects and artifact.n_objects > 1) or suffix == "":
            return _tree(artifact)
    except Exception as error:  # a preview never breaks the page: it says why it is missing
        logger.debug(f"no preview of {artifact.uid}: {error}")
        return {"kind": "error", "message": f"{type(error).__name__}: {error}"}
    return {"kind": "none"}


def _table(artifact: Any, suffix: str) -> dict[str, Any]:
    import pandas as pd

    path = artifact.cache(is_run_input=False)  # the UI's reads are no run's inputs
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        frame = pq.ParquetFile(str(path)).read_row_group(0).slice(0, ROWS).to_pandas()
    else:
        frame = pd.read_csv(str(path), sep="\t" if suffix == ".tsv" else ",", nrows=ROWS)
    return {
        "kind": "table",
        "columns": [str(c) for c in frame.columns],
        "rows": [[_cell(v) for v in row] for row in frame.itertuples(index=False)],
    }


def _anndata(artifact: Any) -> dict[str, Any]:
    with artifact.open(is_run_input=False) as adata:
        return {
            "kind": "anndata",
            "shape": [int(adata.n_obs), int(adata.n_vars)],
            "obs": [str(c) for c in adata.obs.columns],
            "var": [str(c) for c in adata.var.columns],
            "layers": sorted(str(k) for k in adata.layers),
            "obsm": sorted(str(k) for k in adata.obsm),
        }


def _text(artifact: Any) -> dict[str, Any]:
    path = artifact.cache(is_run_input=False)
    with open(str(path), encoding="utf-8", errors="replace") as handle:
        lines = [line.rstrip("\n") for _, line in zip(range(LINES), handle, strict=False)]
    return {"kind": "text", "lines": lines}


def _tree(artifact: Any) -> dict[str, Any]:
    """A folder's files as its save recorded them (no listing, no download of a bucket)."""
    from lineagedb.models.artifact.manifest import FolderManifest

    recorded = FolderManifest.objects.filter(artifact=artifact).values_list("files", flat=True)
    manifest = recorded.first()
    if manifest is None:
        return {"kind": "none"}
    files = sorted(str(path) for path, _size, _hash in manifest)
    return {"kind": "tree", "files": files[:200], "n_files": len(files)}


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return None
    return value if isinstance(value, (int, float, bool)) or value is None else str(value)
