"""Curation on real data, offline: free-text cell types and outdated gene symbols.

An AnnData as public single-cell data come: obs holds the 3k-PBMC tutorial's cell
type labels ("CD14+ Monocytes", "NK cells"), var holds gene symbols, some of them
previous symbols (FAM46C is TENT5C now, IGJ is JCHAIN). Curated against the Cell
Ontology and the human gene list, saved, and queried by a parent term. The same
input standardizes the same way in the fresh instance and once it is populated.
`make demo` runs it; nothing is downloaded.
"""

import anndata as ad
import numpy as np
import pandas as pd

import lineagedb as ln
from lineagedb import bionty as bt

ln.setup.init(storage="./lamin-curation", schema="bionty")
bt.settings.organism = "human"
ln.track(transform=ln.Transform(name="Curate PBMC 3k", type="pipeline").save())

labels = [
    "CD4 T cells",
    "CD14+ Monocytes",
    "B cells",
    "CD8 T cells",
    "NK cells",
    "FCGR3A+ Monocytes",
    "Dendritic cells",
    "Megakaryocytes",
]
symbols = ["CD3E", "IL7R", "CD14", "LYZ", "MS4A1", "CD8A", "GNLY", "NKG7", "FCGR3A"]
symbols += ["FCER1A", "PPBP", "FAM46C", "IGJ", "SEPT2", "MZB1"]  # 3 previous symbols
rng = np.random.default_rng(0)
obs = pd.DataFrame({"cell_type": rng.choice(labels, 400)}, index=[f"cell{i}" for i in range(400)])
adata = ad.AnnData(
    X=rng.poisson(1.0, (400, len(symbols))).astype("float32"),
    obs=obs,
    var=pd.DataFrame(index=symbols),
)

# 1. Cell types: what the ontology calls them, whatever this instance holds.
fresh = bt.CellType.standardize(labels)
print(dict(zip(labels, fresh, strict=True)))
print(bt.CellType.public().search("CD4 T cells").head(3)[["name", "score"]])
chosen = {  # the labels no term is exactly, mapped by a biologist after search()
    "CD4 T cells": "CD4-positive, alpha-beta T cell",
    "CD8 T cells": "CD8-positive, alpha-beta T cell",
    "FCGR3A+ Monocytes": "CD14-low, CD16-positive monocyte",
}

# 2. Genes: previous symbols become today's, the rest stay as they are.
adata.var_names = bt.Gene.standardize(list(adata.var_names), field="symbol")

# 3. A schema whose feature names its registry: cell_type is a bt.CellType.
cell_type = ln.Feature(name="cell_type", dtype="cat[bionty.CellType]").save()
schema = ln.Schema([cell_type], name="PBMC obs").save()
curator = ln.curators.AnnDataCurator(adata, schema, var_index=bt.Gene.symbol)
try:
    curator.validate()
except ln.errors.ValidationError as error:
    print(error)
curator.standardize("cell_type")  # the five the ontology names another way
adata.obs["cell_type"] = adata.obs["cell_type"].replace(chosen)
curator.validate()  # public terms validate; saving adds their records
artifact = curator.save_artifact(description="PBMC 3k, curated offline")
artifact.describe()

# 4. Query by a parent term: every artifact with any kind of T cell.
t_cells = bt.CellType.get(name="T cell").query_children()
print(ln.Artifact.filter(cell_types__in=t_cells).distinct().df()[["uid", "description"]])

# 5. The same input, now that the instance holds these terms: the same result.
populated = bt.CellType.standardize(labels)
assert populated == fresh, (fresh, populated)
print("fresh and populated instance agree:", populated == fresh)
ln.finish()
