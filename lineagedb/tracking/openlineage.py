"""Runs as OpenLineage events (https://openlineage.io, core spec 2-0-2): to a file
(``lineagedb export --format openlineage``, one event per line) and, when an endpoint is
set, live from ``ln.track()`` and ``ln.finish()``.

A run gives a ``START`` event (at ``started_at``) and, once it ended, one of ``COMPLETE``,
``FAIL`` (errored) or ``ABORT`` (at ``finished_at``). The job is the transform (its key, or
its name), in the namespace ``lineagedb:<instance>``; inputs and outputs are artifacts as
datasets named as OpenLineage names files (namespace ``file`` and the absolute path, or
``s3://bucket`` / ``gs://bucket`` and the object's key), with the facets ``version`` (the
content hash), ``schema`` (the artifact's features and their types) and
``documentation`` (its description). The run id is a UUID derived from the run's uid, the
same in a file and live. A run started by another (a flow's step) has the ``parent`` facet;
the run's uid and params are in the ``lineagedb`` facet.

Live events go to ``ln.settings.openlineage_url`` (or ``$LINEAGEDB_OPENLINEAGE_URL``; or
``$OPENLINEAGE_URL`` + ``/api/v1/lineage``, as OpenLineage's own clients read it) as an HTTP
POST with a JSON body. An endpoint that fails or is slow (2 s) is reported as a warning:
it never fails the user's run.

Example:
    >>> [event["eventType"] for event in run_events(run)]  # a run that has not ended
    ['START']
"""

from __future__ import annotations

import functools
import json
import os
import uuid
from typing import Any

from lineagedb._base.logger import logger
from lineagedb._base.session import session

SPEC = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
_FACETS = "https://openlineage.io/spec/facets"
FACET_SCHEMAS = {
    "schema": f"{_FACETS}/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
    "version": f"{_FACETS}/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet",
    "documentation_dataset": (
        f"{_FACETS}/1-1-0/DocumentationDatasetFacet.json#/$defs/DocumentationDatasetFacet"
    ),
    "documentation_job": f"{_FACETS}/1-1-0/DocumentationJobFacet.json#/$defs/DocumentationJobFacet",
    "jobType": f"{_FACETS}/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
    "parent": f"{_FACETS}/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet",
}
# lineagedb's own run facet (uid, params): a custom facet, named as the spec asks.
RUN_FACET_SCHEMA = "https://lineagedb.org/spec/facets/1-0-0/LineagedbRunFacet.json"
_END = {"completed": "COMPLETE", "errored": "FAIL", "aborted": "ABORT"}
TIMEOUT = 2.0


@functools.cache  # reading a distribution's metadata takes ~2 ms
def producer() -> str:
    """The URI that names lineagedb (and its version) as the events' producer.

    Example:
        >>> producer().startswith("https://pypi.org/project/lineagedb/")
        True
    """
    from importlib import metadata

    try:
        version = metadata.version("lineagedb")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"https://pypi.org/project/lineagedb/{version}/"


def run_id(run: Any) -> str:
    """The run's OpenLineage id: a UUID (version 5) of the instance and the run's uid.

    Example:
        >>> uuid.UUID(run_id(run)).version
        5
    """
    instance = session.instance.name if session.instance is not None else "lineagedb"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"lineagedb:{instance}/run/{run.uid}"))


class RunArtifacts:
    """The input and output artifacts of some runs (``inputs[run.pk]``,
    ``outputs[run.pk]``), read in two queries per 900 runs, not two a run: what the
    exports of a whole instance write.

    Example:
        >>> RunArtifacts([run]).outputs[run.pk]
        []
    """

    def __init__(self, runs: list[Any]) -> None:
        from collections import defaultdict

        from lineagedb.models import Artifact, Run

        self.inputs: dict[int, list[Any]] = defaultdict(list)
        self.outputs: dict[int, list[Any]] = defaultdict(list)
        through = Run.input_artifacts.through
        for chunk in _chunks([run.pk for run in runs]):
            links = through.objects.filter(run_id__in=chunk).select_related("artifact__storage")
            for link in links.order_by("id"):
                self.inputs[link.run_id].append(link.artifact)
            made = Artifact.objects.filter(run_id__in=chunk).select_related("storage")
            for artifact in made.order_by("id"):
                self.outputs[artifact.run_id].append(artifact)


class _Datasets(RunArtifacts):
    """The inputs and outputs of some runs as datasets, with their features' fields."""

    def __init__(self, runs: list[Any]) -> None:
        from collections import defaultdict

        from lineagedb.models import Feature

        super().__init__(runs)
        artifacts = {a.pk for found in (self.inputs, self.outputs) for a in _all(found)}
        self.fields: dict[int, list[dict[str, str]]] = defaultdict(list)
        for chunk in _chunks(sorted(artifacts)):
            rows = (
                Feature.objects.filter(feature_sets__artifacts__in=chunk)
                .values_list("feature_sets__artifacts", "name", "type")
                .distinct()
                .order_by("name")
            )
            for artifact_id, name, kind in rows:
                self.fields[artifact_id].append({"name": name, "type": str(kind)})

    def of(self, run: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(inputs, outputs) of ``run`` as OpenLineage datasets."""
        inputs = [_dataset(a, self.fields[a.pk]) for a in self.inputs[run.pk]]
        return inputs, [_dataset(a, self.fields[a.pk]) for a in self.outputs[run.pk]]


def _chunks(ids: list[int], size: int = 900) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _all(found: dict[int, list[Any]]) -> list[Any]:
    return [item for items in found.values() for item in items]


def run_events(
    run: Any, only: str | None = None, datasets: _Datasets | None = None
) -> list[dict[str, Any]]:
    """The events of ``run``: START, and the end event once it ended (``only``: just
    ``"START"`` or just the end).

    Example:
        >>> run_events(run, only="START")[0]["job"]["name"]
        'My pipeline'
    """
    inputs, outputs = (datasets or _Datasets([run])).of(run)
    common = {"producer": producer(), "schemaURL": f"{SPEC}#/$defs/RunEvent"}
    run_part = {"runId": run_id(run), "facets": _run_facets(run)}
    job = _job(run.transform)
    events = []
    if only in (None, "START"):
        events.append(
            {
                **common,
                "eventType": "START",
                "eventTime": _time(run.started_at),
                "run": run_part,
                "job": job,
                "inputs": inputs,
                "outputs": [],
            }
        )
    end = _END.get(run.status or "")
    if run.status is None and run.finished_at is not None:
        end = "COMPLETE"  # runs saved before statuses were recorded
    if end is not None and only in (None, end) and run.finished_at is not None:
        events.append(
            {
                **common,
                "eventType": end,
                "eventTime": _time(run.finished_at),
                "run": run_part,
                "job": job,
                "inputs": inputs,
                "outputs": outputs,
            }
        )
    return events


def export_openlineage(runs: list[Any]) -> str:
    """The events of ``runs``, oldest first, one JSON object per line (as OpenLineage's
    file transport writes them).

    Example:
        >>> len(export_openlineage([run]).splitlines())
        1
    """
    datasets = _Datasets(runs)
    events = [event for run in runs for event in run_events(run, datasets=datasets)]
    events.sort(key=lambda event: event["eventTime"])
    return "\n".join(json.dumps(event) for event in events)


def endpoint() -> str | None:
    """Where live events go: ``ln.settings.openlineage_url``, else the environment's.

    Example:
        >>> endpoint() is None or endpoint().startswith("http")
        True
    """
    from lineagedb._base.settings import settings

    if settings.openlineage_url:
        return settings.openlineage_url
    if os.environ.get("LINEAGEDB_OPENLINEAGE_URL"):
        return os.environ["LINEAGEDB_OPENLINEAGE_URL"]
    base = os.environ.get("OPENLINEAGE_URL")
    return f"{base.rstrip('/')}/api/v1/lineage" if base else None


def emit(run: Any, event_type: str) -> None:
    """POST ``run``'s ``event_type`` event to the endpoint, if one is set; a failure is
    a warning, never an error of the run.

    Example:
        >>> emit(run, "START")  # no endpoint set: nothing sent
    """
    url = endpoint()
    if url is None:
        return
    try:
        for event in run_events(run, only=event_type):
            _post(url, event)
    except Exception as error:  # the user's run goes on: lineage is bookkeeping
        logger.warning(f"could not send the OpenLineage {event_type} event to {url}: {error}")


def end_type(status: str | None) -> str:
    """The end event's type for a run's status.

    Example:
        >>> end_type("errored")
        'FAIL'
    """
    return _END.get(status or "", "COMPLETE")


def _post(url: str, event: dict[str, Any]) -> None:
    import urllib.request

    request = urllib.request.Request(
        url,
        data=json.dumps(event).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        if response.status >= 300:
            raise OSError(f"HTTP {response.status}")


def _time(value: Any) -> str:
    return str(value.isoformat().replace("+00:00", "Z"))


def _facet(kind: str, **values: Any) -> dict[str, Any]:
    return {"_producer": producer(), "_schemaURL": FACET_SCHEMAS[kind], **values}


def _job(transform: Any) -> dict[str, Any]:
    instance = session.instance.name if session.instance is not None else "lineagedb"
    facets: dict[str, Any] = {
        "jobType": _facet(
            "jobType", processingType="BATCH", integration="LINEAGEDB", jobType=transform.type
        )
    }
    if transform.description:
        facets["documentation"] = _facet("documentation_job", description=transform.description)
    return {
        "namespace": f"lineagedb:{instance}",
        "name": transform.key or transform.name,
        "facets": facets,
    }


def _run_facets(run: Any) -> dict[str, Any]:
    facets: dict[str, Any] = {
        "lineagedb": {
            "_producer": producer(),
            "_schemaURL": RUN_FACET_SCHEMA,
            "uid": run.uid,
            "transform": run.transform.uid,
            "params": run.params or {},
        }
    }
    parent = run.initiated_by_run
    if parent is not None:
        job = {key: value for key, value in _job(parent.transform).items() if key != "facets"}
        facets["parent"] = _facet("parent", run={"runId": run_id(parent)}, job=job)
    return facets


def _dataset(artifact: Any, fields: list[dict[str, str]]) -> dict[str, Any]:
    from lineagedb.models.artifact.access import path_text

    path = path_text(artifact)
    scheme, found, rest = path.partition("://")
    if found:
        bucket, _, key = rest.partition("/")
        namespace, name = f"{scheme}://{bucket}", key
    else:
        namespace, name = "file", path
    facets: dict[str, Any] = {
        "version": _facet("version", datasetVersion=artifact.hash or artifact.uid)
    }
    if fields:
        facets["schema"] = _facet("schema", fields=fields)
    if artifact.description:
        facets["documentation"] = _facet("documentation_dataset", description=artifact.description)
    return {"namespace": namespace, "name": name, "facets": facets}
