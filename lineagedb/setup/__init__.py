"""Instances: create, connect, delete; what is connected (``settings``).

Example:
    >>> import lineagedb as ln
    >>> ln.setup.init(storage="./lamin-tutorial")
    >>> ln.setup.settings.instance.name
    'lamin-tutorial'
"""

from typing import Any

from lineagedb._base.config import set_storage_options
from lineagedb._base.session import session
from lineagedb.setup._connect import add_module, connect, delete, init
from lineagedb.setup._dump import export_db, import_db
from lineagedb.setup._move import move_db
from lineagedb.setup._settings import settings
from lineagedb.setup._user import login, logout

__all__ = [
    "add_module",
    "cleanup",
    "connect",
    "delete",
    "export_db",
    "import_db",
    "init",
    "login",
    "logout",
    "move_db",
    "set_storage_options",
    "settings",
]


def cleanup(dry_run: bool = False, min_age_seconds: float = 900) -> Any:
    """Remove what interrupted saves left in managed storage; return the paths found.

    Example:
        >>> import lineagedb as ln
        >>> ln.setup.cleanup(dry_run=True)
        []
    """
    session.ensure_connected()
    from lineagedb.setup._cleanup import cleanup as run_cleanup

    return run_cleanup(dry_run=dry_run, min_age_seconds=min_age_seconds)
