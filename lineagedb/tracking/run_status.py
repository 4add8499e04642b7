"""A tracked run's status and parameters: started, completed, errored, aborted.

``ln.track()`` starts a run as ``started`` and notes its process
(``<host>:<pid>``); ``ln.finish()`` or the script's normal end makes it
``completed``; an uncaught exception ``errored`` (Ctrl-C: ``aborted``); a
process killed before any of these leaves ``started`` behind, which the next
connect on the same host finds and marks ``aborted``.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from typing import TYPE_CHECKING, Any

from lineagedb._base.logger import logger
from lineagedb.errors import InvalidArgument
from lineagedb.tracking import openlineage

if TYPE_CHECKING:
    from collections.abc import Callable

    from lineagedb.models import Run

STARTED, COMPLETED, ERRORED, ABORTED = "started", "completed", "errored", "aborted"


def this_process() -> str:
    """This process as ``<host>:<pid>``.

    Example:
        >>> this_process().endswith(f":{os.getpid()}")
        True
    """
    return f"{socket.gethostname()}:{os.getpid()}"


def check_params(params: Any) -> dict[str, Any] | None:
    """Validate ``ln.track(params=...)``: a dict with string keys that JSON can store.

    Example:
        >>> check_params({"normalisation": "log", "k": 3})
        {'normalisation': 'log', 'k': 3}
    """
    if params is None:
        return None
    if not isinstance(params, dict) or not all(isinstance(key, str) for key in params):
        raise InvalidArgument(
            f"params must be a dict with string keys, e.g. {{'normalisation': 'log'}}; "
            f"got {params!r}."
        )
    try:
        json.dumps(params, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidArgument(
            f"params {params!r} cannot be stored as JSON ({error}). Use strings, numbers, "
            "booleans, lists and dicts of them."
        ) from None
    return params


def end(run: Run, status: str) -> None:
    """Record that ``run`` ended with ``status`` (and when, unless it was recorded).

    Example:
        >>> end(run, COMPLETED)
    """
    from django.utils import timezone

    if run.finished_at is None:
        run.finished_at = timezone.now()
    run.status, run._process = status, None
    run.save(update_fields=["finished_at", "status", "_process"])
    openlineage.emit(run, openlineage.end_type(status))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def mark_aborted() -> list[str]:
    """Mark this host's started runs whose process is gone as ``aborted``; their uids.

    Runs of other hosts are left alone: their processes cannot be checked from here.

    Example:
        >>> mark_aborted()  # no run of a dead process here
        []
    """
    from django.utils import timezone

    from lineagedb.models import Run

    host = f"{socket.gethostname()}:"
    aborted = []
    for pk, uid, process in Run.objects.filter(
        status=STARTED, _process__startswith=host
    ).values_list("pk", "uid", "_process"):
        pid = process[len(host) :]
        if pid.isdigit() and not _alive(int(pid)):
            # Only a run still 'started' changes: its process may have just ended it.
            changed = Run.objects.filter(pk=pk, status=STARTED).update(
                status=ABORTED, _process=None, finished_at=timezone.now()
            )
            if changed:
                aborted.append(uid)
    if aborted:
        logger.warning(
            f"run(s) {', '.join(aborted)} ended without finishing (killed or interrupted): "
            "marked aborted"
        )
    return aborted


_previous_hook: Callable[..., Any] | None = None


def on_uncaught_exception(record: Callable[[str], None]) -> None:
    """Call ``record(status)`` when the process dies of an uncaught exception (once installed).

    Example:
        >>> on_uncaught_exception(lambda status: None)
    """
    global _previous_hook
    if _previous_hook is not None:
        return
    _previous_hook = sys.excepthook

    def hook(kind: type[BaseException], error: BaseException, traceback: Any) -> None:
        status = ABORTED if issubclass(kind, KeyboardInterrupt) else ERRORED
        try:
            record(status)
        except Exception as failure:  # the process is dying: report, don't mask its error
            logger.warning(f"could not record the {status} run: {failure}")
        assert _previous_hook is not None
        _previous_hook(kind, error, traceback)

    sys.excepthook = hook
