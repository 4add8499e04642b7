"""CWL runs into the registry: ``lineagedb import cwlprov DIR`` reads the research object
``cwltool --provenance DIR`` writes (CWLProv: https://w3id.org/cwl/prov).

From its retrospective provenance (``metadata/provenance/primary.cwlprov.json``, W3C
PROV-JSON):

- the workflow run (``wfprov:WorkflowRun``) becomes a run of a pipeline transform named
  after the workflow (its file in ``snapshot/``, or ``name=``), its start and end times
  those cwltool recorded, its params the workflow's non-file inputs
  (``workflow/primary-job.json``), its reference the research object's run id;
- each step run (``wfprov:ProcessRun``) a run of a pipeline transform named after the step,
  ``initiated_by_run`` the workflow run;
- each file (``wf4ever:File``) an artifact of the bytes the research object keeps
  (``data/<sha1>``, checked against that hash), copied into managed storage with the file's
  name as key; files the same bytes give the same artifact; a step's ``used`` files its
  run's inputs, the files it generated that run's outputs.

The same research object imported twice is refused (its run id is the workflow run's
reference). Nothing is written when the folder is not a research object or its data do
not match their hashes.

Example:
    >>> import_cwlprov("not-a-research-object")
    Traceback (most recent call last):
    lineagedb.errors.InvalidArgument: 'not-a-research-object' is not a research object ...
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from lineagedb._base.logger import logger
from lineagedb._base.session import session
from lineagedb.errors import InvalidArgument
from lineagedb.tracking.commands import pipeline_transform

PROVENANCE = "metadata/provenance/primary.cwlprov.json"
REFERENCE_TYPE = "cwlprov"


def import_cwlprov(folder: str | Path, name: str | None = None) -> Any:
    """Import the runs of a CWLProv research object; return the workflow's run.

    Example:
        >>> run = import_cwlprov("ro")  # written by cwltool --provenance ro  # doctest: +SKIP
        >>> [r.transform.name for r in run.initiated_runs.all()]  # doctest: +SKIP
        ['count', 'upper']
    """
    from django.db import transaction

    root = Path(folder)
    document = _read(root)
    session.ensure_connected()
    from lineagedb.models import Run

    graph = _Graph(document)
    workflow = graph.workflow_run()
    reference = f"urn:uuid:{workflow.removeprefix('id:')}"
    existing = Run.objects.filter(reference=reference, reference_type=REFERENCE_TYPE).first()
    if existing is not None:
        raise InvalidArgument(
            f"The research object in {str(root)!r} was imported already: run {existing.uid}."
        )
    files = {entity: _checked_bytes(root, graph, entity) for entity in graph.files()}
    with transaction.atomic():
        importer = _Importer(root, graph, files)
        run = importer.workflow(workflow, name or _workflow_name(root), reference)
        for step in graph.steps(workflow):
            importer.step(step, run)
        importer.end(workflow, run)
    logger.success(
        f"imported CWL run {run.uid} of {run.transform.name}: "
        f"{run.initiated_runs.count()} step runs, "
        f"{len({a.pk for a in importer.artifacts.values()})} artifacts"
    )
    return run


def _read(root: Path) -> dict[str, Any]:
    path = root / PROVENANCE
    if not path.is_file():
        raise InvalidArgument(
            f"{str(root)!r} is not a research object of cwltool (no {PROVENANCE}): give the "
            "folder `cwltool --provenance DIR` wrote."
        )
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def _items(value: Any) -> list[dict[str, Any]]:
    """PROV-JSON gives one record as a dict and several with the same id as a list."""
    return value if isinstance(value, list) else [value]


def _name(value: Any) -> str:
    """A qualified name as PROV-JSON writes it (``{"$": "wf:main", ...}`` or the text)."""
    return str(value["$"] if isinstance(value, dict) else value)


def _time(text: str | None) -> datetime | None:
    """cwltool's local times (no offset), as aware datetimes."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.astimezone()


class _Graph:
    """The statements of a PROV-JSON document, by kind, each as one dict."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._merged: dict[str, dict[str, dict[str, Any]]] = {}

    def records(self, kind: str) -> dict[str, dict[str, Any]]:
        if kind not in self._merged:  # merged once per kind
            merged: dict[str, dict[str, Any]] = {}
            for identifier, value in self.document.get(kind, {}).items():
                for item in _items(value):
                    merged.setdefault(identifier, {}).update(item)
            self._merged[kind] = merged
        return self._merged[kind]

    def relations(self, kind: str) -> list[dict[str, Any]]:
        return [item for value in self.document.get(kind, {}).values() for item in _items(value)]

    def _typed(self, kind: str, wanted: str) -> list[str]:
        found = []
        for identifier, attributes in self.records(kind).items():
            types = attributes.get("prov:type", [])
            if wanted in {_name(t) for t in _items(types)}:
                found.append(identifier)
        return found

    def workflow_run(self) -> str:
        runs = self._typed("activity", "wfprov:WorkflowRun")
        if len(runs) != 1:
            raise InvalidArgument(
                f"Expected one workflow run in the provenance, found {len(runs)}: nothing written."
            )
        return runs[0]

    def steps(self, workflow: str) -> list[str]:
        started = {
            r["prov:activity"]: r.get("prov:time", "")
            for r in self.relations("wasStartedBy")
            if r.get("prov:starter") == workflow
        }
        steps = [a for a in self._typed("activity", "wfprov:ProcessRun") if a in started]
        return sorted(steps, key=lambda a: started[a])

    def files(self) -> list[str]:
        return self._typed("entity", "wf4ever:File")

    def time(self, kind: str, activity: str, by: str | None = None) -> str | None:
        role = "prov:starter" if kind == "wasStartedBy" else "prov:ender"
        for relation in self.relations(kind):
            if relation.get("prov:activity") == activity and (by is None or relation[role] == by):
                return str(relation.get("prov:time")) if relation.get("prov:time") else None
        return None

    def plan(self, activity: str) -> str:
        for relation in self.relations("wasAssociatedWith"):
            if relation.get("prov:activity") == activity and relation.get("prov:plan"):
                return _name(relation["prov:plan"])
        return activity

    def content(self, entity: str) -> str | None:
        for relation in self.relations("specializationOf"):
            if relation.get("prov:specificEntity") == entity:
                return _name(relation["prov:generalEntity"])
        return None


def _checked_bytes(root: Path, graph: _Graph, entity: str) -> Path:
    """The file in ``data/`` that holds ``entity``'s bytes, its SHA-1 checked."""
    general = graph.content(entity)
    if general is None or not general.startswith("data:"):
        raise InvalidArgument(f"File {entity} of the provenance names no data: nothing written.")
    sha1 = general.removeprefix("data:")
    path = root / "data" / sha1[:2] / sha1
    if not path.is_file() or _sha1(path) != sha1:
        raise InvalidArgument(
            f"{str(path)!r} is missing or does not match its SHA-1: the research object is "
            "incomplete or was changed; nothing was written."
        )
    return path


def _sha1(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha1").hexdigest()


def _workflow_name(root: Path) -> str:
    """The workflow's file name in ``snapshot/`` (without ``.cwl``), else the folder's."""
    for path in sorted((root / "snapshot").glob("*.cwl")):
        if "class: Workflow" in path.read_text(errors="replace"):
            return path.stem
    return root.resolve().name


class _Importer:
    """Writes the transforms, runs and artifacts of one research object."""

    def __init__(self, root: Path, graph: _Graph, files: dict[str, Path]) -> None:
        self.root = root
        self.graph = graph
        self.files = files
        self.artifacts: dict[str, Any] = {}  # entity → artifact
        self.workflow_name = ""

    def _artifact(self, entity: str, run: Any) -> Any:
        from lineagedb.models import Artifact

        if entity not in self.artifacts:
            import shutil
            import tempfile

            basename = self.graph.records("entity")[entity].get("cwlprov:basename")
            key = str(basename or self.files[entity].name)
            with tempfile.TemporaryDirectory() as folder:
                named = Path(folder) / key  # data/<sha1> has no suffix: the file's name does
                shutil.copyfile(self.files[entity], named)
                artifact = Artifact(str(named), key=key, run=run)
                self.artifacts[entity] = artifact.save() if artifact._state.adding else artifact
        return self.artifacts[entity]

    def _files_of(self, kind: str, activity: str) -> list[str]:
        """The files ``activity`` used or generated (``kind``), as entity ids."""
        return [
            relation["prov:entity"]
            for relation in self.graph.relations(kind)
            if relation.get("prov:activity") == activity and relation["prov:entity"] in self.files
        ]

    def _link(self, activity: str, run: Any, outputs: bool = True) -> None:
        """Save what ``activity`` generated as ``run``'s outputs, link what it used."""
        for entity in self._files_of("wasGeneratedBy", activity) if outputs else []:
            self._artifact(entity, run)
        used = self._files_of("used", activity)
        run.input_artifacts.add(*[self._artifact(entity, None) for entity in used])

    def workflow(self, activity: str, name: str, reference: str) -> Any:
        from lineagedb.models import Run

        self.workflow_name = name
        plan = self.graph.plan(activity)
        attributes = self.graph.records("activity")[activity]
        started = self.graph.time("wasStartedBy", activity) or attributes.get("prov:startTime")
        run = Run(
            transform=pipeline_transform(name, reference=f"cwl:{plan}"),
            started_at=_time(started),
            status="started",
            params=self._params(),
            reference=reference,
            reference_type=REFERENCE_TYPE,
        )
        run.save()
        self._link(activity, run, outputs=False)  # its outputs are its steps'
        return run

    def step(self, activity: str, workflow_run: Any) -> Any:
        from lineagedb.models import Run

        plan = self.graph.plan(activity)
        started = self.graph.time("wasStartedBy", activity)
        ended = self.graph.time("wasEndedBy", activity)
        run = Run(
            transform=pipeline_transform(plan.rsplit("/", 1)[-1], reference=f"cwl:{plan}"),
            started_at=_time(started) or workflow_run.started_at,
            finished_at=_time(ended),
            status="completed" if ended else "errored",
            params={"step": plan.removeprefix("wf:")},
            initiated_by_run=workflow_run,
            reference=f"urn:uuid:{activity.removeprefix('id:')}",
            reference_type=REFERENCE_TYPE,
        )
        run.save()
        self._link(activity, run)
        return run

    def end(self, activity: str, run: Any) -> None:
        ended = self.graph.time("wasEndedBy", activity)
        steps_failed = run.initiated_runs.filter(status="errored").exists()
        run.finished_at = _time(ended)
        run.status = "errored" if steps_failed or ended is None else "completed"
        run.save(update_fields=["finished_at", "status"])

    def _params(self) -> dict[str, Any]:
        """The workflow's inputs that are not files (``workflow/primary-job.json``)."""
        path = self.root / "workflow" / "primary-job.json"
        if not path.is_file():
            return {}
        job = json.loads(path.read_text())
        return {
            key: value
            for key, value in job.items()
            if not (isinstance(value, dict) and value.get("class") in ("File", "Directory"))
        }
