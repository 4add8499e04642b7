"""The bionty module: registries of biological entities, backed by public ontologies offline.

``ln.setup.init(storage=..., schema="bionty")`` gives an instance the
registries Organism, Gene, CellType, Tissue, Disease, CellLine, Phenotype,
ExperimentalFactor, DevelopmentalStage, Ethnicity and Source. Their public
terms come from packages installed with ``pip install 'lineagedb[bionty]'``
(ontologies) and from gene lists shipped with lineagedb — nothing is
downloaded.

Example:
    >>> import lineagedb as ln
    >>> from lineagedb import bionty as bt
    >>> ln.setup.init(storage="./lamin-tutorial", schema="bionty")  # bionty  # doctest: +SKIP
    >>> bt.CellType.public().search("T cell").head(3)  # bionty  # doctest: +SKIP
    >>> records = bt.CellType.from_values(["T cell", "B cell"])  # bionty  # doctest: +SKIP
    >>> ln.save(records)  # no bionty in the doctest instance  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lineagedb.bionty._settings import settings

if TYPE_CHECKING:
    from lineagedb.bionty.models import (
        CellLine,
        CellType,
        DevelopmentalStage,
        Disease,
        Ethnicity,
        ExperimentalFactor,
        Gene,
        Organism,
        Phenotype,
        Source,
        Tissue,
    )

__all__ = [
    "CellLine",
    "CellType",
    "DevelopmentalStage",
    "Disease",
    "Ethnicity",
    "ExperimentalFactor",
    "Gene",
    "Organism",
    "Phenotype",
    "PublicSource",
    "Source",
    "Tissue",
    "settings",
]

_REGISTRIES = set(__all__) - {"PublicSource", "settings"}


def __getattr__(name: str) -> Any:
    if name == "PublicSource":  # LaminDB 0.70's name of Source
        name = "Source"
    if name not in _REGISTRIES:
        raise AttributeError(f"module 'lineagedb.bionty' has no attribute {name!r}")
    from lineagedb._base.session import session
    from lineagedb.errors import NotConnected

    session.ensure_connected()
    instance = session.instance
    if instance is None or "bionty" not in instance.modules:
        name_shown = instance.name if instance is not None else "the connected instance"
        raise NotConnected(
            f"Instance {name_shown!r} has no bionty registries. Add them with "
            "ln.setup.add_module('bionty') (or `lineagedb module add bionty`), or create an "
            "instance with ln.setup.init(storage=..., schema='bionty')."
        )
    import importlib

    return getattr(importlib.import_module("lineagedb.bionty.models"), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
