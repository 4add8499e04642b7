"""``ln.settings.storage``: the default storage root of this process, read and switched.

New artifacts from outside every storage go to the default storage. LaminDB
0.70 lets a session switch it (``ln.settings.storage = "s3://bucket"``): to a
registered root, or to a new one, which is registered then. The switch holds
for this process; the instance's own default (``ln.setup.init(storage=...)``)
is what a new process starts with.

Example:
    >>> import lineagedb as ln
    >>> ln.settings.storage.name
    'lamin-tutorial'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lineagedb._base.logger import logger
from lineagedb._base.session import session
from lineagedb.storage.paths import normalize_root, to_upath


def default_storage_path() -> Any:
    """The default storage root of this process as a UPath.

    Example:
        >>> default_storage_path().name
        'lamin-tutorial'
    """
    session.ensure_connected()
    return to_upath(session.storage_record.root)


def switch_default_storage(root: str | Path | Any) -> None:
    """Make ``root`` (a registered root, or a new one: registered now) the default storage.

    Example:
        >>> switch_default_storage(ln.settings.storage)  # the same root: nothing changes
    """
    from lineagedb.errors import WrongType
    from lineagedb.models import Storage

    if not isinstance(root, (str, Path)) and not hasattr(root, "protocol"):
        raise WrongType(
            f"ln.settings.storage takes a path or URL (a str, Path or UPath), not "
            f"{type(root).__name__}: e.g. ln.settings.storage = 's3://my-bucket'."
        )
    session.ensure_connected()
    text = normalize_root(root if isinstance(root, (str, Path)) else str(root))
    storage = Storage.objects.filter(root=text).first()
    if storage is None:
        storage = Storage(root=text).save()
        logger.info(f"registered storage {storage.root}")
    if storage.pk != session.storage_record.pk:
        session.storage_record = storage
        logger.info(f"default storage of this process: {storage.root}")
