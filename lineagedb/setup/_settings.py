"""The connected instance, its default storage and the current user."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lineagedb.setup._instance import InstanceSettings, home_dir

if TYPE_CHECKING:
    from upath import UPath

    from lineagedb.models import Storage, User

ANONYMOUS_UID = "00000000"
ANONYMOUS_HANDLE = "anonymous"


@dataclass(frozen=True)
class UserSettings:
    """Who saves records: ``created_by`` of everything saved in this process.

    Example:
        >>> UserSettings().handle
        'anonymous'
    """

    uid: str = ANONYMOUS_UID
    handle: str = ANONYMOUS_HANDLE
    name: str | None = None

    @classmethod
    def load(cls) -> UserSettings:
        """The user stored in ``<home>/user.json``, anonymous if none."""
        path = home_dir() / "user.json"
        return cls(**json.loads(path.read_text())) if path.exists() else cls()

    def save(self) -> None:
        """Store this user as the one to use from now on."""
        from lineagedb.setup._instance import write_settings_file

        path = home_dir() / "user.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_settings_file(path, json.dumps(asdict(self)))


class StorageSettings:
    """The default storage location of the connected instance.

    Example:
        >>> import lineagedb as ln
        >>> ln.setup.settings.storage.root  # doctest: +SKIP
        PosixUPath('/home/me/lamin-tutorial')
    """

    def __init__(self, record: Storage) -> None:
        self.record = record

    @property
    def root(self) -> UPath:
        """The storage root as a UPath."""
        from lineagedb.storage.paths import to_upath

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
        >>> ln.setup.settings.instance.name  # doctest: +SKIP
        'lamin-tutorial'
    """

    def __init__(self) -> None:
        self._instance: InstanceSettings | None = None
        self._user: UserSettings | None = None
        self._user_record: User | None = None
        self._storage: StorageSettings | None = None

    @property
    def is_connected(self) -> bool:
        """Whether an instance is connected in this process."""
        return self._instance is not None

    @property
    def instance(self) -> InstanceSettings:
        """The connected instance (reconnects to the last one on first use)."""
        self._ensure_connected()
        assert self._instance is not None
        return self._instance

    @property
    def user(self) -> UserSettings:
        """The current user; anonymous until one logs in."""
        if self._user is None:
            self._user = UserSettings.load()
        return self._user

    @property
    def user_record(self) -> User:
        """The User record of the current user in the connected instance."""
        self._ensure_connected()
        assert self._user_record is not None
        return self._user_record

    @property
    def storage(self) -> StorageSettings:
        """The default storage of the connected instance."""
        self._ensure_connected()
        assert self._storage is not None
        return self._storage

    def _ensure_connected(self) -> None:
        if self._instance is None:
            from lineagedb.setup._connect import reconnect

            reconnect()

    def _set(self, instance: InstanceSettings | None, user: Any, storage: Any) -> None:
        self._instance = instance
        self._user_record = user
        self._storage = StorageSettings(storage) if storage is not None else None

    def __repr__(self) -> str:
        if self._instance is None:
            return "SetupSettings(not connected)"
        return (
            f"SetupSettings(instance={self._instance.name!r}, user={self.user.handle!r}, "
            f"storage={self._storage.root_as_str if self._storage else None!r}, "
            f"db={self._instance.db_display!r})"
        )


settings = SetupSettings()
