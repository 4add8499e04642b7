"""Snakemake runs in the registry: what the logger plugin ``lineagedb`` records.

``snakemake --logger lineagedb --cores 1`` (Snakemake 9; the plugin is the package
``snakemake_logger_plugin_lineagedb`` that lineagedb installs) records, in the connected
instance:

- the workflow as a pipeline transform (named after the workflow's folder, or
  ``--logger-lineagedb-name``) and one run of it, with the command line as params;
- each job as a run of its rule's transform (a pipeline of the rule's name, the Snakefile as
  its reference), ``initiated_by_run`` the workflow's run, its rule's ``params:``,
  wildcards, threads and shell command as params; its ``input:`` files registered (or
  found) and linked as the run's inputs when it starts, its ``output:`` files saved as the
  run's outputs when it finishes (in a storage root: registered in place; elsewhere: copied
  into managed storage, with the file's name as key);
- a failed job's run ``errored`` (its outputs not saved), and the workflow's run
  ``errored`` if any job failed, else ``completed``.

OpenLineage events go out live for each run as for ``ln.track()`` when an endpoint is set.
Bookkeeping never fails the workflow: an error here is a warning in Snakemake's log.

Example:
    >>> recorder = SnakemakeRecorder(name="demo")
    >>> recorder.handle("job_finished", {"job_id": 1})  # no workflow started: nothing
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lineagedb._base.logger import logger
from lineagedb._base.session import session
from lineagedb.tracking.commands import pipeline_transform


class SnakemakeRecorder:
    """Turns Snakemake's log events into lineagedb transforms, runs and artifacts."""

    def __init__(self, name: str | None = None) -> None:
        self.name = name
        self.lock = threading.Lock()
        self.workflow_run: Any = None
        self.snakefile: str | None = None
        self.jobs: dict[int, tuple[Any, list[str]]] = {}  # job id → (run, output paths)
        self.failed = False

    def prepare(self) -> None:
        """Connect and import what recording needs, in Snakemake's main thread: events
        arrive in another thread, and two threads importing one package at once can
        deadlock on Python's import locks.

        Example:
            >>> SnakemakeRecorder().prepare()
        """
        try:
            session.ensure_connected()
            import lineagedb.models  # noqa: F401
            from lineagedb.tracking import commands, openlineage, run_status  # noqa: F401
        except Exception as error:  # the workflow runs all the same, unrecorded
            logger.warning(f"lineagedb will not record this workflow: {error}")

    def handle(self, event: str, data: dict[str, Any]) -> None:
        """Record one Snakemake event (``workflow_started``, ``job_info``, ``job_finished``,
        ``job_error``); others are ignored.

        Example:
            >>> SnakemakeRecorder().handle("progress", {"done": 1, "total": 2})
        """
        method = getattr(self, f"_{event}", None)
        if method is None:
            return
        with self.lock:
            try:
                session.ensure_connected()
                if self.workflow_run is None and event != "workflow_started":
                    self._workflow_started({})  # Snakemake logs it before the plugin hears
                method(data)
            except Exception as error:  # the workflow goes on: lineage is bookkeeping
                logger.warning(f"lineagedb could not record Snakemake's {event}: {error}")

    def close(self) -> None:
        """End the workflow's run: ``errored`` if a job failed, else ``completed``.

        Example:
            >>> SnakemakeRecorder().close()  # no workflow started: nothing
        """
        from lineagedb.tracking import run_status

        with self.lock:
            if self.workflow_run is None or self.workflow_run.finished_at is not None:
                return
            status = run_status.ERRORED if self.failed else run_status.COMPLETED
            for run, _ in self.jobs.values():  # jobs never finished: the workflow stopped
                if run.finished_at is None:
                    run_status.end(run, run_status.ABORTED)
            run_status.end(self.workflow_run, status)
            logger.info(f"lineagedb: workflow run {self.workflow_run.uid} {status}")

    def _workflow_started(self, data: dict[str, Any]) -> None:
        import sys

        from lineagedb.models import Run
        from lineagedb.tracking import openlineage, run_status

        if self.workflow_run is not None:
            return
        self.snakefile = str(data.get("snakefile_main") or _snakefile())
        folder = Path(str(data.get("basedir") or Path(self.snakefile).parent))
        transform = pipeline_transform(self.name or folder.name, reference=str(folder))
        self.workflow_run = Run(
            transform=transform,
            started_at=datetime.now(UTC),
            status=run_status.STARTED,
            params={"cmd": str(data.get("cmd") or " ".join(sys.argv)), "snakefile": self.snakefile},
        )
        self.workflow_run.save()
        openlineage.emit(self.workflow_run, "START")

    def _job_info(self, data: dict[str, Any]) -> None:
        from lineagedb.models import Artifact, Run
        from lineagedb.tracking import openlineage, run_status
        from lineagedb.tracking.commands import registered_input

        if self.workflow_run is None:
            return
        params: dict[str, Any] = {
            "wildcards": {k: str(v) for k, v in dict(data.get("wildcards") or {}).items()},
            "threads": data.get("threads"),
        }
        if data.get("params"):
            params["params"] = dict(data["params"])
        if data.get("shellcmd"):
            params["shellcmd"] = str(data["shellcmd"]).strip()
        run = Run(
            transform=pipeline_transform(str(data["rule_name"]), reference=self.snakefile),
            started_at=datetime.now(UTC),
            status=run_status.STARTED,
            params=params,
            initiated_by_run=self.workflow_run,
        )
        run.save()
        inputs = [p for p in map(_path, data.get("input") or []) if p.is_file()]
        run.input_artifacts.add(*[registered_input(Artifact, path) for path in inputs])
        outputs = [str(_path(p)) for p in data.get("output") or []]
        self.jobs[int(data["jobid"])] = (run, outputs)
        openlineage.emit(run, "START")

    def _job_finished(self, data: dict[str, Any]) -> None:
        from lineagedb.models import Artifact
        from lineagedb.tracking import run_status
        from lineagedb.tracking.commands import inside_storage

        found = self.jobs.get(int(data["job_id"]))
        if found is None:
            return
        run, outputs = found
        for path in outputs:
            if not Path(path).is_file():
                continue  # a folder or temp() output Snakemake already removed
            key = None if inside_storage(path) else Path(path).name
            Artifact(path, key=key, run=run).save()
        run_status.end(run, run_status.COMPLETED)

    def _job_error(self, data: dict[str, Any]) -> None:
        from lineagedb.tracking import run_status

        self.failed = True
        found = self.jobs.get(int(data["jobid"]))
        if found is not None:
            run_status.end(found[0], run_status.ERRORED)


def _snakefile() -> str:
    """The Snakefile this process runs: ``--snakefile``/``-s`` or the one in the folder."""
    import sys

    for flag in ("--snakefile", "-s"):
        if flag in sys.argv[:-1]:
            return str(Path(sys.argv[sys.argv.index(flag) + 1]).resolve())
    for name in ("Snakefile", "workflow/Snakefile", "snakefile", "workflow/snakefile"):
        if Path(name).is_file():
            return str(Path(name).resolve())
    return str(Path("Snakefile").resolve())


def _path(text: str) -> Path:
    """A Snakemake file as it logs it, without its annotation (``out.txt (temp)``)."""
    text = str(text)
    if text.endswith(")") and " (" in text and not Path(text).exists():
        text = text[: text.rindex(" (")]
    return Path(text)
