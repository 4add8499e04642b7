"""The run in progress: what ``ln.track()`` started and ``ln.finish()`` ends.

Records consult this module when they are saved (to link their run) and
when they are loaded or cached (to become the run's inputs). It imports no
registry, so ``models/`` can import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class RunContext:
    """The transform and run being tracked in this process, if any.

    Example:
        >>> from lineagedb.tracking.context import context
        >>> context.run is None  # before ln.track()
        True
    """

    transform: Any = None
    run: Any = None
    path: Path | None = None  # the script or notebook file
    is_notebook: bool = False
    source_hash: str | None = None
    environment: Any = None  # the thread capturing the run's environment
    _inputs_seen: set[tuple[str, int]] = field(default_factory=set)

    def wait_for_environment(self) -> None:
        """Block until the environment of the tracked run is recorded."""
        if self.environment is not None:
            self.environment.join()
            self.environment = None

    def clear(self) -> None:
        """Forget the tracked run (after finish(), or when connecting elsewhere)."""
        self.wait_for_environment()
        self.transform = self.run = self.path = self.source_hash = None
        self.is_notebook = False
        self._inputs_seen.clear()


context = RunContext()


def current_run() -> Any:
    """The Run being tracked, or None.

    Example:
        >>> current_run() is None  # doctest: +SKIP
        True
    """
    return context.run


def record_input(record: Any) -> None:
    """Link a loaded or cached artifact/collection to the tracked run as its input.

    A run's own outputs never become its inputs; each input is linked once.

    Example:
        >>> record_input(artifact)  # doctest: +SKIP
    """
    run = context.run
    if run is None or record.pk is None or record.run_id == run.pk:
        return
    kind = type(record).__name__
    if (kind, record.pk) in context._inputs_seen:
        return
    if kind == "Artifact":
        run.input_artifacts.add(record)
    elif kind == "Collection":
        run.input_collections.add(record)
    context._inputs_seen.add((kind, record.pk))
