"""Small example data, generated on the spot so examples and tests run offline.

Example:
    >>> import lineagedb as ln
    >>> studies = ln.datasets.iris_studies("./new-folder/iris_studies")
    >>> sorted(p.name for p in studies.iterdir())
    ['study0_raw_images', 'study1_raw_images', 'study2_raw_images']
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import anndata as ad
    import pandas as pd

SPECIES = ("setosa", "versicolor", "virginica")
# Images per study, as in the tutorial's bucket (51, 49 and 51 files with meta.csv).
IMAGES_PER_STUDY = (50, 48, 50)
IMAGE_SIZE = 13_000

_JPEG_START = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
_JPEG_END = b"\xff\xd9"


def _needs_writing(path: Path, content: bytes) -> bool:
    """Whether ``path`` is still to be written with ``content``: False when it holds exactly
    that; InvalidArgument when it holds something else (it may be registered, and edited
    since): example data never overwrite a file that differs.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
        >>> _needs_writing(path, b"x")
        True
        >>> _ = path.write_bytes(b"x")
        >>> _needs_writing(path, b"x")
        False
        >>> try:
        ...     _needs_writing(path, b"y")
        ... except ValueError as error:
        ...     print("exists and differs" in str(error))
        True
    """
    from lineagedb.errors import InvalidArgument

    if not path.exists() and not path.is_symlink():
        return True
    if path.is_file() and path.stat().st_size == len(content) and path.read_bytes() == content:
        return False
    raise InvalidArgument(
        f"'{path}' exists and differs from the example data; it was left as it is (it may "
        "be registered, or edited). Write the example data into another folder, or move "
        "that file away first."
    )


def file_mini_csv(folder: str | Path = ".") -> Path:
    """Write ``mini.csv`` (3 rows, 2 columns) into ``folder`` and return its path.

    Example:
        >>> import tempfile
        >>> file_mini_csv(tempfile.mkdtemp()).read_text().splitlines()[0]
        'num,letter'
    """
    path = Path(folder) / "mini.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    content = b"num,letter\n1,a\n2,b\n3,c\n"
    if _needs_writing(path, content):
        path.write_bytes(content)
    return path


def iris_studies(
    folder: str | Path,
    images_per_study: tuple[int, ...] = IMAGES_PER_STUDY,
    image_size: int = IMAGE_SIZE,
    seed: int = 0,
) -> Path:
    """Write iris-like studies: ``study<i>_raw_images/`` of images plus ``meta.csv``.

    The same arguments always give the same bytes. Image names are
    ``iris-<sha256 of the bytes>.jpg``; ``meta.csv`` maps each image to a
    species, like the tutorial's ``s3://lamindb-dev-datasets/iris_studies``.

    Args:
        folder: Where to create the study folders.
        images_per_study: Number of images in each study.
        image_size: Bytes per image.
        seed: Seed of the generator.

    Example:
        >>> import tempfile
        >>> studies = iris_studies(tempfile.mkdtemp(), images_per_study=(2,), image_size=100)
        >>> len(list((studies / "study0_raw_images").iterdir()))
        3
    """
    root = Path(folder)
    generator = random.Random(seed)
    files: dict[Path, bytes] = {}
    for study, n_images in enumerate(images_per_study):
        study_folder = root / f"study{study}_raw_images"
        rows = ["0,1"]
        for _ in range(n_images):
            body = generator.randbytes(image_size - len(_JPEG_START) - len(_JPEG_END))
            image = _JPEG_START + body + _JPEG_END
            name = f"iris-{hashlib.sha256(image).hexdigest()}.jpg"
            files[study_folder / name] = image
            rows.append(f"{name},{SPECIES[generator.randrange(3)]}")
        files[study_folder / "meta.csv"] = ("\n".join(rows) + "\n").encode()
    # Every file checked before any is written: a folder with an edited meta.csv stays
    # as it is (identical files are skipped).
    todo = [(path, content) for path, content in files.items() if _needs_writing(path, content)]
    for path, content in todo:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return root


# -- tables and annotated matrices -------------------------------------------------------------

_IRIS_COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def df_iris_in_meter() -> pd.DataFrame:
    """Fisher's iris data, measurements in metres: 150 rows, four lengths and the species.

    Shipped with the package (no download).

    Example:
        >>> df = df_iris_in_meter()
        >>> df.shape, df.iris_organism_name.unique().tolist()
        ((150, 5), ['setosa', 'versicolor', 'virginica'])
        >>> float(df.sepal_length.iloc[0])
        0.051
    """
    import pandas as pd

    path = Path(__file__).parent / "_data" / "iris.csv"
    df = pd.read_csv(path, comment="#")
    df[_IRIS_COLUMNS] = (df[_IRIS_COLUMNS] / 100).round(4)
    return df


def df_iris_in_meter_study1() -> pd.DataFrame:
    """The first half (75 rows) of :func:`df_iris_in_meter`, as one study.

    Example:
        >>> len(df_iris_in_meter_study1())
        75
    """
    df = df_iris_in_meter()
    return df.iloc[: len(df) // 2]


def df_iris_in_meter_study2() -> pd.DataFrame:
    """The second half (75 rows) of :func:`df_iris_in_meter`, as another study.

    Example:
        >>> df_iris_in_meter_study2().index[0]
        75
    """
    df = df_iris_in_meter()
    return df.iloc[len(df) // 2 :]


CELL_TYPES = ("T cell", "B cell", "NK cell", "monocyte", "dendritic cell")


def anndata_counts(
    n_obs: int = 1_000,
    n_vars: int = 200,
    density: float = 0.1,
    seed: int = 0,
    cell_types: tuple[str, ...] = CELL_TYPES,
) -> ad.AnnData:
    """A single-cell-like AnnData: sparse CSR counts, obs with cell types, var with gene ids.

    ``obs``: ``cell_type`` (categorical), ``n_genes``; ``var``: index of
    Ensembl-like ids, ``symbol``. The same arguments give the same object.

    Example:
        >>> adata = anndata_counts(n_obs=50, n_vars=20)
        >>> adata.shape, adata.X.format, adata.var_names[0]
        ((50, 20), 'csr', 'ENSG00000000000')
    """
    import anndata as ad
    import numpy as np
    import pandas as pd
    import scipy.sparse as sp

    generator = np.random.default_rng(seed)
    nnz_per_row = max(1, round(density * n_vars))
    columns = (
        np.sort(
            np.argpartition(generator.random((n_obs, n_vars)), nnz_per_row - 1, axis=1)[
                :, :nnz_per_row
            ],
            axis=1,
        )
        if n_obs * n_vars <= 50_000_000
        else _sparse_columns(generator, n_obs, n_vars, nnz_per_row)
    )
    indptr = np.arange(0, (n_obs + 1) * nnz_per_row, nnz_per_row, dtype=np.int64)
    data = generator.poisson(2.0, n_obs * nnz_per_row).astype(np.float32) + 1
    X = sp.csr_matrix((data, columns.ravel().astype(np.int32), indptr), shape=(n_obs, n_vars))
    obs = pd.DataFrame(
        {
            "cell_type": pd.Categorical(generator.choice(list(cell_types), n_obs)),
            "n_genes": np.full(n_obs, nnz_per_row),
        },
        index=[f"cell_{i}" for i in range(n_obs)],
    )
    var = pd.DataFrame(
        {"symbol": [f"GENE{i}" for i in range(n_vars)]},
        index=[f"ENSG{i:011d}" for i in range(n_vars)],
    )
    return ad.AnnData(X=X, obs=obs, var=var)


def _sparse_columns(generator: Any, n_obs: int, n_vars: int, per_row: int) -> Any:
    """Sorted distinct column positions per row, for matrices too large for argpartition."""
    import numpy as np

    step = n_vars / per_row
    base = (np.arange(per_row) * step).astype(np.int64)
    jitter = generator.integers(0, max(1, int(step)), size=(n_obs, per_row))
    return np.minimum(base + jitter, n_vars - 1)


def anndata_with_obs() -> ad.AnnData:
    """A small AnnData (40 cells × 100 genes) with cell_type, tissue and disease in obs.

    Example:
        >>> anndata_with_obs().obs.columns.tolist()
        ['cell_type', 'n_genes', 'tissue', 'disease']
    """
    adata = anndata_counts(n_obs=40, n_vars=100, seed=1, cell_types=CELL_TYPES[:4])
    adata.obs["tissue"] = ["blood" if i % 2 else "bone marrow" for i in range(40)]
    adata.obs["disease"] = ["healthy" if i % 3 else "leukemia" for i in range(40)]
    return adata
