"""Provenance: ``track()`` and ``finish()`` turn running code into Transform and Run records.

Loads on first use; the tracked run itself lives in ``lineagedb._base.session``.

Example:
    >>> import lineagedb as ln
    >>> ln.track()  # needs a notebook or a tracked script  # doctest: +SKIP
    >>> ln.finish()  # needs a notebook or a tracked script  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

__all__ = ["finish", "flow", "step", "track"]


def __getattr__(name: str) -> Any:
    if name in ("flow", "step"):
        from lineagedb.tracking import flows

        return getattr(flows, name)
    if name in __all__:
        from lineagedb.tracking import tracker

        return getattr(tracker, name)
    raise AttributeError(f"module 'lineagedb.tracking' has no attribute {name!r}")
