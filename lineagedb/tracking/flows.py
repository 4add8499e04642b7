"""Functions as transforms (LaminDB 2's ``@ln.flow()`` and ``@ln.step()``): each call a run.

``@ln.flow()`` makes a top-level function a transform (type ``function``, keyed by its
module and name, its source saved with secrets masked, a new version when the source
changes); each call is a run whose params are the call's arguments, checked against the
function's annotations before anything is written. ``@ln.step()`` does the same for a
function called inside a flow or a tracked script: its run's ``initiated_by_run`` is the
calling run. Inside a call, what the function saves has its run, and what it loads is its
run's input. An exception marks the run ``errored`` and propagates.

Example:
    >>> @ln.flow()
    ... def double(n: int) -> int:
    ...     return 2 * n
    >>> double(21)
    42
    >>> ln.Run.filter(transform__key__endswith="double").one().params
    {'n': 21}
"""

from __future__ import annotations

import functools
import inspect
import threading
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from lineagedb._base.session import session
from lineagedb.errors import TrackingError, WrongType
from lineagedb.storage.hashing import hash_bytes
from lineagedb.tracking import openlineage, run_status
from lineagedb.tracking.secrets import redact

F = TypeVar("F", bound=Callable[..., Any])
# A function's transform, once per instance and definition (a notebook may redefine it).
_TRANSFORMS: dict[tuple[Any, Any], Any] = {}
_CHECKED = (int, float, str, bool, list, dict, tuple, Path)


def flow(name: str | None = None) -> Callable[[F], F]:
    """Make a top-level function a tracked transform; each call is a run.

    A flow starts the process's work: it refuses to run inside a run tracked
    already (``ln.track()`` or another flow) — use ``@ln.step()`` there.

    Example:
        >>> @ln.flow()
        ... def total(values: list) -> int:
        ...     return sum(values)
        >>> total([1, 2, 3])
        6
    """
    return _decorator(name, is_step=False)


def step(name: str | None = None) -> Callable[[F], F]:
    """Make a function called inside a flow or a tracked script a transform; each call a run
    whose ``initiated_by_run`` is the calling run.

    Example:
        >>> @ln.step()
        ... def square(n: int) -> int:
        ...     return n * n
        >>> square(3)  # no flow and no ln.track() around it
        Traceback (most recent call last):
        lineagedb.errors.TrackingError: square() is a step: call it inside a @ln.flow() ...
    """
    return _decorator(name, is_step=True)


def _decorator(name: str | None, is_step: bool) -> Callable[[F], F]:
    if callable(name):  # @ln.flow without parentheses
        raise WrongType("Write @ln.flow() and @ln.step() with parentheses.")

    def decorate(function: F) -> F:
        signature = inspect.signature(function)

        @functools.wraps(function)
        def tracked_call(*args: Any, **kwargs: Any) -> Any:
            caller = session.tracked.run
            what = function.__name__
            if is_step and caller is None:
                raise TrackingError(
                    f"{what}() is a step: call it inside a @ln.flow() function or after "
                    "ln.track(); on its own, make it a flow: @ln.flow()."
                )
            if not is_step and caller is not None:
                raise TrackingError(
                    f"{what}() is a flow, and run {caller.uid} is tracked already: a flow "
                    "starts the work. Make it a step inside that run: @ln.step()."
                )
            params = _params(function, signature, args, kwargs)  # bad arguments: nothing written
            run = _start(function, name, params, caller)
            # A flow's environment (imports, pip freeze) is recorded beside the call, as
            # ln.track() does; a step shares its flow's.
            recording = None if is_step else _environment_of(run)
            previous = (session.tracked.transform, session.tracked.run)
            session.tracked.transform, session.tracked.run = run.transform, run
            try:
                result = function(*args, **kwargs)
            except BaseException:
                _end(run, run_status.ERRORED, recording)
                raise
            finally:
                session.tracked.transform, session.tracked.run = previous
            _end(run, run_status.COMPLETED, recording)
            return result

        return typing.cast("F", tracked_call)

    return decorate


def _params(
    function: Callable[..., Any],
    signature: inspect.Signature,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> dict[str, Any]:
    """The call's arguments by name, checked against the simple annotations (int, str, …)."""
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as error:
        raise WrongType(f"{function.__name__}(): {error}.") from None
    bound.apply_defaults()
    try:
        hints = typing.get_type_hints(function)
    except Exception:  # annotations naming what is not importable here: nothing checked
        hints = {}
    for key, value in bound.arguments.items():
        expected = typing.get_origin(hints.get(key)) or hints.get(key)
        if expected in _CHECKED and not _fits(value, expected):
            raise WrongType(
                f"{function.__name__}({key}=...) takes {expected.__name__}, got "
                f"{type(value).__name__} {value!r}. Nothing was tracked."
            )
    return {key: _plain(value) for key, value in bound.arguments.items()}


def _fits(value: Any, expected: type) -> bool:
    if expected is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def _plain(value: Any) -> Any:
    """A param as JSON keeps it: numbers, text, flags, lists and dicts of them; else text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return str(value)


def _start(
    function: Callable[..., Any], name: str | None, params: dict[str, Any], caller: Any
) -> Any:
    from lineagedb.models import Run

    session.ensure_connected()
    transform = _transform(function, name)
    run = Run(
        transform=transform,
        started_at=datetime.now(UTC),
        status=run_status.STARTED,
        params=params or None,
        initiated_by_run=caller,
    )
    run.save()
    openlineage.emit(run, "START")
    return run


def _environment_of(run: Any) -> threading.Thread:
    from lineagedb.tracking.tracker import _prepared_folder, _record_environment

    thread = threading.Thread(
        target=_record_environment,
        args=(run, "flow", _prepared_folder()),
        name="lineagedb-environment",
    )
    thread.start()
    return thread


def _end(run: Any, status: str, recording: threading.Thread | None = None) -> None:
    from lineagedb.models import Run

    if recording is not None:
        recording.join()  # its update of the run goes first
    run.status, run.finished_at = status, datetime.now(UTC)
    Run.objects.filter(pk=run.pk).update(status=status, finished_at=run.finished_at)
    openlineage.emit(run, openlineage.end_type(status))


def _transform(function: Callable[..., Any], name: str | None) -> Any:
    """The function's transform: found once per process, a new version when its source
    changed since the latest one was saved."""
    from lineagedb.models import Transform

    key = f"{function.__module__ or '__main__'}.{function.__qualname__}"
    cached = _TRANSFORMS.get((session.instance_key, function.__code__))
    if cached is not None:
        return cached
    try:
        source = inspect.getsource(function).encode()
    except (OSError, TypeError):  # exec'd text no cache keeps: its bytecode tells versions apart
        code = function.__code__
        fingerprint = hash_bytes(code.co_code + repr(code.co_consts).encode())
        source = f"# the source of {key} is not available (bytecode {fingerprint})\n".encode()
    source, _ = redact(source)
    family = list(Transform.objects.filter(key=key, type="function").order_by("created_at"))
    latest = family[-1] if family else None
    if (
        latest is None
        or latest.source_code is None
        or latest.source_code.hash != hash_bytes(source)
    ):
        transform = _new_transform(function, name, key, source, latest)
    else:
        transform = latest
    _TRANSFORMS[(session.instance_key, function.__code__)] = transform
    return transform


def _new_transform(
    function: Callable[..., Any], name: str | None, key: str, source: bytes, latest: Any
) -> Any:
    from lineagedb.models import Transform
    from lineagedb.tracking.tracker import _hidden_artifact

    doc = (inspect.getdoc(function) or "").strip().splitlines()
    title = name or (doc[0] if doc else function.__name__)
    if latest is not None:
        transform = Transform(is_new_version_of=latest, name=title, key=key, type="function")
    else:
        transform = Transform(name=title, key=key, type="function")
    transform.save()
    transform.source_code = _hidden_artifact(
        source, f"{function.__name__}.py", f"source code of transform {transform.uid}"
    )
    transform.save(update_fields=["source_code"])
    return transform
