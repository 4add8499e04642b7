"""Tables and arrays: DataFrame and AnnData artifacts, backed slices, mapped() for training.

`make demo` runs it after `tutorial.py`, on the instance the tutorial created.
"""

import numpy as np
import pandas as pd

import lineagedb as ln

pd.set_option("display.width", 200)
ln.connect("lamin-tutorial")
ln.track(ln.Transform(name="Tables and arrays", version="0"))

# A DataFrame artifact: stored as parquet, n_observations = rows.
df = ln.core.datasets.df_iris_in_meter()
iris = ln.Artifact.from_df(df, key="iris/all.parquet", description="iris in metres").save()
print(iris)
print(iris.load().head(3))

# AnnData artifacts: an .h5ad file and a .zarr folder.
adata = ln.core.datasets.anndata_counts(n_obs=2_000, n_vars=500, seed=0)
counts = ln.Artifact.from_anndata(adata, key="scrna/batch1.h5ad").save()
other = ln.Artifact.from_anndata(
    ln.core.datasets.anndata_counts(n_obs=1_000, n_vars=500, seed=1), key="scrna/batch2.zarr"
).save()
print(counts)
print(other)

# Query the array without loading it: only the selected rows are read.
with counts.open() as accessor:
    print(accessor)
    b_cells = accessor[accessor.obs.cell_type == "B cell", :5]
    print(b_cells)
    print(b_cells.X[:3].toarray())

# A collection of both, loaded as one AnnData, or streamed row by row for training.
collection = ln.Collection([counts, other], name="scRNA batches").save()
print(collection.load())
with collection.mapped(obs_keys=["cell_type"]) as dataset:
    print(dataset)
    try:
        import torch

        loader = torch.utils.data.DataLoader(dataset, batch_size=256, shuffle=True)
        batch = next(iter(loader))
    except ImportError:  # torch is optional: the same batch, read by hand
        samples = dataset.__getitems__(list(np.random.default_rng(0).choice(len(dataset), 256)))
        batch = {key: np.stack([s[key] for s in samples]) for key in ("X", "cell_type")}
    print({key: tuple(value.shape) for key, value in batch.items() if key in ("X", "cell_type")})

ln.finish()
