"""``ln.setup.settings``: the connected instance, its default storage and the current user.

A view over :data:`lineagedb._base.session.session`, which ``setup`` fills when it
connects and every layer below reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lineagedb._base.config import UserSettings
from lineagedb._base.session import session
from lineagedb.setup._instance import InstanceSettings
from lineagedb.storage.paths import to_upath

if TYPE_CHECKING:
    from upath import UPath

    from lineagedb.models import Storage, User


class StorageSettings:
    """The default storage location of the connected instance.

    Example:
        >>> import lineagedb as ln
        >>> ln.setup.settings.storage.root  # the tutorial's own session  # doctest: +SKIP
        PosixUPath('/home/me/lamin-tutorial')
    """

    def __init__(self, record: Storage) -> None:
        self.record = record

    @property
    def root(self) -> UPath:
        """The storage root as a UPath."""
        return to_upath(self.record.root)

    @property
    def root_as_str(self) -> str:
        """The storage root as stored in the Storage registry."""
        return self.record.root

    def __repr__(self) -> str:
        return f"StorageSettings(root={self.record.root!r}, type={self.record.type!r})"


class SetupSettings:
    """What is connected: ``ln.setup.settings.instance``, ``.user``, ``.storage``.

    Example:
        >>> import lineagedb as ln
        >>> ln.setup.settings.instance.name
        'lamin-tutorial'
    """

    @property
    def is_connected(self) -> bool:
        """Whether an instance is connected in this process."""
        return session.is_connected

    @property
    def instance(self) -> InstanceSettings:
        """The connected instance (reconnects to the last one on first use)."""
        session.ensure_connected()
        return session.instance  # type: ignore[no-any-return]

    @property
    def user(self) -> UserSettings:
        """The current user; anonymous until one logs in."""
        return session.user

    @property
    def user_record(self) -> User:
        """The User record of the current user in the connected instance."""
        session.ensure_connected()
        return session.user_record  # type: ignore[no-any-return]

    @property
    def storage(self) -> StorageSettings:
        """The default storage of the connected instance."""
        session.ensure_connected()
        return StorageSettings(session.storage_record)

    def _ensure_connected(self) -> None:
        session.ensure_connected()

    def __repr__(self) -> str:
        if session.instance is None:
            return "SetupSettings(not connected)"
        root = session.storage_record.root if session.storage_record is not None else None
        return (
            f"SetupSettings(instance={session.instance.name!r}, user={self.user.handle!r}, "
            f"storage={root!r}, db={session.instance.db_display!r})"
        )


settings = SetupSettings()
