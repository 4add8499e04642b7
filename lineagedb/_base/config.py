"""Per-user files: where settings and caches live, and what they hold.

The bottom layer: it imports only :mod:`lineagedb.errors`. Settings live
in the platform's config directory (``~/.config/lineagedb`` on Linux,
``~/Library/Application Support/lineagedb`` on macOS, via platformdirs) or
``$LINEAGEDB_HOME``; downloads in the platform's cache directory or
``$LINEAGEDB_CACHE_DIR``. Every file is written atomically and readable by
its owner only (instance files may hold a database password, storage options
a secret key).

Files in the settings home:

- ``instances/<name>.json``: one instance (name, storage root, database URL)
- ``current_instance``: the instance a new process reconnects to
- ``user.json``: who is logged in (anonymous if missing)
- ``storage_options.json``: fsspec options per bucket root
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from lineagedb.errors import InvalidArgument

# json is imported where a file is read or written: `import lineagedb` reads none.
ANONYMOUS_UID = "00000000"
ANONYMOUS_HANDLE = "anonymous"
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

# Set by ``ln.settings.cache_dir = ...``; wins over the environment.
cache_dir_override: Path | None = None


def home_dir() -> Path:
    """The folder holding instance and user settings.

    Example:
        >>> import os
        >>> os.environ["LINEAGEDB_HOME"] = "/tmp/lineagedb-home"
        >>> home_dir()
        PosixPath('/tmp/lineagedb-home')
        >>> del os.environ["LINEAGEDB_HOME"]
    """
    if "LINEAGEDB_HOME" in os.environ:
        return Path(os.environ["LINEAGEDB_HOME"]).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("lineagedb", appauthor=False))


def cache_dir() -> Path:
    """Where downloads and in-memory data written for saving are kept.

    ``ln.settings.cache_dir`` wins, then ``$LINEAGEDB_CACHE_DIR``, then the
    platform's cache directory (``~/.cache/lineagedb`` on Linux).

    Example:
        >>> cache_dir().name  # here LINEAGEDB_CACHE_DIR names it; else the platform's
        'cache'
    """
    if cache_dir_override is not None:
        return cache_dir_override
    if "LINEAGEDB_CACHE_DIR" in os.environ:
        return Path(os.environ["LINEAGEDB_CACHE_DIR"]).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("lineagedb", appauthor=False))


def write_file(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically, readable by its owner only.

    A crash mid-write never leaves a truncated settings file behind.

    Example:
        >>> import tempfile
        >>> target = Path(tempfile.mkdtemp()) / "x.json"
        >>> write_file(target, "{}")
        >>> oct(target.stat().st_mode & 0o777)
        '0o600'
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.replace(temporary, path)


# -- instances --------------------------------------------------------------------


def validate_name(name: str) -> str:
    """Return ``name`` if it can name an instance, else raise InvalidArgument.

    Example:
        >>> validate_name("lamin-tutorial")
        'lamin-tutorial'
    """
    if not isinstance(name, str) or not _NAME_PATTERN.match(name):
        raise InvalidArgument(
            f"Instance name {name!r} is not valid. Use letters, digits, '-', '_' and '.', "
            "starting with a letter or digit, e.g. name='my-instance'."
        )
    return name


def instance_file(name: str) -> Path:
    """The JSON file holding the settings of instance ``name``.

    Example:
        >>> instance_file("demo").name
        'demo.json'
    """
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
    """The name of the last connected instance, or None.

    Example:
        >>> read_current_name()
        'lamin-tutorial'
    """
    path = home_dir() / "current_instance"
    return path.read_text().strip() or None if path.exists() else None


def write_current_name(name: str | None) -> None:
    """Remember ``name`` as the instance to reconnect to (None forgets it).

    Example:
        >>> write_current_name("lamin-tutorial")
    """
    path = home_dir() / "current_instance"
    if name is None:
        path.unlink(missing_ok=True)
        return
    write_file(path, name)


# -- the user ---------------------------------------------------------------------


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
        """The user stored in ``<home>/user.json``, anonymous if none.

        Example:
            >>> UserSettings.load()
            UserSettings(uid='00000000', handle='anonymous', name=None)
        """
        import json

        path = home_dir() / "user.json"
        return cls(**json.loads(path.read_text())) if path.exists() else cls()

    def save(self) -> None:
        """Store this user as the one to use from now on.

        Example:
            >>> UserSettings(uid="1AbCdEfG", handle="me").save()
        """
        import json

        write_file(home_dir() / "user.json", json.dumps(asdict(self)))


# -- storage options per bucket ------------------------------------------------------


def bucket_root(url: str) -> str:
    """``<protocol>://<bucket>`` of a cloud URL: the root its Storage record has.

    Example:
        >>> bucket_root("gs://bucket/study0/meta.csv")
        'gs://bucket'
    """
    protocol, _, rest = url.partition("://")
    return f"{protocol}://{rest.split('/', 1)[0]}"


# (file path, mtime_ns) -> options by root; re-read only when the file changes.
_loaded: tuple[tuple[str, int], dict[str, dict[str, Any]]] | None = None


def _all_storage_options() -> dict[str, dict[str, Any]]:
    global _loaded
    path = str(home_dir() / "storage_options.json")
    try:
        stamp = (path, os.stat(path).st_mtime_ns)
    except FileNotFoundError:
        return {}
    if _loaded is None or _loaded[0] != stamp:
        import json

        with open(path) as handle:
            _loaded = (stamp, json.load(handle))
    return _loaded[1]


def storage_options(url: str) -> dict[str, Any]:
    """The fsspec options kept for the bucket of ``url`` (empty if none).

    Example:
        >>> storage_options("/local/path.csv")
        {}
    """
    if "://" not in url:
        return {}
    return dict(_all_storage_options().get(bucket_root(url), {}))


def set_storage_options(root: str, options: dict[str, Any] | None) -> None:
    """Keep fsspec ``options`` for every path below the bucket ``root``; None forgets them.

    A bucket reached through a non-default endpoint, with other credentials
    than the environment's, or on GCS with a token file needs options that
    the URL alone does not carry. They are the options of the bucket's fsspec
    filesystem (s3fs: ``endpoint_url``, ``key``, ``secret``, ``anon``,
    ``client_kwargs``; gcsfs: ``project``, ``token``, ``endpoint_url``),
    stored for this user only, and apply in every instance.

    Example:
        >>> import lineagedb as ln
        >>> ln.setup.set_storage_options(
        ...     "s3://lab-bucket", {"endpoint_url": "https://minio.lab.org"}
        ... )
    """
    if not isinstance(root, str) or "://" not in root or root.startswith("file://"):
        raise InvalidArgument(
            f"Storage options are for cloud buckets; {root!r} is a local path. "
            "Pass a bucket root such as 's3://my-bucket'."
        )
    import json

    bucket = bucket_root(root.rstrip("/"))
    if options is not None:
        if not isinstance(options, dict) or not all(isinstance(k, str) for k in options):
            raise InvalidArgument(
                f"storage_options for {bucket!r} must be a dict of option names to values, "
                f"got {type(options).__name__}: e.g. {{'endpoint_url': 'http://host:9000'}}."
            )
        try:
            json.dumps(options)
        except TypeError as error:
            raise InvalidArgument(
                f"storage_options for {bucket!r} must be JSON values (strings, numbers, "
                f"booleans, lists, dicts): {error}."
            ) from None
    current = dict(_all_storage_options())
    if options is None:
        if current.pop(bucket, None) is None:
            return
    else:
        current[bucket] = options
    write_file(home_dir() / "storage_options.json", json.dumps(current, indent=2, sort_keys=True))
    global _loaded
    _loaded = None  # a rewrite within the file system's mtime granularity
