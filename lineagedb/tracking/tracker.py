"""``ln.track()`` and ``ln.finish()``: the code that makes data becomes a Transform and a Run."""

from __future__ import annotations

import atexit
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lineagedb._base.logger import logger
from lineagedb._base.session import session
from lineagedb._base.settings import settings
from lineagedb.errors import InvalidArgument, TrackingError
from lineagedb.storage.hashing import hash_bytes
from lineagedb.tracking import environment, notebook, openlineage, run_status, script
from lineagedb.tracking.secrets import redact

if TYPE_CHECKING:
    from lineagedb.models import Artifact, Run, Transform

# The run in progress (one object for the process; setup clears it on connect).
tracked = session.tracked


def track(
    transform: Transform | None = None,
    *,
    params: dict[str, Any] | None = None,
    path: str | Path | None = None,
    project: Any = None,
    features: dict[str, Any] | None = None,
) -> Run:
    """Register the running script or notebook (or ``transform``) and start a Run.

    Artifacts and collections saved afterwards link to this run; those
    loaded or cached become its inputs. The transform's uid stem and version
    come from ``ln.settings.transform`` when set. The run's ``status`` is
    ``started`` until ``ln.finish()`` or the script's end (``completed``), an
    uncaught exception (``errored``; the source code is saved anyway) or a
    kill (``aborted``, found on the next connect). Calling ``track()`` again
    completes the run it started before.

    Args:
        transform: A pipeline or other transform to track instead of the
            running file, e.g. ``ln.Transform(name="My pipeline", version="1.2.0")``.
        params: The run's parameters, stored as JSON and queryable:
            ``ln.Run.filter(params__normalisation="log")``.
        path: The notebook's path, where it cannot be detected.
        project: A project (record, name or uid; it must exist) that the run, its
            transform and every artifact and collection the run saves belong to.
        features: Values of registered features for the run (LaminDB 2), checked
            before anything is written: ``ln.Run.filter(learning_rate__lt=0.1)``.

    Example:
        >>> import lineagedb as ln
        >>> ln.settings.transform.stem_uid = "NJvdsWWbJlZS"
        >>> ln.settings.transform.version = "0"
        >>> ln.track()  # needs a notebook or a tracked script  # doctest: +SKIP
        • saved: Transform(uid='NJvdsWWbJlZS0000', name='Tutorial: Artifacts', ...)
    """
    params = run_status.check_params(params)
    session.ensure_connected()
    from django.utils import timezone

    from lineagedb.models import Run
    from lineagedb.models.project import project_of
    from lineagedb.models.run_features import checked_rows

    project = project_of(project)  # a project that does not exist: nothing written
    if features is not None:
        checked_rows(features)  # nor a value its feature cannot hold

    previous = tracked.run
    tracked.clear()
    if previous is not None and previous.finished_at is None:
        run_status.end(previous, run_status.COMPLETED)
        logger.info(f"completed run {previous.uid}: ln.track() starts a new run")
    if transform is None:
        transform = _transform_of_running_file(path)
    elif transform._state.adding:
        transform.save()
        logger.info(f"saved: {transform}")
    kind = "notebook" if tracked.is_notebook else transform.type
    run = Run(
        transform=transform,
        started_at=timezone.now(),
        is_consecutive=None if tracked.is_notebook else True,
        status=run_status.STARTED,
        params=params,
        _process=run_status.this_process(),
    )
    run.save()
    logger.info(f"saved: {run}")
    openlineage.emit(run, "START")
    tracked.transform, tracked.run, tracked.project = transform, run, project
    if project is not None:
        run.projects.add(project)
        transform.projects.add(project)
    if features:
        run.features.add_values(features)
    # Reading the installed packages' metadata takes most of track()'s time
    # (~200 ms here, benchmarks/compare.py): it runs beside the user's code;
    # finish(), a new track() or interpreter exit (a non-daemon thread) wait for it.
    tracked.environment = threading.Thread(
        target=_record_environment,
        args=(run, kind, _prepared_folder()),
        name="lineagedb-environment",
    )
    tracked.environment.start()
    if tracked.is_notebook:
        # Output of the background thread would land in whichever cell runs
        # then: in a notebook it ends here, under the track() cell.
        tracked.wait_for_environment()
    else:  # a notebook lives on after a failed cell
        run_status.on_uncaught_exception(_end_on_uncaught_exception)
    if transform.type == "script" and not tracked.is_notebook:
        atexit.register(_finish_at_exit, run)
    return run


def _prepared_folder() -> Path:
    """Where bytes to save as hidden artifacts are written first, found in the caller's
    thread, as are the modules that recording an environment imports (finding the folder
    imports platformdirs, reading package metadata email's parser): a thread importing a
    package while the user's code imports it too can deadlock on Python's import locks.

    Example:
        >>> _prepared_folder().name
        'tracking'
    """
    import email.parser  # noqa: F401  (importlib.metadata's, on first use)

    from lineagedb._base.config import cache_dir

    return cache_dir() / "tracking"


def _record_environment(run: Run, kind: str, folder: Path) -> None:
    """Save the run's imported packages and installed distributions (in a thread: it
    imports nothing the user's code might be importing meanwhile)."""
    from django.db import connection

    from lineagedb.models import Run as RunRegistry
    from lineagedb.models.artifact.access import path_text

    try:
        packages = environment.imported_packages()
        logger.info(f"{kind} imports: {' '.join(f'{n}=={v}' for n, v in packages.items())}")
        frozen = _hidden_artifact(
            environment.frozen_requirements().encode(),
            f"run_env_pip_{run.uid}.txt",
            f"pip freeze of run {run.uid}",
            folder,
        )
        run.json = {"imported_packages": packages}
        run.environment = frozen
        RunRegistry.objects.filter(pk=run.pk).update(json=run.json, environment=frozen)
        # As text: a UPath would import fsspec in this thread, while the user's code may be
        # importing it too (two threads importing one package can deadlock on its locks).
        logger.hint(f"tracked pip freeze > {path_text(frozen)}")
    except Exception as error:  # never break the user's run over its bookkeeping
        logger.warning(f"could not record the environment of run {run.uid}: {error}")
    finally:
        connection.close()


def finish() -> None:
    """End the tracked run: save the source code (and a notebook's HTML report).

    Sets ``run.finished_at``; ``transform.source_code`` becomes an artifact
    of the script or notebook source, ``run.report`` and
    ``transform.latest_report`` the rendered notebook.

    Example:
        >>> ln.finish()  # nothing tracked in this doctest
        Traceback (most recent call last):
        lineagedb.errors.TrackingError: No run is being tracked. Call ln.track() first.
        >>> ln.track()  # then, at the end of a script or notebook, ln.finish()  # doctest: +SKIP
    """
    from django.db import transaction
    from django.utils import timezone

    run, transform = tracked.run, tracked.transform
    if run is None:
        raise TrackingError("No run is being tracked. Call ln.track() first.")
    tracked.wait_for_environment()
    updates = _source_and_report(run, transform)
    with transaction.atomic():
        run.finished_at = timezone.now()
        run.status, run._process = run_status.COMPLETED, None
        if "report" in updates:
            run.report = updates["report"]
            transform.latest_report = updates["report"]
        if "source_code" in updates:
            transform.source_code = updates["source_code"]
        run.save()
        transform.save()
    logger.success(f"finished run {run.uid} of transform {transform.uid}")
    openlineage.emit(run, "COMPLETE")


def _source_and_report(run: Run, transform: Transform) -> dict[str, Artifact]:
    """Save the tracked file's source code (and a notebook's report) as hidden artifacts."""
    updates: dict[str, Artifact] = {}
    source: bytes | None = None
    if tracked.path is not None and tracked.is_notebook:
        content = notebook.read_notebook(tracked.path)
        notebook.check_saved(content, tracked.path)
        source = notebook.stripped_source(content)
        if notebook.is_headless():
            # The file holds this run's outputs only once the executor has finished.
            logger.warning(
                f"notebook '{tracked.path.name}' runs headless (nbconvert --execute, "
                "papermill): its file has no outputs of this run yet, so no report is saved "
                "now. When the run has ended, attach the report from the executed notebook: "
                f"lineagedb report {tracked.path.name} (papermill: its output notebook, "
                f"--run {run.uid})"
            )
        else:
            run.is_consecutive = notebook.is_consecutive(content)
            updates.update(_report(tracked.path, run))
    elif tracked.path is not None:
        source = tracked.path.read_bytes()
    if source is not None:
        suffix = tracked.path.suffix if tracked.path else ".txt"
        source, masked = redact(source)
        description = f"source code of transform {transform.uid}"
        if masked:
            description += f" ({masked} secrets redacted)"
            logger.warning(
                f"the saved source of transform {transform.uid} has {masked} secrets replaced "
                "by *** (passwords, tokens, keys); the file itself is unchanged. Read them "
                "from the environment or a config file instead."
            )
        updates["source_code"] = _hidden_artifact(source, f"{transform.uid}{suffix}", description)
    return updates


def _report(path: Path, run: Run) -> dict[str, Artifact]:
    report = notebook.render_report(path)
    if report is None:
        logger.warning("nbconvert is not installed: no HTML report. pip install nbconvert")
        return {}
    name = f"{path.stem}_{run.uid}.html"
    return {"report": _hidden_artifact(report, name, f"report of run {run.uid}")}


def attach_report(path: str | Path, run: Run | None = None) -> Run:
    """Save the report of an executed notebook as its run's report (headless runs).

    The run is ``run``, or the latest run of the transform whose saved
    source is this notebook's. A run still ``started`` or ``aborted`` (a
    kernel that ended without ``ln.finish()``) becomes ``completed``, or
    ``errored`` when a cell's output is an error.

    Example:
        >>> attach_report("analysis.ipynb")  # notebook  # doctest: +SKIP
        Run(uid='Un6kaGLyWaVTuoRq275x', ..., status='completed')
    """
    session.ensure_connected()  # a fresh shell (lineagedb report) has not connected yet
    from django.db import transaction

    from lineagedb.models import Artifact, Transform

    file = Path(path)
    content = notebook.read_notebook(file)
    if not notebook.has_outputs(content):
        raise TrackingError(
            f"Notebook '{file}' has no outputs: pass the executed notebook (nbconvert "
            "--execute --inplace, or papermill's output notebook)."
        )
    if run is None:
        saved = redact(notebook.stripped_source(content))[0]  # as finish() saved it
        source = Artifact.find_by_content(hash_bytes(saved), "md5", visibility=0)
        transform = Transform.objects.filter(source_code=source).first() if source else None
        run = transform.runs.order_by("-started_at").first() if transform else None
        if run is None:
            raise TrackingError(
                f"No tracked run has the source of '{file.name}' (papermill adds a cell of "
                "parameters): name the run with --run UID (ln.track() printed it)."
            )
    updates = _report(file, run)
    with transaction.atomic():
        run.is_consecutive = notebook.is_consecutive(content)
        if "report" in updates:
            run.report = run.transform.latest_report = updates["report"]
            run.transform.save()
        if run.status in (run_status.STARTED, run_status.ABORTED, None):
            failed = notebook.has_error(content)
            run.status = run_status.ERRORED if failed else run_status.COMPLETED
            run._process = None
            if run.finished_at is None:  # the executor wrote the file when the run ended
                run.finished_at = datetime.fromtimestamp(file.stat().st_mtime, tz=UTC)
        run.save()
    logger.success(f"saved the report of run {run.uid} from '{file.name}'")
    return run


def _end_on_uncaught_exception(status: str) -> None:
    # A script dying of an exception: its run says so, and its source is kept.
    run, transform = tracked.run, tracked.transform
    if run is None or run.finished_at is not None or tracked.is_notebook:
        return
    tracked.wait_for_environment()
    updates = _source_and_report(run, transform)
    if "source_code" in updates and transform.source_code_id is None:
        transform.source_code = updates["source_code"]
        transform.save(update_fields=["source_code"])
    run_status.end(run, status)
    logger.error(f"run {run.uid} of transform {transform.uid}: {status}")


def _finish_at_exit(run: Run) -> None:
    # A script that never called finish() still records when it ended.
    if run.finished_at is not None or tracked.run is not run:
        return
    try:
        run_status.end(run, run_status.COMPLETED)
    except Exception as error:  # the interpreter is exiting: report, don't raise
        logger.warning(f"could not record the end of run {run.uid}: {error}")


def _transform_of_running_file(path: str | Path | None) -> Transform:
    if notebook.in_notebook() or (path is not None and str(path).endswith(".ipynb")):
        file = notebook.notebook_path(path)
        content = notebook.read_notebook(file)
        source = notebook.stripped_source(content)
        name = notebook.notebook_title(content) or file.stem
        kind = "notebook"
        tracked.is_notebook = True
    else:
        found = Path(path).resolve() if path is not None else script.running_script()
        if found is None:
            raise TrackingError(
                "Cannot tell which script or notebook is running (interactive session?). "
                "Track a transform explicitly: ln.track(ln.Transform(name='My analysis'))."
            )
        file = found
        source = file.read_bytes()
        name = script.script_name(file, source.decode("utf-8", "replace"))
        kind = "script"
    tracked.path = file
    tracked.source_hash = hash_bytes(redact(source)[0])  # the hash of what finish() saves
    return _find_or_create_transform(file.name, name, kind, tracked.source_hash)


def _find_or_create_transform(key: str, name: str, kind: str, source_hash: str) -> Transform:
    from lineagedb.models import Transform
    from lineagedb.models._uid import BASE62, FIRST_VERSION_SUFFIX, base62

    stem, version = settings.transform.stem_uid, settings.transform.version
    if version is not None and not isinstance(version, str):
        raise InvalidArgument(
            f"ln.settings.transform.version must be a string, got {version!r}. "
            f"Set it to {str(version)!r}."
        )
    if stem is not None and (len(stem) != 12 or any(char not in BASE62 for char in stem)):
        raise InvalidArgument(
            f"ln.settings.transform.stem_uid {stem!r} is not 12 base62 characters. "
            f"Use the one lineagedb printed, or a new one such as {base62(12)!r}."
        )
    if stem is not None:
        family = list(Transform.objects.filter(uid__startswith=stem))
    else:
        family = list(Transform.objects.filter(key=key, type=kind))
    match = _member(family, version)
    if match is not None and stem is None and _source_changed(match, source_hash):
        # No pinned identity: an edited script simply becomes the next version.
        logger.info(f"source of '{key}' changed: saving a new version of {match.uid}")
        match, version = None, None
    if match is not None:
        if _source_changed(match, source_hash):
            _refuse_changed_source(match)
        logger.info(f"loaded: {match}")
        return match
    latest = max(family, key=lambda t: t.created_at, default=None)
    if latest is not None:
        transform = Transform(
            is_new_version_of=latest, name=name, key=key, type=kind, version=version
        )
    else:
        stem = stem or base62(12)
        transform = Transform(
            uid=stem + FIRST_VERSION_SUFFIX, name=name, key=key, type=kind, version=version
        )
        if settings.transform.stem_uid is None:
            logger.info(
                "to keep this transform's identity when the file is renamed, add before "
                f'ln.track(): ln.settings.transform.stem_uid = "{stem}"; '
                f'ln.settings.transform.version = "{version or "1"}"'
            )
    transform.save()
    logger.info(f"saved: {transform}")
    return transform


def _member(family: list[Transform], version: str | None) -> Transform | None:
    if not family:
        return None
    if version is None:
        return next((t for t in family if t.is_latest), family[-1])
    return next((t for t in family if t.version == version), None)


def _source_changed(transform: Transform, source_hash: str) -> bool:
    saved = transform.source_code
    return saved is not None and saved.hash != source_hash


def _refuse_changed_source(transform: Transform) -> None:
    from lineagedb.models.versioning import next_version

    try:
        bumped = next_version([transform.version or "1"])
    except InvalidArgument:
        bumped = "<a new version>"
    raise TrackingError(
        f"The source of '{transform.key}' changed since transform {transform.uid} "
        f"(version {transform.version!r}) saved it. Bump the version before ln.track(): "
        f'ln.settings.transform.version = "{bumped}"'
    )


def _hidden_artifact(
    content: bytes, filename: str, description: str, folder: Path | None = None
) -> Artifact:
    """Save bytes as an artifact hidden from default queries (visibility 0); ``folder``:
    where they are written first (default: the cache's ``tracking`` folder)."""
    from lineagedb.models import Artifact

    existing = Artifact.find_by_content(hash_bytes(content), "md5", visibility=0)
    if existing is not None:
        return existing
    folder = folder or _prepared_folder()
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as temporary:
        path = Path(temporary) / filename
        path.write_bytes(content)
        artifact = Artifact(path, description=description)
        if artifact._state.adding:
            artifact.run = None
            artifact.transform = None
            artifact.visibility = 0
            artifact.save()
    return artifact
