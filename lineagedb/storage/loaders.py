"""``load()``: a stored file read with the reader its format names (``formats.FORMATS``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lineagedb.errors import InvalidArgument, NoLoader
from lineagedb.storage.formats import FORMATS, format_of


def load(path: Path, suffix: str, allow_pickle: bool = False, **kwargs: Any) -> Any:
    """Read a local file with the reader for ``suffix``; kwargs go to the reader.

    Pickles can execute code when read; they are loaded only with
    ``allow_pickle=True``.

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "note.txt"
        >>> _ = path.write_text("hello")
        >>> load(path, ".txt")
        'hello'
    """
    known = format_of(suffix)
    if known is not None and known.runs_code and not allow_pickle:
        raise NoLoader(
            f"'{path.name}' is a pickle, which can run arbitrary code when loaded. "
            "If you trust where it came from, pass allow_pickle=True."
        )
    if known is None or known.load is None:
        readable = ", ".join(
            s for s, f in FORMATS.items() if f.load is not None and not f.runs_code
        )
        raise NoLoader(
            f"No loader for suffix {suffix!r} (known: {readable}). "
            f"Use artifact.cache() to get the local path '{path}' and read it yourself."
        )
    try:
        return known.load(path, **kwargs)
    except (FileNotFoundError, PermissionError):
        raise
    except OSError as error:  # h5py and zarr on a truncated or overwritten file
        raise InvalidArgument(
            f"'{path}' cannot be read as {suffix} ({error}). Check that it is complete "
            "(artifact.verify(), or lineagedb verify) and of the format its suffix says."
        ) from None
