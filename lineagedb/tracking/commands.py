"""Any command as a tracked run (``lineagedb run --transform NAME -- CMD ARGS…``).

The transform is the pipeline of that name (created on first use); the run's params
are the command line; the inputs are registered (or found) before the command starts
and linked as the run's inputs; the command's standard output and error pass through to
the terminal and are kept as the run's log (its report); its exit code decides the
status (0: ``completed``, else ``errored``); the outputs are saved as the run's outputs
once it has ended well — never the half-written files of a failed command.

Example:
    >>> run_command("Count", ["wc", "-l", "meta.csv"], inputs=["meta.csv"])  # doctest: +SKIP
    0
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO, Any

from lineagedb._base.logger import logger
from lineagedb._base.session import session
from lineagedb.errors import InvalidArgument, PathNotFound
from lineagedb.tracking import run_status


def run_command(
    transform_name: str,
    argv: list[str],
    inputs: list[str] | None = None,
    outputs: list[str] | None = None,
) -> int:
    """Run ``argv`` as a run of the pipeline ``transform_name``; return its exit code.

    Example:
        >>> run_command("Nothing", [])
        Traceback (most recent call last):
        lineagedb.errors.InvalidArgument: Give the command to run after --: ...
    """
    if not argv:
        raise InvalidArgument(
            "Give the command to run after --: lineagedb run --transform NAME -- CMD ARGS"
        )
    if not transform_name.strip():
        raise InvalidArgument("--transform names the pipeline this command runs, e.g. 'Align'.")
    session.ensure_connected()
    from lineagedb.models import Artifact
    from lineagedb.tracking.tracker import _hidden_artifact, track

    given = [Path(p) for p in inputs or []]
    missing = [str(p) for p in given if not p.exists()]
    if missing:
        raise PathNotFound(f"Inputs {missing} do not exist; nothing was run or written.")
    transform = pipeline_transform(transform_name, save=False)  # saved by track()
    input_artifacts = [registered_input(Artifact, path) for path in given]  # before the run
    run = track(transform=transform, params={"argv": argv})
    session.tracked.wait_for_environment()
    run.input_artifacts.add(*input_artifacts)
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / f"run_{run.uid}.log"
        code = _execute(argv, log)
        run.report = _hidden_artifact(log.read_bytes(), log.name, f"log of run {run.uid}")
        run.save(update_fields=["report"])
    if code != 0:
        run_status.end(run, run_status.ERRORED)
        logger.error(
            f"run {run.uid}: {argv[0]} exited with {code}; its outputs were not saved "
            f"(log: lineagedb get {run.report.uid})"
        )
        session.tracked.clear()
        return code
    absent = [p for p in outputs or [] if not Path(p).exists()]
    if absent:
        run_status.end(run, run_status.ERRORED)
        logger.error(f"run {run.uid}: {argv[0]} ended well but did not write {absent}")
        session.tracked.clear()
        return 1
    for path in outputs or []:
        saved = Artifact(path, key=Path(path).name if not inside_storage(path) else None)
        logger.info(f"output: {saved.save()}")
    run_status.end(run, run_status.COMPLETED)
    session.tracked.clear()
    return 0


def pipeline_transform(name: str, *, save: bool = True, **fields: Any) -> Any:
    """The latest pipeline transform named ``name`` with ``fields`` (e.g. ``reference=``),
    else a new one (saved unless ``save=False``): what a workflow's steps run as.

    Example:
        >>> pipeline_transform("My pipeline").version
        '1.2.0'
    """
    from lineagedb.models import Transform

    found = Transform.objects.filter(name=name, type="pipeline", **fields)
    transform = found.order_by("-created_at").first()
    if transform is None:
        transform = Transform(name=name, type="pipeline", **fields)
        if save:
            transform.save()
    return transform


def registered_input(model: Any, path: Path) -> Any:
    """The artifact at ``path``: the one registered there, else registered now.

    Example:
        >>> from lineagedb.models import Artifact
        >>> path = Path("lamin-tutorial/iris_studies/study0_raw_images/meta.csv")
        >>> registered_input(Artifact, path).description
        'study 0 metadata'
    """
    from lineagedb.errors import NotFound

    try:
        return model.get(path=path.resolve())
    except NotFound:
        key = None if inside_storage(str(path)) else path.name  # found again by its key
        artifact = model(path, key=key)
        if not artifact._state.adding:
            return artifact  # these bytes are registered already: that record, unchanged
        artifact.run = None  # an input, made before this run
        return artifact.save()


def inside_storage(path: str) -> bool:
    """Whether ``path`` is inside a registered storage (its key is its place there).

    Example:
        >>> inside_storage("lamin-tutorial/iris_studies/study0_raw_images/meta.csv")
        True
    """
    from lineagedb.models.artifact.source import registered_root

    found = registered_root(Path(path).resolve().as_posix())
    return found is not None and found[2] is not None


def _execute(argv: list[str], log: Path) -> int:
    """Run ``argv``; copy its output and errors to ours and to ``log``; its exit code."""
    try:
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError:
        log.write_text(f"command not found: {argv[0]}\n")
        return 127
    lock = threading.Lock()
    with log.open("wb") as handle:

        def copy(source: IO[bytes], target: Any) -> None:
            for line in iter(source.readline, b""):
                with lock:
                    handle.write(line)
                target.write(line)
                target.flush()

        threads = [
            threading.Thread(target=copy, args=(process.stdout, sys.stdout.buffer)),
            threading.Thread(target=copy, args=(process.stderr, sys.stderr.buffer)),
        ]
        for thread in threads:
            thread.start()
        code = process.wait()
        for thread in threads:
            thread.join()
    return code
