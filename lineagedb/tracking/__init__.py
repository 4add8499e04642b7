"""Provenance: ``track()`` and ``finish()`` turn running code into Transform and Run records.

Example:
    >>> import lineagedb as ln
    >>> ln.track()  # doctest: +SKIP
    >>> ln.finish()  # doctest: +SKIP
"""

from lineagedb.tracking.tracker import finish, track

__all__ = ["finish", "track"]
