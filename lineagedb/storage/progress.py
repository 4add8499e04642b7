"""Progress bars for long transfers: on standard error, only when it is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Transfers smaller than this finish before a bar would be worth drawing.
PROGRESS_THRESHOLD = 64 * 1024 * 1024


@contextmanager
def transfer_callback(description: str, total: int) -> Iterator[Any]:
    """An fsspec callback drawing a rich progress bar for large transfers, else a no-op.

    Example:
        >>> with transfer_callback("uploading meta.csv", 10) as callback:
        ...     callback.relative_update(10)
    """
    from fsspec.callbacks import Callback, NoOpCallback

    if total < PROGRESS_THRESHOLD or not sys.stderr.isatty():
        yield NoOpCallback()
        return
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task(description, total=total)

        class RichCallback(Callback):  # type: ignore[misc]
            def call(self, *args: Any, **kwargs: Any) -> None:
                progress.update(task, completed=self.value)

        yield RichCallback(size=total)
