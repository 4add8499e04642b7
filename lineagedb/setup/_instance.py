"""Instance settings on disk: which instances exist, which one is current.

An instance is a name, a default storage root and a database. Its settings
are one JSON file in ``<home>/instances/<name>.json``; ``<home>`` is
``$LINEAGEDB_HOME`` or ``~/.config/lineagedb``. The name of the last
connected instance is in ``<home>/current_instance`` so that a new process
reconnects to it on first use.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lineagedb._base.config import home_dir, instance_file, list_instances, write_file
from lineagedb.errors import InvalidArgument, NotConnected
from lineagedb.storage.paths import MANAGED_FOLDER, SQLITE_FILENAME


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
    # Schema modules beyond the core registries, e.g. ("bionty",): see setup/_modules.py.
    modules: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "modules", tuple(self.modules))  # JSON gives a list

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
        modules = f", modules={list(self.modules)!r}" if self.modules else ""
        return (
            f"InstanceSettings(name={self.name!r}, storage_root={self.storage_root!r}, "
            f"db={self.db_display!r}{modules})"
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
                    # writers never deadlock on a lock upgrade. A 64 MiB page cache
                    # (SQLite's default is 2 MiB) keeps the link tables' index pages:
                    # labels.add(1,000 labels) at 5 M links went from 70 to 51 ms.
                    "init_command": (
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                        "PRAGMA cache_size=-65536"
                    ),
                    "transaction_mode": "IMMEDIATE",
                    "timeout": 60,
                },
            }
        return postgres_database(self.db)

    def save(self) -> None:
        """Write these settings to ``<home>/instances/<name>.json``."""
        write_file(instance_file(self.name), json.dumps(asdict(self), indent=2))

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


def mask_password(url: str) -> str:
    """Replace the password in a database URL by ``***`` (``user:pwd@`` and ``?password=``).

    Example:
        >>> mask_password("postgresql://me:secret@db:5432/x")
        'postgresql://me:***@db:5432/x'
        >>> mask_password("postgresql://me@db/x?password=secret&sslmode=require")
        'postgresql://me@db/x?password=***&sslmode=require'
    """
    parts = urlsplit(url)
    if parts.password is not None:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        parts = parts._replace(netloc=netloc)
    if parts.query:
        query = "&".join(
            f"{name}=***" if name.lower() == "password" else f"{name}={value}" if sep else name
            for name, sep, value in (item.partition("=") for item in parts.query.split("&"))
        )
        parts = parts._replace(query=query)
    return parts.geturl()


def postgres_database(url: str) -> dict[str, Any]:
    """Translate ``postgresql://user:pwd@host:port/dbname?opt=v`` for Django.

    Query options go to the driver (``sslmode``, ``host`` for a socket folder).

    Example:
        >>> postgres_database("postgresql://me@127.0.0.1:5433/lab")["PORT"]
        5433
    """
    import dj_database_url

    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("postgresql", "postgres") or not parts.path.strip("/"):
        raise InvalidArgument(
            f"Database URL {mask_password(str(url))!r} is not a PostgreSQL URL. "
            "Use db='postgresql://<user>:<password>@<host>:<port>/<dbname>'."
        )
    try:
        database: dict[str, Any] = dict(dj_database_url.parse(url))
    except ValueError as error:
        raise InvalidArgument(
            f"Database URL {mask_password(url)!r} cannot be read ({error}). "
            "Use db='postgresql://<user>:<password>@<host>:<port>/<dbname>'."
        ) from None
    options = dict(database.get("OPTIONS") or {})
    if "host" in options:  # a socket folder given as ?host=/run/postgresql
        database["HOST"] = options.pop("host")
    database["OPTIONS"] = {"connect_timeout": 10, **options}
    return database
