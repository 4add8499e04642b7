"""Runs as OpenLineage events: to a file, and live to an HTTP endpoint on 127.0.0.1.

Events are read back into openlineage-python's event model (generated from OpenLineage's
JSON schema, with its checks: required fields, UUID run ids, ISO times, known facet fields),
every facet's ``_schemaURL`` compared with the one that model names.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from _exchange_runs import instance_at, normalize_run
from click.testing import CliRunner

import lineagedb as ln

openlineage = pytest.importorskip("openlineage.client.event_v2")

from openlineage.client.generated import (  # noqa: E402
    base,
    dataset_version_dataset,
    documentation_dataset,
    documentation_job,
    job_type_job,
    parent_run,
    schema_dataset,
)

# Facet name → the class openlineage-python has for it (datasets, jobs, runs).
_DATASET_FACETS = {
    "version": dataset_version_dataset.DatasetVersionDatasetFacet,
    "schema": schema_dataset.SchemaDatasetFacet,
    "documentation": documentation_dataset.DocumentationDatasetFacet,
}
_JOB_FACETS = {
    "jobType": job_type_job.JobTypeJobFacet,
    "documentation": documentation_job.DocumentationJobFacet,
}


def _facet(cls: Any, data: dict[str, Any]) -> Any:
    data = dict(data)
    assert data.pop("_schemaURL") == cls._get_schema()
    assert data.pop("_producer").startswith("https://pypi.org/project/lineagedb/")
    if cls is schema_dataset.SchemaDatasetFacet:
        data["fields"] = [schema_dataset.SchemaDatasetFacetFields(**f) for f in data["fields"]]
    if cls is parent_run.ParentRunFacet:
        data = {"run": parent_run.Run(**data["run"]), "job": parent_run.Job(**data["job"])}
    return cls(**data)  # an unknown or missing field: TypeError


def _dataset(cls: Any, data: dict[str, Any]) -> Any:
    facets = {name: _facet(_DATASET_FACETS[name], f) for name, f in data["facets"].items()}
    return cls(namespace=data["namespace"], name=data["name"], facets=facets)


def checked(event: dict[str, Any]) -> Any:
    """``event`` as openlineage-python's RunEvent, or an error saying what does not fit."""
    event = dict(event)
    assert event.pop("schemaURL") == base.RunEvent._get_schema()
    run_facets = dict(event["run"]["facets"])
    custom = run_facets.pop("lineagedb")
    assert {"_producer", "_schemaURL", "uid", "params"} <= set(custom)
    parsed_run_facets = {}
    if "parent" in run_facets:
        parsed_run_facets["parent"] = _facet(parent_run.ParentRunFacet, run_facets.pop("parent"))
    assert run_facets == {}, f"unknown run facets {run_facets}"
    job = event["job"]
    return openlineage.RunEvent(
        eventType=openlineage.RunState(event.pop("eventType")),
        eventTime=event.pop("eventTime"),
        producer=event.pop("producer"),
        run=openlineage.Run(runId=event["run"]["runId"], facets=parsed_run_facets),
        job=openlineage.Job(
            namespace=job["namespace"],
            name=job["name"],
            facets={name: _facet(_JOB_FACETS[name], f) for name, f in job["facets"].items()},
        ),
        inputs=[_dataset(openlineage.InputDataset, d) for d in event.pop("inputs")],
        outputs=[_dataset(openlineage.OutputDataset, d) for d in event.pop("outputs")],
    )


@pytest.fixture
def instance(database: str | None, tmp_path: Path) -> Iterator[Path]:
    yield from instance_at(tmp_path, database)


def test_a_run_exports_start_and_complete_that_fit_the_model(instance: Path) -> None:
    source, output, _ = normalize_run(instance)
    out = instance / "events.jsonl"
    result = CliRunner().invoke(
        ln_main(), ["export", output.uid, "--format", "openlineage", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["eventType"] for e in events] == ["START", "COMPLETE"]
    parsed = [checked(e) for e in events]
    complete = parsed[1]
    assert complete.job.name == "normalize"
    assert complete.run.runId == parsed[0].run.runId
    assert [d.name for d in complete.inputs] == [str(source.path)]
    (written,) = complete.outputs
    assert written.namespace == "file" and written.name == str(output.path)
    assert written.facets["version"].datasetVersion == output.hash
    fields = {f.name: f.type for f in written.facets["schema"].fields}
    assert fields == {name: ln.Feature.get(name=name).type for name in ("count", "gene")}
    assert events[1]["run"]["facets"]["lineagedb"]["params"] == {"k": 2}


def ln_main() -> Any:
    from lineagedb.cli import main

    return main


class _Collector(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    status = 200

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        type(self).received.append(json.loads(self.rfile.read(length)))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:  # quiet
        pass


@pytest.fixture
def endpoint() -> Iterator[type[_Collector]]:
    class Collector(_Collector):
        received: list[dict[str, Any]] = []

    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Collector.url = f"http://127.0.0.1:{server.server_address[1]}/api/v1/lineage"  # type: ignore[attr-defined]
    try:
        yield Collector
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_track_and_finish_send_events_live(instance: Path, endpoint: Any) -> None:
    ln.settings.openlineage_url = endpoint.url
    source, output, _ = normalize_run(instance)
    types = [e["eventType"] for e in endpoint.received]
    assert types == ["START", "COMPLETE"]
    complete = checked(endpoint.received[1])
    assert [d.name for d in complete.outputs] == [str(output.path)]
    assert [d.name for d in complete.inputs] == [str(source.path)]


def test_flow_steps_send_events_with_their_parent(instance: Path, endpoint: Any) -> None:
    ln.settings.openlineage_url = endpoint.url

    @ln.step()
    def square(n: int) -> int:
        return n * n

    @ln.flow()
    def total(values: list) -> int:
        return sum(square(v) for v in values)

    assert total([1, 2]) == 5
    events = [checked(e) for e in endpoint.received]
    assert [e.eventType.value for e in events] == ["START", *["START", "COMPLETE"] * 2, "COMPLETE"]
    steps = [e for e in events if "parent" in e.run.facets]
    assert len(steps) == 4  # two steps, START and COMPLETE each
    flow_run = next(e for e in events if "parent" not in e.run.facets)
    assert {e.run.facets["parent"].run.runId for e in steps} == {flow_run.run.runId}


def test_a_failing_endpoint_never_fails_the_run(
    instance: Path, endpoint: Any, caplog: pytest.LogCaptureFixture
) -> None:
    endpoint.status = 500
    ln.settings.openlineage_url = endpoint.url
    _, _, run = normalize_run(instance)
    assert ln.Run.get(uid=run.uid).status == "completed"
    assert "could not send the OpenLineage START event" in caplog.text
    ln.settings.openlineage_url = "http://127.0.0.1:9/nothing-listens-here"
    ln.track(transform=ln.Transform(name="again", type="pipeline").save())
    ln.finish()
    assert "could not send the OpenLineage COMPLETE event" in caplog.text


def test_an_errored_run_ends_with_fail(instance: Path) -> None:
    from lineagedb.tracking import run_status
    from lineagedb.tracking.openlineage import run_events

    run = ln.Run(ln.Transform(name="broken", type="pipeline").save()).save()
    run_status.end(run, run_status.ERRORED)
    events = run_events(run)
    assert [e["eventType"] for e in events] == ["START", "FAIL"]
    for event in events:
        checked(event)
