"""The ``lineagedb`` command: instances, users and data from a shell.

Exit codes: 0 ok, 1 failed (one line on standard error; ``--debug`` shows
the traceback), 2 usage error. Tables go to standard output (``--json``
gives one JSON object per line); messages go to standard error.
"""

from lineagedb.cli import instances, modules, records, search, transforms, ui  # noqa: F401  (each registers its commands)
from lineagedb.cli._base import main

__all__ = ["main"]
