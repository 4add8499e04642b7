"""LaminDB's ``ln.core`` namespace: example data, the mapped dataset class, errors, run context.

Example:
    >>> import lineagedb as ln
    >>> ln.core.datasets.df_iris_in_meter_study1().shape
    (75, 5)
    >>> ln.core.exceptions is ln.errors
    True
"""

from __future__ import annotations

from typing import Any

from lineagedb import datasets
from lineagedb import errors as exceptions
from lineagedb._base.session import session
from lineagedb.arrays.mapped import MappedCollection

__all__ = ["MappedCollection", "datasets", "exceptions", "run_context"]


class _RunContext:
    """What ``ln.track()`` set in this process: ``transform`` and ``run`` (None before)."""

    @property
    def transform(self) -> Any:
        """The tracked Transform, or None.

        Example:
            >>> run_context.transform is None or run_context.transform.uid
            True
        """
        return session.tracked.transform

    @transform.setter
    def transform(self, value: Any) -> None:
        session.tracked.transform = value  # tests and notebooks reset it with None

    @property
    def run(self) -> Any:
        """The tracked Run, or None.

        Example:
            >>> run_context.run
        """
        return session.tracked.run

    @run.setter
    def run(self, value: Any) -> None:
        session.tracked.run = value

    def __repr__(self) -> str:
        return f"run_context(transform={self.transform!r}, run={self.run!r})"


run_context = _RunContext()
