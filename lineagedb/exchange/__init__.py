"""Lineage that leaves the registry: W3C PROV, Workflow Run RO-Crate and OpenLineage out.

``export(record, hops, format)`` is what ``lineagedb export`` calls: ``record`` an artifact,
a collection or a run (its lineage, ``hops`` runs back; default all), or None for the whole
instance.

Example:
    >>> from lineagedb.exchange import export
    >>> export(run, format="openlineage").count('"eventType": "START"')
    1
"""

from __future__ import annotations

from typing import Any

from lineagedb.errors import InvalidArgument

FORMATS = ("prov-json", "provn", "openlineage")


def export(record: Any = None, hops: int | None = None, format: str = "prov-json") -> str:
    """The lineage of ``record`` (or the instance's) as text in ``format``.

    Example:
        >>> import json
        >>> "entity" in json.loads(export(artifact))
        True
    """
    from lineagedb.exchange.prov import export_prov, lineage

    if format in ("prov-json", "provn"):
        return export_prov(record, hops, format)
    if format == "openlineage":
        from lineagedb.tracking.openlineage import export_openlineage

        return export_openlineage(lineage(record, hops)[2])
    raise InvalidArgument(f"format={format!r} is not one of {', '.join(FORMATS)}.")
