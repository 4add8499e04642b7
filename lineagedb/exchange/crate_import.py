"""Workflow Run RO-Crates into the registry: ``lineagedb import ro-crate DIR`` reads a
Process Run Crate (or a Workflow Run Crate: the same actions), such as
``lineagedb export --format ro-crate`` writes.

Each ``CreateAction`` becomes a run of its ``instrument`` (a pipeline transform of the
instrument's name and version), started and ended at its ``startTime``/``endTime``,
``completed`` or ``errored`` from its ``actionStatus``, its ``PropertyValue`` objects its
params, its other ``object``\\ s its inputs and its ``result``\\ s its outputs. A data entity
is read from the crate (a relative ``@id``), from a local path (``file://``), or registered
where it is (``s3://``, ``gs://``); the same bytes give the same artifact. Every data
entity is checked to be readable before anything is written; a crate imported twice is
refused (each run's reference is its action's id in the crate's root).

Example:
    >>> import_ro_crate("no-crate-here")
    Traceback (most recent call last):
    lineagedb.errors.InvalidArgument: 'no-crate-here' has no ro-crate-metadata.json: ...
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from lineagedb._base.logger import logger
from lineagedb._base.session import session
from lineagedb.errors import InvalidArgument
from lineagedb.tracking.commands import pipeline_transform

REFERENCE_TYPE = "ro-crate"
_FAILED = "http://schema.org/FailedActionStatus"
_ACTIONS = ("CreateAction", "ActivateAction", "UpdateAction")


def import_ro_crate(folder: str | Path) -> list[Any]:
    """Import the actions of the crate in ``folder`` as runs; return them, oldest first.

    Example:
        >>> runs = import_ro_crate("count-crate")  # doctest: +SKIP
        >>> runs[0].transform.name  # doctest: +SKIP
        'Count'
    """
    from django.db import transaction

    root = Path(folder)
    path = root / "ro-crate-metadata.json"
    if not path.is_file():
        raise InvalidArgument(
            f"{str(root)!r} has no ro-crate-metadata.json: give the folder of an RO-Crate."
        )
    graph = {e["@id"]: e for e in json.loads(path.read_text()).get("@graph", [])}
    actions = [e for e in graph.values() if set(_types(e)) & set(_ACTIONS)]
    if not actions:
        raise InvalidArgument(f"The crate in {str(root)!r} records no run (no CreateAction).")
    session.ensure_connected()
    from lineagedb.models import Run

    crate_id = str(graph.get("./", {}).get("identifier") or root.resolve().as_uri())
    references = {action["@id"]: f"{crate_id}{action['@id']}" for action in actions}
    done = Run.objects.filter(reference__in=references.values(), reference_type=REFERENCE_TYPE)
    if done.exists():
        raise InvalidArgument(
            f"The crate in {str(root)!r} was imported already: run {done[0].uid}."
        )
    sources = {
        identifier: _source(root, identifier)
        for action in actions
        for identifier in _ids(action.get("object")) + _ids(action.get("result"))
        if "File" in _types(graph.get(identifier, {}))
    }
    runs = []
    with transaction.atomic():
        writer = _Writer(graph, sources)
        for action in sorted(actions, key=lambda a: str(a.get("startTime", ""))):
            runs.append(writer.run(action, references[action["@id"]]))
    logger.success(f"imported {len(runs)} run(s) from the crate in {root}")
    return runs


def _types(entity: dict[str, Any]) -> list[str]:
    kind = entity.get("@type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def _ids(value: Any) -> list[str]:
    """The ``@id``\\ s of a reference or a list of them."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [item["@id"] if isinstance(item, dict) else str(item) for item in items]


def _source(root: Path, identifier: str) -> str:
    """Where the bytes of a data entity are: a local path, or a bucket URL; checked."""
    parts = urlsplit(identifier)
    if parts.scheme in ("s3", "gs"):
        return identifier
    if parts.scheme == "file":
        path = Path(unquote(parts.path))
    elif parts.scheme:
        raise InvalidArgument(f"Data entity {identifier!r} is not in the crate nor in storage.")
    else:
        path = root / unquote(identifier)
    if not path.is_file():
        raise InvalidArgument(
            f"Data entity {identifier!r} is not readable at {str(path)!r}: nothing was written."
        )
    return str(path)


def _time(text: Any) -> datetime | None:
    return datetime.fromisoformat(str(text)) if text else None


class _Writer:
    def __init__(self, graph: dict[str, dict[str, Any]], sources: dict[str, str]) -> None:
        self.graph = graph
        self.sources = sources
        self.artifacts: dict[str, Any] = {}

    def artifact(self, identifier: str, run: Any) -> Any:
        from lineagedb.models import Artifact

        if identifier not in self.artifacts:
            source = self.sources[identifier]
            name = str(self.graph[identifier].get("name") or Path(source).name)
            kept = "://" in source  # a bucket object: registered where it is
            key = Path(name).name
            if not key.endswith(Path(source).suffix):  # a name, not a file name
                key += Path(source).suffix
            artifact = Artifact(source, key=None if kept else key, run=run)
            if artifact._state.adding and self.graph[identifier].get("description"):
                artifact.description = self.graph[identifier]["description"]
            self.artifacts[identifier] = artifact.save() if artifact._state.adding else artifact
        return self.artifacts[identifier]

    def transform(self, identifier: str) -> Any:
        entity = self.graph.get(identifier, {})
        name = str(entity.get("name") or identifier.lstrip("#"))
        version = str(entity["version"]) if entity.get("version") else None
        return pipeline_transform(name, version=version)

    def run(self, action: dict[str, Any], reference: str) -> Any:
        from django.utils.timezone import now

        from lineagedb.models import Run

        (instrument,) = _ids(action.get("instrument"))[:1] or ["#unknown-instrument"]
        objects = _ids(action.get("object"))
        params = {}
        for identifier in objects:
            entity = self.graph.get(identifier, {})
            if "PropertyValue" in _types(entity):
                params[str(entity.get("name"))] = entity.get("value")
        status = action.get("actionStatus")
        status_id = status.get("@id") if isinstance(status, dict) else status
        run = Run(
            transform=self.transform(instrument),
            started_at=_time(action.get("startTime")) or _time(action.get("endTime")) or now(),
            finished_at=_time(action.get("endTime")),
            status="errored" if status_id == _FAILED else "completed",
            params=params or None,
            reference=reference,
            reference_type=REFERENCE_TYPE,
        )
        run.save()
        for identifier in _ids(action.get("result")):
            if identifier in self.sources:
                self.artifact(identifier, run)
        inputs = [self.artifact(i, None) for i in objects if i in self.sources]
        run.input_artifacts.add(*inputs)
        return run
