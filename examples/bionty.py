"""Biological registries offline: curate an AnnData against Cell Ontology and GENCODE genes.

`make demo` runs it in a fresh instance with the bionty module; nothing is
downloaded (the ontologies come with `pip install 'lineagedb[bionty]'`).
"""

import anndata as ad
import numpy as np
import pandas as pd

import lineagedb as ln
from lineagedb import bionty as bt

pd.set_option("display.width", 200)
ln.setup.init(storage="./lamin-bionty", schema="bionty")

# The public Cell Ontology, offline: search, look up, validate.
cell_types = bt.CellType.public()
print(cell_types)
print(cell_types.search("T cel").head(3)[["name", "score"]])
print(cell_types.lookup().regulatory_t_cell.ontology_id)

# Records from the ontology: synonyms map to their term; parents are saved too.
records = bt.CellType.from_values(["T cell", "B-cell", "monocyte"], field=bt.CellType.name)
ln.save(records)
print(bt.CellType.get(name="T cell").parents.all().df()[["name", "ontology_id"]])

# An AnnData whose obs has cell types (one a synonym) and whose var index has Ensembl ids.
obs = pd.DataFrame(
    {"cell_type": ["T cell", "T-cell", "B cell", "natural killer cell"]},
    index=[f"cell{i}" for i in range(4)],
)
var = pd.DataFrame(index=["ENSG00000081059", "ENSG00000010610", "ENSG00000153563"])
adata = ad.AnnData(X=np.arange(12, dtype="float32").reshape(4, 3), obs=obs, var=var)

ln.Feature(name="cell_type", type="category").save()
curator = ln.curators.AnnDataCurator(
    adata, categoricals={"cell_type": bt.CellType.name}, var_index=bt.Gene.ensembl_gene_id
)
try:
    curator.validate()
except ln.errors.ValidationError as error:
    print(error)
curator.add_validated_from("cell_type")  # natural killer cell, from the ontology
curator.standardize("cell_type")  # T-cell → T cell
curator.add_validated_from_var_index()  # TCF7, CD4, CD8A from the human gene list
curator.validate()
artifact = curator.save_artifact(description="PBMC, curated offline")
artifact.describe()
print(ln.Artifact.filter(cell_types__name="natural killer cell").df()[["uid", "description"]])
print(
    bt.Source.filter(currently_used=True).df()[
        ["entity", "organism", "source", "version", "license"]
    ]
)
