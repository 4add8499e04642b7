"""Lineage out of the registry as W3C PROV (``lineagedb export --format prov-json``).

Entities are artifact versions (hash, size, key, suffix, storage URL, version) and
collections (with their members); activities are runs (start and end times, status,
params); agents are users (``prov:Person``) and lineagedb itself
(``prov:SoftwareAgent``, with its version); transforms are plans (``prov:Plan``). A
run ``used`` its inputs, an artifact ``wasGeneratedBy`` its run and is
``wasAttributedTo`` its creator, a run ``wasAssociatedWith`` its user with its
transform as the plan, and a version ``wasRevisionOf`` the one before it. PROV-JSON is
written as plain data; PROV-N and ``prov_document()`` go through the ``prov`` package
(``pip install 'lineagedb[provenance]'``).

Example:
    >>> "wasAttributedTo" in json.loads(export_prov(artifact))
    True
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from lineagedb._base.session import session
from lineagedb.errors import InvalidArgument

FORMATS = ("prov-json", "provn")


def prov_document(record: Any = None, hops: int | None = None) -> Any:
    """A ``prov.model.ProvDocument`` of ``record``'s lineage (an artifact, a collection or a
    run; ``hops`` runs back, default all) or, for None, of the whole instance.

    Example:
        >>> document = prov_document(artifact)
        >>> len(document.get_records()) > 0
        True
    """
    try:
        from prov.model import ProvDocument
    except ImportError:
        raise InvalidArgument(
            "PROV export needs the prov package: pip install 'lineagedb[provenance]'."
        ) from None
    return ProvDocument.deserialize(content=json.dumps(_prov_json(record, hops)), format="json")


def export_prov(record: Any = None, hops: int | None = None, format: str = "prov-json") -> str:
    """The lineage as PROV-JSON (``format="prov-json"``) or PROV-N (``"provn"``) text.

    PROV-JSON is written directly (the ``prov`` package's objects cost ~0.5 ms a record,
    minutes at 100,000 artifacts); PROV-N and ``prov_document()`` read it into ``prov``.

    Example:
        >>> json.loads(export_prov(artifact))["entity"] != {}
        True
    """
    if format not in FORMATS:
        raise InvalidArgument(f"format={format!r} is not one of {', '.join(FORMATS)}.")
    if format == "provn":
        return str(prov_document(record, hops).get_provn())
    return json.dumps(_prov_json(record, hops), indent=2)


def _prov_json(record: Any, hops: int | None) -> dict[str, Any]:
    session.ensure_connected()
    artifacts, collections, runs = lineage(record, hops)
    instance = session.instance.name if session.instance is not None else "lineagedb"
    document = _JsonDocument(
        {"ldb": f"urn:lineagedb:{instance}:", "lineagedb": "https://lineagedb.org/ns#"}
    )
    _Writer(document).write(artifacts, collections, runs, everything=record is None)
    return document.data


class _JsonDocument:
    """A PROV-JSON document (https://www.w3.org/submissions/prov-json/) as plain dicts:
    the few statements lineage needs, in the ``prov`` package's method names."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.data: dict[str, Any] = {"prefix": prefixes}
        self._relations = 0

    def _add(self, kind: str, identifier: str, attributes: dict[str, Any]) -> str:
        self.data.setdefault(kind, {})[identifier] = attributes
        return identifier

    def _relate(self, kind: str, attributes: dict[str, Any]) -> None:
        self._relations += 1
        given = {k: v for k, v in attributes.items() if v is not None}
        self.data.setdefault(kind, {})[f"_:id{self._relations}"] = given

    def entity(self, identifier: str, attributes: dict[str, Any]) -> str:
        return self._add("entity", identifier, attributes)

    def agent(self, identifier: str, attributes: dict[str, Any]) -> str:
        return self._add("agent", identifier, attributes)

    def activity(self, identifier: str, start: Any, end: Any, attributes: dict[str, Any]) -> str:
        times = {"prov:startTime": _time(start), "prov:endTime": _time(end)}
        return self._add(
            "activity", identifier, {**{k: v for k, v in times.items() if v}, **attributes}
        )

    def used(self, activity: str, entity: str) -> None:
        self._relate("used", {"prov:activity": activity, "prov:entity": entity})

    def wasGeneratedBy(self, entity: str, activity: str, time: Any = None) -> None:
        self._relate(
            "wasGeneratedBy",
            {"prov:entity": entity, "prov:activity": activity, "prov:time": _time(time)},
        )

    def wasAttributedTo(self, entity: str, agent: str) -> None:
        self._relate("wasAttributedTo", {"prov:entity": entity, "prov:agent": agent})

    def wasAssociatedWith(self, activity: str, agent: str, plan: str | None = None) -> None:
        self._relate(
            "wasAssociatedWith", {"prov:activity": activity, "prov:agent": agent, "prov:plan": plan}
        )

    def wasRevisionOf(self, newer: str, older: str) -> None:
        self._relate(
            "wasDerivedFrom",
            {
                "prov:generatedEntity": newer,
                "prov:usedEntity": older,
                "prov:type": _kind("Revision"),
            },
        )

    def hadMember(self, collection: str, entity: str) -> None:
        self._relate("hadMember", {"prov:collection": collection, "prov:entity": entity})


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def lineage(record: Any, hops: int | None) -> tuple[list[Any], list[Any], list[Any]]:
    """The artifacts, collections and runs to write: the instance's, or ``record``'s and
    its ancestors' (runs back through their inputs, ``hops`` at most).

    Example:
        >>> artifacts, collections, runs = lineage(run, hops=1)
        >>> runs == [run]
        True
    """
    from lineagedb.models import Artifact, Collection, Run

    if record is None:
        return (
            # trash (visibility -1) left out; hidden bookkeeping (sources, environments) in
            list(
                Artifact.objects.filter(visibility__in=[0, 1]).select_related(
                    "storage", "created_by", "run"
                )
            ),
            list(Collection.objects.filter(visibility__in=[0, 1]).select_related("run")),
            list(Run.objects.select_related("transform", "created_by")),
        )
    artifacts: dict[int, Any] = {}
    collections: dict[int, Any] = {}
    runs: dict[int, Any] = {}
    if isinstance(record, Run):
        pending = [(record, 1)]
    else:
        (artifacts if isinstance(record, Artifact) else collections)[record.pk] = record
        pending = [(record.run, 1)] if record.run_id is not None else []
    if isinstance(record, Collection):
        for member in record.artifacts.all():
            artifacts[member.pk] = member
            if member.run_id is not None:
                pending.append((member.run, 1))
    while pending:
        run, back = pending.pop(0)
        if run.pk in runs or (hops is not None and back > hops):
            continue
        runs[run.pk] = run
        for item in [*run.input_artifacts.all(), *run.input_collections.all()]:
            (artifacts if isinstance(item, Artifact) else collections)[item.pk] = item
            if item.run_id is not None:
                pending.append((item.run, back + 1))
        for output in run.output_artifacts.all():
            if output.pk in artifacts or isinstance(record, Run):
                artifacts[output.pk] = output
    return list(artifacts.values()), list(collections.values()), list(runs.values())


def _previous_versions(artifacts: list[Any], everything: bool = False) -> dict[str, Any]:
    """{uid: the version before it} in the artifacts' version families (``everything``: the
    artifacts are the instance's, all of them; else one query for their families)."""
    from django.db.models import Q

    from lineagedb.models import Artifact

    stems = sorted({a.uid[:16] for a in artifacts})
    members: Any = artifacts
    if not everything:
        condition = Q()
        for stem in stems:
            condition |= Q(uid__startswith=stem)
        members = Artifact.objects.filter(condition, visibility__in=[0, 1]).select_related(
            "storage", "created_by"
        )
    family: dict[str, list[Any]] = {}
    for member in members:
        family.setdefault(member.uid[:16], []).append(member)
    previous = {}
    for versions in family.values():
        versions.sort(key=lambda a: a.created_at)
        for before, after in itertools.pairwise(versions):
            previous[after.uid] = before
    return previous


def _location(artifact: Any) -> str:
    from lineagedb.models.artifact.access import path_text  # once Django is configured

    return path_text(artifact)


def _kind(name: str) -> dict[str, str]:
    """A PROV type as PROV-JSON writes a qualified name (``"type": "prov:QUALIFIED_NAME"``)."""
    return {"$": f"prov:{name}", "type": "prov:QUALIFIED_NAME"}


class _Writer:
    """Adds records to a PROV document, each once."""

    def __init__(self, document: Any) -> None:
        from importlib import metadata

        self.previous: dict[str, Any] = {}
        self.runs: set[int] = set()
        self.document = document
        self.done: set[str] = set()
        self.software = document.agent(
            "ldb:software/lineagedb",
            {
                "prov:type": _kind("SoftwareAgent"),
                "lineagedb:version": metadata.version("lineagedb"),
            },
        )

    def write(
        self, artifacts: list[Any], collections: list[Any], runs: list[Any], everything: bool
    ) -> None:
        self.previous = _previous_versions(artifacts, everything)
        self.runs = {run.pk for run in runs}
        for run in runs:
            self.run(run)
        for artifact in artifacts:
            self.artifact(artifact)
        for collection in collections:
            self.collection(collection)
        for run in runs:
            activity = f"ldb:run/{run.uid}"
            for item in run.input_artifacts.all():
                self.document.used(activity, self.artifact(item))
            for item in run.input_collections.all():
                self.document.used(activity, self.collection(item))

    def _once(self, identifier: str) -> bool:
        if identifier in self.done:
            return False
        self.done.add(identifier)
        return True

    def user(self, user: Any) -> str:
        identifier = f"ldb:user/{user.handle}"
        if self._once(identifier):
            attributes = {"prov:type": _kind("Person"), "prov:label": user.handle}
            if user.name:
                attributes["lineagedb:name"] = user.name
            self.document.agent(identifier, attributes)
        return identifier

    def transform(self, transform: Any) -> str:
        identifier = f"ldb:transform/{transform.uid}"
        if self._once(identifier):
            attributes = {
                "prov:type": _kind("Plan"),
                "prov:label": transform.name,
                "lineagedb:type": transform.type,
            }
            if transform.version:
                attributes["lineagedb:version"] = transform.version
            if transform.key:
                attributes["lineagedb:key"] = transform.key
            self.document.entity(identifier, attributes)
        return identifier

    def run(self, run: Any) -> str:
        identifier = f"ldb:run/{run.uid}"
        if self._once(identifier):
            attributes: dict[str, Any] = {"prov:label": f"run of {run.transform.name}"}
            if run.status:
                attributes["lineagedb:status"] = run.status
            if run.params:
                attributes["lineagedb:params"] = json.dumps(run.params, sort_keys=True)
            self.document.activity(identifier, run.started_at, run.finished_at, attributes)
            self.document.wasAssociatedWith(
                identifier, self.user(run.created_by), self.transform(run.transform)
            )
            self.document.wasAssociatedWith(identifier, "ldb:software/lineagedb")
        return identifier

    def artifact(self, artifact: Any) -> str:
        identifier = f"ldb:artifact/{artifact.uid}"
        if not self._once(identifier):
            return identifier
        attributes: dict[str, Any] = {
            "prov:label": artifact.key or artifact.description or artifact.uid,
            "prov:location": _location(artifact),
            "lineagedb:hash": f"{artifact.hash_type}:{artifact.hash}",
            "lineagedb:size": artifact.size,
        }
        for name in ("key", "suffix", "version"):
            if getattr(artifact, name):
                attributes[f"lineagedb:{name}"] = getattr(artifact, name)
        self.document.entity(identifier, attributes)
        self.document.wasAttributedTo(identifier, self.user(artifact.created_by))
        if artifact.run_id in self.runs:  # a run beyond the hops asked for is left out
            self.document.wasGeneratedBy(identifier, self.run(artifact.run), artifact.created_at)
        previous = self.previous.get(artifact.uid)
        if previous is not None:  # the version before this one
            self.document.wasRevisionOf(identifier, self.artifact(previous))
        return identifier

    def collection(self, collection: Any) -> str:
        identifier = f"ldb:collection/{collection.uid}"
        if not self._once(identifier):
            return identifier
        attributes: dict[str, Any] = {
            "prov:type": _kind("Collection"),
            "prov:label": collection.name,
        }
        if collection.version:
            attributes["lineagedb:version"] = collection.version
        self.document.entity(identifier, attributes)
        for member in collection.artifacts.all():
            self.document.hadMember(identifier, self.artifact(member))
        if collection.run_id in self.runs:
            self.document.wasGeneratedBy(identifier, self.run(collection.run))
        return identifier
