"""Scripts: which file is running, and what it calls itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def running_script() -> Path | None:
    """The file run as ``python script.py`` (None in an interactive session).

    Example:
        >>> running_script()  # needs a notebook or a tracked script  # doctest: +SKIP
        PosixPath('/home/me/analysis/qc.py')
    """
    main = sys.modules.get("__main__")
    file = getattr(main, "__file__", None)
    if not file or not str(file).endswith(".py"):
        return None
    return Path(file).resolve()


def script_name(path: Path, source: str) -> str:
    """The first line of the module docstring, else the file name.

    Example:
        >>> script_name(Path("qc.py"), "'Quality control of reads.'")
        'Quality control of reads.'
    """
    try:
        docstring = ast.get_docstring(ast.parse(source))
    except SyntaxError:
        docstring = None
    if docstring and docstring.strip():
        return docstring.strip().splitlines()[0].strip()
    return path.name
