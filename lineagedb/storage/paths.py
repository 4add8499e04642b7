"""Paths, keys and storage roots as text: pure functions, no I/O dispatch.

Local roots are stored as absolute POSIX paths (``/data/study``); cloud
roots as ``<protocol>://<bucket>`` (``s3://my-bucket``).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path, PosixPath, PurePosixPath, WindowsPath
from typing import TYPE_CHECKING

from lineagedb._base.config import storage_options
from lineagedb.errors import InvalidArgument

if TYPE_CHECKING:
    from upath import UPath

PathLike = str | os.PathLike

# The layout of a storage root: managed bytes (and a local instance's SQLite
# file) live in this folder.
MANAGED_FOLDER = ".lineagedb"
SQLITE_FILENAME = "lineagedb.sqlite3"


def protocol_of(path: PathLike) -> str:
    """``"local"`` for a local path, else the URL's protocol (``"s3"``, ``"gs"``).

    Example:
        >>> protocol_of("s3://bucket/key.csv"), protocol_of("./data")
        ('s3', 'local')
    """
    text = os.fspath(path)
    if "://" not in text or text.startswith("file://"):
        return "local"
    return text.split("://", 1)[0]


def normalize_root(root: PathLike) -> str:
    """The canonical form of a storage root, as stored in the Storage registry.

    Example:
        >>> normalize_root("s3://bucket/")
        's3://bucket'
    """
    text = os.fspath(root)
    if protocol_of(text) != "local":
        return text.rstrip("/")
    text = text.removeprefix("file://")
    return Path(text).expanduser().resolve().as_posix()


def is_local(path: PathLike | UPath) -> bool:
    """Whether a path (str, Path or UPath) is on the local file system.

    Example:
        >>> is_local("/tmp/x.csv"), is_local("s3://bucket/x.csv")
        (True, False)
    """
    if isinstance(path, (str, os.PathLike)) and not hasattr(path, "protocol"):
        return protocol_of(path) == "local"
    return getattr(path, "protocol", "") in ("", "file", "local")


def to_upath(path: PathLike) -> UPath:
    """A UPath for a local path or a URL, with the storage options kept for its bucket.

    Example:
        >>> to_upath("/tmp/x.csv").name
        'x.csv'
    """
    from upath import UPath

    text = os.fspath(path)
    protocol = protocol_of(text)
    if protocol == "local":
        return UPath(text)
    options = storage_options(text)
    if options:
        return UPath(text, **options)
    if protocol == "s3" and not _aws_credentials_configured(
        os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_PROFILE")
    ):
        # Public buckets are readable without credentials: sign nothing
        # rather than fail on the missing credentials.
        return UPath(text, anon=True)
    return UPath(text)


@functools.lru_cache(maxsize=8)
def _aws_credentials_configured(key_id: str | None, profile: str | None) -> bool:
    import botocore.session

    return botocore.session.get_session().get_credentials() is not None


def default_instance_name(root: str) -> str:
    """The instance name derived from a storage root: its last path segment.

    Example:
        >>> default_instance_name("/home/me/lamin-tutorial")
        'lamin-tutorial'
    """
    name = root.rstrip("/").rsplit("/", 1)[-1]
    return name.split("://")[-1] or "default"


def key_in_root(path: str, root: str) -> str | None:
    """The key of ``path`` relative to ``root``, or None if it is outside.

    Example:
        >>> key_in_root("/data/a/b.csv", "/data")
        'a/b.csv'
        >>> key_in_root("/database/b.csv", "/data") is None
        True
    """
    prefix = root.rstrip("/") + "/"
    if not path.startswith(prefix):
        return None
    return path[len(prefix) :] or None


def check_key(key: str) -> str:
    """Return ``key`` if it is a safe relative storage key, else raise InvalidArgument.

    Example:
        >>> check_key("study0/meta.csv")
        'study0/meta.csv'
    """
    parts = key.split("/")
    problem = None
    if not key or key.startswith("/"):
        problem = "must be a non-empty relative path"
    elif "\\" in key or any(ord(char) < 32 for char in key):
        problem = "must not contain backslashes or control characters"
    elif ".." in parts or "." in parts:
        problem = "must not contain '.' or '..' segments"
    elif key.endswith("/"):
        problem = "must not end with '/'"
    elif "" in parts:
        problem = "must not contain '//'"
    elif parts[0] == MANAGED_FOLDER:
        problem = f"starts with {MANAGED_FOLDER!r}, the folder lineagedb manages itself"
    if problem:
        raise InvalidArgument(
            f"Key {key!r} {problem}. Use a relative POSIX path such as 'study0/meta.csv'."
        )
    return key


_COMPRESSION_SUFFIXES = {".gz", ".bz2", ".xz", ".zst", ".zip"}


def suffix_of(name: str) -> str:
    """The suffix stored for a file name, keeping compression (``.tar.gz``).

    Example:
        >>> suffix_of("reads.fastq.gz"), suffix_of("meta.csv"), suffix_of("README")
        ('.fastq.gz', '.csv', '')
    """
    path = PurePosixPath(name)
    if path.suffix.lower() in _COMPRESSION_SUFFIXES and len(path.suffixes) >= 2:
        return "".join(path.suffixes[-2:])
    return path.suffix


def local_path(path: PathLike | UPath) -> Path:
    """A ``pathlib.Path`` for a local path or local UPath.

    Example:
        >>> local_path("/tmp/x.csv")
        PosixPath('/tmp/x.csv')
    """
    if type(path) is PosixPath or type(path) is WindowsPath:
        return path  # already one: no parsing again (saves of 10,000 files ask 20,000 times)
    if isinstance(path, (str, os.PathLike)):
        return Path(os.fspath(path))
    return Path(path.path)  # a UPath: .path is the path without protocol


def check_inside(path: PathLike | UPath, root: str) -> None:
    """Refuse to write ``path`` unless it resolves inside the storage ``root``.

    Example:
        >>> check_inside("/data/.lineagedb/x.csv", "/data")
    """
    if not is_local(root):
        prefix = root.rstrip("/") + "/"
        if not str(path).startswith(prefix) or "/../" in str(path)[len(prefix) - 1 :]:
            raise InvalidArgument(f"'{path}' is outside storage '{root}'; nothing was written.")
        return
    if not local_path(path).resolve().is_relative_to(Path(root).resolve()):
        raise InvalidArgument(f"'{path}' is outside storage '{root}'; nothing was written.")
