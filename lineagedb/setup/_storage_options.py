"""Per-storage fsspec options (endpoint, credentials, project) kept for this user.

A bucket reached through a non-default endpoint, with other credentials than
the environment's, or on GCS with a token file needs options that the URL
alone does not carry. They are kept per root (``s3://bucket``,
``gs://bucket``) in ``<home>/storage_options.json``, readable only by its
owner since they may hold secrets, and apply to every path below that root in
every instance this user connects to.
"""

from __future__ import annotations

import json
import os
from typing import Any

from lineagedb.errors import InvalidArgument
from lineagedb.setup._instance import home_dir, write_settings_file
from lineagedb.storage.paths import root_of_url

# (file path, mtime_ns) -> options by root; re-read only when the file changes.
_loaded: tuple[tuple[str, int], dict[str, dict[str, Any]]] | None = None


def _file() -> str:
    return str(home_dir() / "storage_options.json")


def _all() -> dict[str, dict[str, Any]]:
    global _loaded
    path = _file()
    try:
        stamp = (path, os.stat(path).st_mtime_ns)
    except FileNotFoundError:
        return {}
    if _loaded is None or _loaded[0] != stamp:
        with open(path) as handle:
            _loaded = (stamp, json.load(handle))
    return _loaded[1]


def storage_options(url: str) -> dict[str, Any]:
    """The fsspec options kept for the bucket of ``url`` (empty if none).

    Example:
        >>> storage_options("s3://bucket/key.csv")  # doctest: +SKIP
        {'endpoint_url': 'http://127.0.0.1:9000'}
    """
    if "://" not in url:
        return {}
    return dict(_all().get(root_of_url(url), {}))


def set_storage_options(root: str, options: dict[str, Any] | None) -> None:
    """Keep fsspec ``options`` for every path below the bucket ``root``; None forgets them.

    The options are those of the bucket's fsspec filesystem (s3fs:
    ``endpoint_url``, ``key``, ``secret``, ``anon``, ``client_kwargs``; gcsfs:
    ``project``, ``token``, ``endpoint_url``). They are stored for this user only.

    Example:
        >>> import lineagedb as ln
        >>> ln.setup.set_storage_options(
        ...     "s3://lab-bucket", {"endpoint_url": "https://minio.lab.org"}
        ... )  # doctest: +SKIP
    """
    if "://" not in root or root.startswith("file://"):
        raise InvalidArgument(
            f"Storage options are for cloud buckets; {root!r} is a local path. "
            "Pass a bucket root such as 's3://my-bucket'."
        )
    bucket = root_of_url(root.rstrip("/"))
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
    current = dict(_all())
    if options is None:
        if current.pop(bucket, None) is None:
            return
    else:
        current[bucket] = options
    path = home_dir() / "storage_options.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_settings_file(path, json.dumps(current, indent=2, sort_keys=True))
    global _loaded
    _loaded = None  # a rewrite within the file system's mtime granularity
