"""What this process is connected to, who it is, and which run it tracks.

``setup/`` fills :data:`session` when it connects an instance and
``tracking/`` when ``ln.track()`` starts a run; ``models/`` and ``storage/``
read it. It imports no registry and nothing above :mod:`lineagedb._base.config`,
so every layer can read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lineagedb._base.config import UserSettings
from lineagedb._base.logger import logger
from lineagedb.errors import NotConnected


@dataclass
class RunContext:
    """The transform and run being tracked in this process, if any.

    Example:
        >>> from lineagedb._base.session import session
        >>> session.tracked.run is None  # before ln.track()
        True
    """

    transform: Any = None
    run: Any = None
    project: Any = None  # ln.track(project=...): what the run saves belongs to it
    path: Path | None = None  # the script or notebook file
    is_notebook: bool = False
    source_hash: str | None = None
    environment: Any = None  # the thread capturing the run's environment
    _inputs_seen: set[tuple[int, type, int]] = field(default_factory=set)
    # Whether this process was told that what it saves has no run (said once; the CLI
    # registers files outside any script, so it is never told).
    said_untracked: bool = False

    def say_untracked_once(self, what: str) -> None:
        """Warn, once per process, that ``what`` is saved without a run (no ``ln.track()``).

        Example:
            >>> RunContext(said_untracked=True).say_untracked_once("artifact")
        """
        if self.run is not None or self.said_untracked:
            return
        self.said_untracked = True
        logger.warning(
            f"this {what} is saved without a run: nothing records the code that made it "
            "(nor anything else this process saves) → call ln.track() at the start of the "
            "script or notebook, then run it again"
        )

    def wait_for_environment(self) -> None:
        """Block until the environment of the tracked run is recorded.

        Example:
            >>> RunContext().wait_for_environment()
        """
        if self.environment is not None:
            self.environment.join()
            self.environment = None

    def clear(self) -> None:
        """Forget the tracked run (after finish(), or when connecting elsewhere).

        Example:
            >>> RunContext().clear()
        """
        self.wait_for_environment()
        self.transform = self.run = self.path = self.source_hash = self.project = None
        self.is_notebook = False
        self._inputs_seen.clear()

    def record_input(self, record: Any) -> None:
        """Link a loaded or cached artifact/collection to the tracked run as its input.

        A run's own outputs never become its inputs; each input is linked once.

        Example:
            >>> session.tracked.record_input(artifact)
        """
        run = self.run
        if run is None or record.pk is None or record.run_id == run.pk:
            return
        seen = (run.pk, type(record), record.pk)  # per run: a flow's step reads anew
        if seen in self._inputs_seen:
            return
        record.input_of_runs.add(run)  # artifacts and collections name the link alike
        made_by = record.transform_id
        if made_by is not None and made_by != run.transform_id:  # upstream (LaminDB 0.70)
            run.transform.parents.add(made_by)
        self._inputs_seen.add(seen)


class Session:
    """The connected instance, its default storage record, the user and the tracked run.

    Example:
        >>> from lineagedb._base.session import session
        >>> session.is_connected
        True
    """

    def __init__(self) -> None:
        self.instance: Any = None  # setup._instance.InstanceSettings
        self._instance_key: tuple[Any, str] | None = None  # (instance, its key)
        self.user_record: Any = None  # models.User
        self.storage_record: Any = None  # models.Storage
        self._user: UserSettings | None = None
        self.tracked = RunContext()
        # Set by setup/: connects to the last used instance on first use.
        self.reconnect: Callable[[], None] | None = None
        # Set by setup/: opens another instance read-only and gives its database alias
        # (Registry.connect); other_aliases maps those names to their aliases.
        self.open_other: Callable[[str], str] | None = None
        self.other_aliases: dict[str, str] = {}
        self.other_modules: dict[str, tuple[str, ...]] = {}  # their schema modules

    @property
    def is_connected(self) -> bool:
        """Whether an instance is connected in this process."""
        return self.instance is not None

    @property
    def instance_key(self) -> str | None:
        """Which instance is connected: its name and database (two may share a name).

        Example:
            >>> session.instance_key
            'lamin-tutorial|sqlite:///.../lamin-tutorial/.lineagedb/lineagedb.sqlite3'
        """
        if self.instance is None:
            return None
        # Every record built asks (twice for a new artifact): kept per instance object.
        cached = self._instance_key
        if cached is None or cached[0] is not self.instance:
            cached = self._instance_key = (
                self.instance,
                f"{self.instance.name}|{self.instance.db_display}",
            )
        return cached[1]

    @property
    def user(self) -> UserSettings:
        """The current user; anonymous until one logs in."""
        if self._user is None:
            self._user = UserSettings.load()
        return self._user

    @user.setter
    def user(self, value: UserSettings | None) -> None:
        self._user = value

    def ensure_connected(self) -> None:
        """Connect to the last used instance if none is connected yet.

        Example:
            >>> session.ensure_connected()
        """
        if self.instance is None:
            if self.reconnect is None:
                raise NotConnected(
                    "No instance is connected. Create one with "
                    "ln.setup.init(storage='./mydata') or connect with ln.connect('<name>')."
                )
            self.reconnect()

    def set(self, instance: Any, user_record: Any, storage_record: Any) -> None:
        """Record what ``setup`` connected (all None: disconnected).

        Example:
            >>> session.set(None, None, None)
        """
        self.instance = instance
        self.user_record = user_record
        self.storage_record = storage_record


session = Session()


def current_run() -> Any:
    """The Run being tracked, or None.

    Example:
        >>> current_run() is None
        True
    """
    return session.tracked.run


def current_user_id() -> int:
    """The id of the current user's record: the default of every ``created_by``.

    Example:
        >>> current_user_id()
        1
    """
    session.ensure_connected()
    return int(session.user_record.id)


def default_storage() -> Any:
    """The Storage record of the connected instance's default storage.

    Example:
        >>> default_storage().root
        '.../lamin-tutorial'
    """
    session.ensure_connected()
    return session.storage_record
