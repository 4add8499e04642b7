"""Organisms of the bionty registries: the record of a name, and the organism Ensembl ids name.

Example (not run here: no bionty in the doctest instance):
    >>> organism_record("human", "Gene").ontology_id  # doctest: +SKIP
    'NCBITaxon:9606'
"""

from __future__ import annotations

from typing import Any

from lineagedb.bionty._settings import settings
from lineagedb.bionty.public import PublicOntology
from lineagedb.errors import InvalidArgument


def _model(name: str) -> Any:
    """A bionty registry by name, from Django's app registry (models.py imports this module)."""
    from django.apps import apps

    return apps.get_model("bionty", name)


def _organism_name(organism: Any) -> str | None:
    if organism is None or isinstance(organism, str):
        return organism
    return str(organism.name)


_ENSEMBL_PREFIXES = {"ENSG0": "human", "ENSMUSG": "mouse"}


def _organism_from_ids(values: list[str]) -> str | None:
    """The organism Ensembl gene ids name by prefix (``ENSG`` human, ``ENSMUSG`` mouse)."""
    named = {
        organism
        for value in values[:1000]
        for prefix, organism in _ENSEMBL_PREFIXES.items()
        if value.startswith(prefix)
    }
    return named.pop() if len(named) == 1 else None


def organism_record(organism: Any, registry: str) -> Any:
    """The Organism record for ``organism`` (a name, a record, or None: ``bt.settings.organism``).

    Example:
        >>> organism_record("human", "Gene").ontology_id  # bionty  # doctest: +SKIP
        'NCBITaxon:9606'
    """
    Organism = _model("Organism")
    if isinstance(organism, Organism):
        return organism
    name = organism if organism is not None else settings.organism_name
    if name is None:
        raise InvalidArgument(
            f"{registry} records need an organism: pass organism='human' (or a bt.Organism "
            "record), or set bt.settings.organism = 'human' once."
        )
    if not isinstance(name, str):
        raise InvalidArgument(f"organism must be a name or a bt.Organism record, not {name!r}.")
    found = Organism.objects.filter(name=name).first()
    if found is not None:
        return found
    record = Organism.from_public(name=name)
    if record is None:
        known = ", ".join(sorted(PublicOntology.for_entity("Organism").columns["name"]))
        raise InvalidArgument(f"Unknown organism {name!r}; known: {known}.")
    return record.save()
