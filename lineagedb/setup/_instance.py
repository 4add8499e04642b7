"""Instance settings on disk: which instances exist, which one is current.

An instance is a name, a default storage root and a database. Its settings
are one JSON file in ``<home>/instances/<name>.json``; ``<home>`` is
``$LINEAGEDB_HOME`` or ``~/.config/lineagedb``. The name of the last
connected instance is in ``<home>/current_instance`` so that a new process
reconnects to it on first use.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from lineagedb.errors import InvalidArgument, NotConnected

_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
SQLITE_FILENAME = "lineagedb.sqlite3"
MANAGED_FOLDER = ".lineagedb"


def home_dir() -> Path:
    """The folder holding instance and user settings.

    Example:
        >>> home_dir()  # doctest: +SKIP
        PosixPath('/home/me/.config/lineagedb')
    """
    if "LINEAGEDB_HOME" in os.environ:
        return Path(os.environ["LINEAGEDB_HOME"]).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config) / "lineagedb"


def validate_name(name: str) -> str:
    """Return ``name`` if it can name an instance, else raise InvalidArgument.

    Example:
        >>> validate_name("lamin-tutorial")
        'lamin-tutorial'
    """
    if not _NAME_PATTERN.match(name):
        raise InvalidArgument(
            f"Instance name {name!r} is not valid. Use letters, digits, '-', '_' and '.', "
            "starting with a letter or digit, e.g. name='my-instance'."
        )
    return name


@dataclass(frozen=True)
class InstanceSettings:
    """Where an instance keeps its metadata (database) and bytes (storage root).

    Example:
        >>> instance = InstanceSettings(name="demo", storage_root="/data/demo")
        >>> instance.sqlite_path
        PosixPath('/data/demo/.lineagedb/lineagedb.sqlite3')
    """

    name: str
    storage_root: str
    db: str | None = None  # None: the embedded SQLite file

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return "sqlite" if self.db is None else "postgresql"

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file: inside a local storage root, else in the settings home."""
        if "://" in self.storage_root:
            return home_dir() / "databases" / f"{self.name}.sqlite3"
        return Path(self.storage_root) / MANAGED_FOLDER / SQLITE_FILENAME

    @property
    def db_display(self) -> str:
        """The database location, safe to print (the password is masked)."""
        if self.db is None:
            return f"sqlite:///{self.sqlite_path}"
        return mask_password(self.db)

    def __repr__(self) -> str:
        # Never show the password of db=: reprs end up in logs and tracebacks.
        return (
            f"InstanceSettings(name={self.name!r}, storage_root={self.storage_root!r}, "
            f"db={self.db_display!r})"
        )

    def django_database(self) -> dict[str, Any]:
        """The ``DATABASES["default"]`` entry Django needs for this instance."""
        if self.db is None:
            return {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(self.sqlite_path),
                "OPTIONS": {
                    # WAL + NORMAL: ~6x faster per-row saves, readers never block
                    # the writer; IMMEDIATE takes the write lock up front so two
                    # writers never deadlock on a lock upgrade.
                    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
                    "transaction_mode": "IMMEDIATE",
                    "timeout": 60,
                },
            }
        return postgres_database(self.db)

    def save(self) -> None:
        """Write these settings to ``<home>/instances/<name>.json``."""
        path = instance_file(self.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_settings_file(path, json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, name: str) -> InstanceSettings:
        """Read the settings of instance ``name``; raise NotConnected if unknown."""
        path = instance_file(name)
        if not path.exists():
            known = ", ".join(list_instances()) or "none"
            raise NotConnected(
                f"Instance {name!r} is not known (known instances: {known}). "
                f"Create it with ln.setup.init(storage=..., name={name!r})."
            )
        return cls(**json.loads(path.read_text()))


def instance_file(name: str) -> Path:
    """The JSON file holding the settings of instance ``name``."""
    return home_dir() / "instances" / f"{validate_name(name)}.json"


def list_instances() -> list[str]:
    """Names of the instances known in the settings home, sorted.

    Example:
        >>> isinstance(list_instances(), list)
        True
    """
    folder = home_dir() / "instances"
    return sorted(path.stem for path in folder.glob("*.json")) if folder.exists() else []


def read_current_name() -> str | None:
    """The name of the last connected instance, or None."""
    path = home_dir() / "current_instance"
    return path.read_text().strip() or None if path.exists() else None


def write_current_name(name: str | None) -> None:
    """Remember ``name`` as the instance to reconnect to (None forgets it)."""
    path = home_dir() / "current_instance"
    if name is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    write_settings_file(path, name)


def mask_password(url: str) -> str:
    """Replace the password in a database URL by ``***``.

    Example:
        >>> mask_password("postgresql://me:secret@db:5432/x")
        'postgresql://me:***@db:5432/x'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def postgres_database(url: str) -> dict[str, Any]:
    """Translate ``postgresql://user:pwd@host:port/dbname?opt=v`` for Django.

    Example:
        >>> postgres_database("postgresql://me@127.0.0.1:5433/lab")["PORT"]
        '5433'
    """
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres") or not parts.path.strip("/"):
        raise InvalidArgument(
            f"Database URL {mask_password(url)!r} is not a PostgreSQL URL. "
            "Use db='postgresql://<user>:<password>@<host>:<port>/<dbname>'."
        )
    options = dict(parse_qsl(parts.query))
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.strip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": options.pop("host", parts.hostname or ""),
        "PORT": str(parts.port or ""),
        "OPTIONS": {"connect_timeout": 10, **options},
    }


def write_settings_file(path: Path, text: str) -> None:
    # A crash mid-write must not leave a truncated settings file behind; the
    # file may hold a database password, so only its owner may read it.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.replace(temporary, path)
