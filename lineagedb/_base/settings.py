"""``ln.settings``: verbosity, cache directory, the transform to track."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lineagedb._base import config as _config
from lineagedb._base.logger import logger


@dataclass
class TransformSettings:
    """The stem uid and version that ``ln.track()`` gives the current transform.

    Example:
        >>> import lineagedb as ln
        >>> ln.settings.transform.stem_uid = "NJvdsWWbJlZS"
        >>> ln.settings.transform.version = "0"
    """

    stem_uid: str | None = None
    version: str | None = None
    name: str | None = None


class Settings:
    """User-facing settings of this process.

    Example:
        >>> import lineagedb as ln
        >>> ln.settings.verbosity = "hint"
    """

    def __init__(self) -> None:
        self.transform = TransformSettings()
        # False: data from outside every storage root saved with a key is stored
        # at <default root>/<key> (key_is_virtual=False), not under .lineagedb/.
        self.artifact_use_virtual_keys = True
        # ULabel(name=...)/Feature(name=...) return the record of that name, and
        # warn of similar names; False builds a new record every time.
        self.upon_create_search_names = True
        # Where OpenLineage events of tracked runs go, live (an HTTP endpoint taking a
        # POST of one event): see lineagedb/tracking/openlineage.py. None: the environment's
        # LINEAGEDB_OPENLINEAGE_URL or OPENLINEAGE_URL, else no events.
        self.openlineage_url: str | None = None
        # Set by lineagedb/__init__: reading and switching the default storage needs the
        # registries, which this layer cannot import.
        self._storage_hooks: tuple[Callable[[], Any], Callable[[Any], None]] | None = None

    @property
    def storage(self) -> Any:
        """The default storage root of this process, as a UPath; assign a root to switch.

        A registered root, or a new one (registered then); the switch holds for
        this process (LaminDB 0.70's ``ln.settings.storage``).

        Example:
            >>> import lineagedb as ln
            >>> ln.settings.storage.name
            'lamin-tutorial'
        """
        assert self._storage_hooks is not None, "import lineagedb first"
        return self._storage_hooks[0]()

    @storage.setter
    def storage(self, root: Any) -> None:
        assert self._storage_hooks is not None, "import lineagedb first"
        self._storage_hooks[1](root)

    @property
    def verbosity(self) -> str:
        """``"error"``, ``"warning"``, ``"success"``, ``"info"``, ``"hint"`` or ``"debug"``."""
        return logger.level

    @verbosity.setter
    def verbosity(self, value: str) -> None:
        logger.level = value

    @property
    def cache_dir(self) -> Path:
        """Where downloads are cached (``$LINEAGEDB_CACHE_DIR`` or the platform's cache folder)."""
        return _config.cache_dir()

    @cache_dir.setter
    def cache_dir(self, value: str | Path) -> None:
        _config.cache_dir_override = Path(value).expanduser().resolve()

    def __repr__(self) -> str:
        return (
            f"Settings(verbosity={self.verbosity!r}, cache_dir='{self.cache_dir}', "
            f"artifact_use_virtual_keys={self.artifact_use_virtual_keys}, "
            f"transform={self.transform})"
        )


settings = Settings()
