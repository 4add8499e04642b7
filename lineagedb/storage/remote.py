"""Objects in cloud storage (S3, GCS, any fsspec filesystem), reached through UPath.

Hashes come from object metadata: an S3 ETag of a single-part upload is the
MD5 of the bytes, so it gives the same ``md5`` hash as the local file; a
multipart ETag ``<hex>-<parts>`` gives ``hash_type="md5-<parts>"``. GCS keeps
the MD5 of every object uploaded whole (``md5Hash``); composite GCS objects
only have a CRC32C (``hash_type="crc32c"``). Nothing is downloaded to hash.
(Objects encrypted with SSE-KMS have ETags that are not MD5s; their hashes
then only identify the upload, not the content.)
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lineagedb._base.config import bucket_root
from lineagedb.errors import AccessDenied, InvalidArgument, PathNotFound, StorageNotWritable
from lineagedb.storage.hashing import ContentHash, encode_digest, folder_content

if TYPE_CHECKING:
    from upath import UPath


def etag_hash(etag: str) -> tuple[str, str]:
    """(hash, hash_type) for an ETag: ``md5`` for single-part, ``md5-N`` for multipart.

    Example:
        >>> etag_hash('"5d41402abc4b2a76b9719d911017c592"')
        ('XUFAKrxLKna5cZ2REBfFkg', 'md5')
        >>> etag_hash('"c9739fae10c337e9d5cd107c47533e64-3"')
        ('yXOfrhDDN-nVzRB8R1M-ZA', 'md5-3')
    """
    text = etag.strip('"')
    hex_digest, _, parts = text.partition("-")
    digest = encode_digest(bytes.fromhex(hex_digest))
    return (digest, f"md5-{parts}") if parts else (digest, "md5")


def object_hash(details: dict[str, Any]) -> tuple[str, str]:
    """(hash, hash_type) of one object from its listing entry (S3 or GCS metadata).

    Example:
        >>> object_hash({"ETag": '"5d41402abc4b2a76b9719d911017c592"'})
        ('XUFAKrxLKna5cZ2REBfFkg', 'md5')
        >>> object_hash({"md5Hash": "XUFAKrxLKna5cZ2REBfFkg==", "etag": "CJ+4"})
        ('XUFAKrxLKna5cZ2REBfFkg', 'md5')
    """
    if "ETag" in details:
        return etag_hash(details["ETag"])
    if details.get("md5Hash"):
        return encode_digest(base64.b64decode(details["md5Hash"])), "md5"
    if details.get("crc32c"):
        return encode_digest(base64.b64decode(details["crc32c"])), "crc32c"
    raise InvalidArgument(
        f"Object '{details.get('name')}' has neither an ETag nor an MD5 or CRC32C in its "
        "metadata, so it cannot be hashed without downloading it. Copy it into a bucket "
        "of S3 or GCS, or register a local copy."
    )


def _bucket_exists(path: UPath) -> bool:
    # A bucket that refuses to describe itself (403) exists; only a 404 says it doesn't.
    try:
        path.fs.info(path.path.split("/", 1)[0])
    except FileNotFoundError:
        return False
    except PermissionError:
        return True
    return True


def _missing(path: UPath) -> PathNotFound:
    if not _bucket_exists(path):
        return PathNotFound(
            f"Bucket '{bucket_root(str(path))}' does not exist or is not visible with these "
            "credentials. Check the name, the endpoint (AWS_ENDPOINT_URL or the bucket's "
            "storage_options) and your credentials."
        )
    parent = str(path.parent)
    return PathNotFound(
        f"Path '{path}' does not exist. Check the key, or list the folder with "
        f"ln.UPath('{parent}').view_tree()."
    )


def denied(path: UPath, error: BaseException, *, writing: bool = False) -> AccessDenied:
    """The error for a refused request on ``path``, with what to check next.

    Example:
        >>> denied(UPath("s3://bucket/a.csv"), PermissionError("403"))  # bucket  # doctest: +SKIP
        AccessDenied("Access to 's3://bucket/a.csv' was denied (403). ...")
    """
    what = "Writing to" if writing else "Access to"
    if getattr(path.fs, "anon", False):
        hint = (
            "No credentials were found, so the request was anonymous: set AWS_ACCESS_KEY_ID "
            "and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or give the bucket "
            "ln.setup.set_storage_options(...)."
        )
    else:
        hint = "Check your credentials (or the bucket's storage_options) and the bucket's policy."
    kind = StorageNotWritable if writing else AccessDenied
    return kind(f"{what} '{path}' was denied ({error}). {hint}")


@contextmanager
def refused_as_errors(path: UPath, *, writing: bool = False) -> Iterator[None]:
    """Turn the filesystem's PermissionError inside the block into :func:`denied`'s error.

    Example:
        >>> with refused_as_errors(UPath("s3://bucket/a.csv")):  # needs a bucket  # doctest: +SKIP
        ...     UPath("s3://bucket/a.csv").read_bytes()
    """
    try:
        yield
    except AccessDenied:
        raise
    except PermissionError as error:
        raise denied(path, error, writing=writing) from None


def info(path: UPath) -> dict[str, Any]:
    """The object's metadata, or PathNotFound / AccessDenied with the next step."""
    try:
        with refused_as_errors(path):
            result: dict[str, Any] = path.fs.info(path.path)
    except FileNotFoundError:
        raise _missing(path) from None
    return result


def hash_remote(path: UPath) -> ContentHash:
    """Hash a cloud object or prefix from its listing, without downloading.

    Example:
        >>> hash_remote(UPath("s3://bucket/study0/meta.csv")).hash_type  # bucket  # doctest: +SKIP
        'md5'
    """
    path.fs.invalidate_cache()
    details = info(path)
    if details.get("type") != "directory":
        file_hash, hash_type = object_hash(details)
        return ContentHash(file_hash, hash_type, int(details["size"]), None)
    prefix = path.path.rstrip("/") + "/"
    with refused_as_errors(path):
        objects = path.fs.find(path.path, detail=True)
    files = []
    for name, item in objects.items():
        file_hash, hash_type = object_hash(item)
        files.append((name[len(prefix) :], int(item["size"]), file_hash + _kind_suffix(hash_type)))
    return folder_content(files)


def _kind_suffix(hash_type: str) -> str:
    # A folder hash names each entry's hash kind unless it is a plain md5:
    # md5-N by its part count ("-N"), others by name ("-crc32c").
    if hash_type == "md5":
        return ""
    if hash_type.startswith("md5-"):
        return hash_type[3:]
    return f"-{hash_type}"


def is_dir(path: UPath) -> bool:
    """Whether a cloud path is a prefix with objects below it."""
    return info(path).get("type") == "directory"


def upload(source: Path, destination: UPath) -> None:
    """Upload a local file or folder; the object(s) appear only when complete.

    Example (not run here: needs a bucket):
        >>> upload(Path("meta.csv"), UPath("s3://bucket/.lineagedb/tmp"))  # doctest: +SKIP
    """
    from lineagedb.storage.progress import transfer_callback

    fs = destination.fs
    files = [f for f in source.rglob("*") if f.is_file()] if source.is_dir() else [source]
    size = sum(f.stat().st_size for f in files)
    with (
        refused_as_errors(destination, writing=True),
        transfer_callback(f"uploading {source.name}", size) as callback,
    ):
        fs.put(str(source), destination.path, recursive=source.is_dir(), callback=callback)
    fs.invalidate_cache()


def _object_pairs(source: UPath, destination: UPath) -> tuple[list[str], list[str]]:
    if not is_dir(source):
        return [source.path], [destination.path]
    prefix = source.path.rstrip("/") + "/"
    names = sorted(source.fs.find(source.path))
    target = destination.path.rstrip("/") + "/"
    return names, [target + name[len(prefix) :] for name in names]


def copy(source: UPath, destination: UPath) -> None:
    """Copy an object, or every object below a prefix, server-side (batched)."""
    # fsspec's recursive copy trips over the prefix's directory entry; copy
    # the listed objects instead, in one concurrent batch.
    sources, targets = _object_pairs(source, destination)
    with refused_as_errors(destination, writing=True):
        source.fs.copy(sources, targets)
    source.fs.invalidate_cache()


def move(source: UPath, destination: UPath) -> None:
    """Move objects within a bucket: server-side copy, then delete the originals."""
    sources, _ = _object_pairs(source, destination)
    copy(source, destination)
    with refused_as_errors(source, writing=True):
        source.fs.rm(sources)
    source.fs.invalidate_cache()


def remove(path: UPath) -> None:
    """Delete an object or every object below a prefix, if there are any."""
    fs = path.fs
    fs.invalidate_cache()
    with refused_as_errors(path, writing=True):
        if fs.exists(path.path):
            fs.rm(path.path, recursive=True)
            fs.invalidate_cache()


def verify_upload(destination: UPath, expected: ContentHash) -> None:
    """Check that what arrived has the expected size (and MD5, for single-part objects)."""
    arrived = hash_remote(destination)
    if arrived.size != expected.size or (
        expected.hash_type == "md5" and arrived.hash_type == "md5" and arrived.hash != expected.hash
    ):
        raise StorageNotWritable(
            f"Upload to '{destination}' arrived incomplete or changed ({arrived.size} of "
            f"{expected.size} bytes). Nothing was registered; save again."
        )


def download(path: UPath, destination: Path) -> None:
    """Download an object or prefix to a local path, atomically (temporary name, rename).

    The local files get the objects' modification times, which :func:`is_cached` compares.

    Example (not run here: needs a bucket):
        >>> download(UPath("s3://bucket/meta.csv"), Path("/cache/meta.csv"))  # doctest: +SKIP
    """
    import shutil
    import uuid

    from lineagedb.storage.progress import transfer_callback

    details = info(path)
    temporary = destination.with_name(f".lineagedb-tmp-{uuid.uuid4().hex}-{destination.name}")
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        if details.get("type") == "directory":
            with refused_as_errors(path):
                objects = path.fs.find(path.path, detail=True)
            prefix = path.path.rstrip("/") + "/"
            for name, item in objects.items():
                target = temporary / name[len(prefix) :]
                target.parent.mkdir(parents=True, exist_ok=True)
                with refused_as_errors(path):
                    path.fs.get_file(name, str(target))
                _set_mtime(target, item)
            if destination.exists():
                shutil.rmtree(destination)
        else:
            size = int(details["size"])
            with (
                transfer_callback(f"downloading {path.name}", size) as callback,
                refused_as_errors(path),
            ):
                path.fs.get_file(path.path, str(temporary), callback=callback)
            _set_mtime(temporary, details)
        os.replace(temporary, destination)
    except BaseException:
        if temporary.is_dir():
            shutil.rmtree(temporary, ignore_errors=True)
        else:
            temporary.unlink(missing_ok=True)
        raise


def entries_with_mtime(folder: UPath) -> dict[str, float]:
    """The newest modification time of each entry directly below a prefix, by name.

    Example:
        >>> entries_with_mtime(UPath("s3://bucket/.lineagedb"))  # needs a bucket  # doctest: +SKIP
        {'Jcs76l0nQW6Oi1go0000.csv': 1795674623.0}
    """
    fs = folder.fs
    fs.invalidate_cache()
    prefix = folder.path.rstrip("/") + "/"
    times: dict[str, float] = {}
    with refused_as_errors(folder):
        found = fs.find(folder.path, detail=True)
    for name, item in found.items():
        entry = name[len(prefix) :].split("/", 1)[0]
        times[entry] = max(times.get(entry, 0.0), _modified(item) or 0.0)
    return times


def _modified(item: dict[str, Any]) -> float | None:
    modified = item.get("LastModified") or item.get("mtime") or item.get("updated")
    if modified is None:
        return None
    return float(modified.timestamp()) if hasattr(modified, "timestamp") else float(modified)


def _set_mtime(local: Path, item: dict[str, Any]) -> None:
    modified = _modified(item)
    if modified is not None:
        os.utime(local, (modified, modified))


def is_cached(path: UPath, local: Path) -> bool:
    """Whether ``local`` holds the current version of the object(s): same sizes and times.

    Example (not run here: needs a bucket):
        >>> is_cached(UPath("s3://bucket/meta.csv"), Path("/cache/meta.csv"))  # doctest: +SKIP
        True
    """
    if not local.exists():
        return False
    path.fs.invalidate_cache()
    details = info(path)
    if details.get("type") == "directory":
        prefix = path.path.rstrip("/") + "/"
        with refused_as_errors(path):
            objects = path.fs.find(path.path, detail=True)
        local_files = {p.relative_to(local).as_posix(): p for p in local.rglob("*") if p.is_file()}
        if set(local_files) != {name[len(prefix) :] for name in objects}:
            return False
        return all(_same(local_files[name[len(prefix) :]], item) for name, item in objects.items())
    return _same(local, details)


def _same(local: Path, item: dict[str, Any]) -> bool:
    stat = local.stat()
    modified = _modified(item)
    return stat.st_size == int(item["size"]) and (
        modified is None or abs(stat.st_mtime - modified) < 1e-3
    )


def ensure_writable_bucket(root: UPath) -> None:
    """Check that the bucket exists and accepts writes (a probe object, then deleted)."""
    import uuid

    fs = root.fs
    fs.invalidate_cache()
    if not _bucket_exists(root):
        raise PathNotFound(
            f"Bucket '{str(root).rstrip('/')}' does not exist or is not visible with these "
            "credentials. "
            "Create it first, or check the endpoint (AWS_ENDPOINT_URL or "
            "ln.setup.set_storage_options) and your credentials."
        )
    probe = f"{root.path.rstrip('/')}/.lineagedb/.write-probe-{uuid.uuid4().hex}"
    with refused_as_errors(root, writing=True):
        fs.pipe_file(probe, b"")
        fs.rm(probe)


def region(path: UPath) -> str | None:
    """The bucket's region where the filesystem can tell (S3), else None."""
    call = getattr(path.fs, "call_s3", None)
    if call is None:
        return None
    try:
        location = call("get_bucket_location", Bucket=path.path.split("/", 1)[0])
    except Exception:  # region is informative only; never fail a registration on it
        return None
    return location.get("LocationConstraint") or "us-east-1"
