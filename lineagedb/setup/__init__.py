"""Instances: create, connect, delete; what is connected (``settings``).

Example:
    >>> import lineagedb as ln
    >>> ln.setup.init(storage="./lamin-tutorial")  # doctest: +SKIP
    >>> ln.setup.settings.instance.name  # doctest: +SKIP
    'lamin-tutorial'
"""

from lineagedb.setup._connect import connect, delete, init
from lineagedb.setup._settings import settings
from lineagedb.setup._user import login, logout

__all__ = ["connect", "delete", "init", "login", "logout", "settings"]
