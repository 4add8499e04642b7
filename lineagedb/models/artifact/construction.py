"""How ``Artifact(data, ...)`` becomes a record: where its bytes are, what they hash to,
whether they are registered already, which version family the key names.

One function, :func:`build`, answers for files, folders and in-memory
objects alike and returns a :class:`Built`: either the existing record the
content already has, or the new record's fields and its draft (staged bytes,
source, in-memory object, folder files). Nothing is written to the database
here; bytes are only staged.

Example:
    >>> built = build("meta.csv", Options("study0/meta.csv", None, None, None, None))
    >>> built.fields["key"], built.existing is None
    ('study0/meta.csv', True)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lineagedb._base.config import cache_dir
from lineagedb._base.logger import logger
from lineagedb._base.session import current_run, default_storage
from lineagedb._base.settings import settings
from lineagedb.errors import InvalidArgument
from lineagedb.models import _plain
from lineagedb.models.artifact.draft import Draft
from lineagedb.models.artifact.source import resolve_source, storage_for
from lineagedb.storage import serializers
from lineagedb.storage.location import Location
from lineagedb.storage.paths import MANAGED_FOLDER, suffix_of

if TYPE_CHECKING:
    from upath import UPath

    from lineagedb.models.artifact.model import Artifact
    from lineagedb.models.run import Run
    from lineagedb.models.storage import Storage
    from lineagedb.models.versioning import VersionedRecord
    from lineagedb.storage.hashing import ContentHash


@dataclass
class Built:
    """What the constructor becomes: an existing record, or a new one's fields and draft."""

    draft: Draft
    existing: Artifact | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    # The artifact this one is the next version of, and whether its key chose it.
    revises: VersionedRecord | None = None
    family_by_key: bool = False


@dataclass
class Options:
    """What the caller gave besides the data."""

    key: str | None
    description: str | None
    version: str | None
    revises: VersionedRecord | None
    run: Run | None
    format: str | None = None


def build(data: Any, options: Options) -> Built:
    """Where the bytes of ``data`` are, their hash, and the record they make (or have).

    Staged bytes are discarded here if anything fails.

    Example:
        >>> built = build(df, Options("iris/other.parquet", "iris", None, None, None))
        >>> built.existing.key  # the same table is registered already
        'iris/study1.parquet'
    """
    accessor = serializers.accessor_of(data)
    if accessor is not None:
        return _in_memory(data, accessor, options)
    if options.format is not None:
        raise InvalidArgument(
            f"format={options.format!r} applies to in-memory objects (DataFrame, AnnData, "
            "MuData); a path is stored as it is. Omit format=."
        )
    return _from_path(data, options)


def _from_path(data: Any, options: Options) -> Built:
    source, accessor = resolve_source(data)
    key = options.key
    draft = Draft(source_is_temporary=accessor is not None)
    storage, key_in_storage = storage_for(source)
    if isinstance(source, Path):
        serializers.check_format(source, suffix_of(source.name))
        if key_in_storage is None and key is not None and accessor is None:
            _check_key_suffix(key, source)
        if key_in_storage is None and key is not None and not settings.artifact_use_virtual_keys:
            check_real_key_free(storage, key)  # before a byte is copied
        if key_in_storage is None:
            check_findable(f"'{source}', from outside every storage root,", options)
        if key_in_storage is None and Location(storage.root).is_local:
            # Copied into managed storage now, hashed while copied: one read
            # of the bytes, and the bytes saved are the bytes hashed.
            draft.staged = (storage.location / MANAGED_FOLDER).stage(source)
    try:
        return _path_record(source, storage, key_in_storage, draft, options, accessor)
    except BaseException:
        draft.discard()
        raise


def _check_key_suffix(key: str, source: Path) -> None:
    """A key ends in its file's suffix, as LaminDB asks: a '.csv' is no '.parquet'."""
    suffix = suffix_of(source.name)
    if suffix and not key.lower().endswith(suffix.lower()):
        stem = key[: -len(suffix_of(key))] if suffix_of(key) else key
        raise InvalidArgument(
            f"The key {key!r} does not end in {suffix!r}, the suffix of '{source.name}'. "
            f"Give a key ending in {suffix!r}, e.g. {stem + suffix!r}."
        )


def _path_record(
    source: Path | UPath,
    storage: Storage,
    key_in_storage: str | None,
    draft: Draft,
    options: Options,
    accessor: str | None,
) -> Built:
    content = draft.staged.content if draft.staged is not None else Location(source).hash()
    assert content is not None
    key, revises = options.key, options.revises
    if key_in_storage is not None and key is not None and key != key_in_storage:
        raise InvalidArgument(
            f"Path '{source}' is in storage '{storage.root}' with key "
            f"{key_in_storage!r}; it cannot be saved under key {key!r}. "
            "Omit key=, or move the file."
        )
    if key_in_storage is not None:
        # Registered in place: one artifact per path (LaminDB 2.x); the
        # same bytes at another path are another artifact.
        existing = latest_with_key(storage, key_in_storage, managed=False)
        if existing is not None and existing.hash != content.hash:
            _say_changed_in_place(existing, source)
            revises, existing = revises or existing, None
    else:
        existing = _same_content(content)
    if existing is not None:
        draft.discard()
        return _existing(existing, options)
    suffix = suffix_of(source.name)
    if key_in_storage is None and len(f"{'0' * 20}{suffix}".encode()) > 255:
        raise InvalidArgument(
            f"The suffix of '{source.name}' is {len(suffix.encode())} bytes long: stored as "
            "<uid><suffix>, its name would pass the file systems' 255-byte limit. "
            "Rename the file with a shorter suffix, then save it."
        )
    if key_in_storage is not None:
        logger.hint(f"path in storage '{storage.root}' with key '{key_in_storage}'")
        key, virtual = key_in_storage, False
        family = _Family(revises, False)
    else:
        assert isinstance(source, Path)  # a bucket's objects are always in a storage
        draft.source = source  # copied into managed storage by save()
        family = _family(storage, key, revises)
        key = key if key is not None or family.revises is None else family.revises.key
        virtual = settings.artifact_use_virtual_keys or key is None
        if not virtual:
            assert key is not None
            check_real_key_free(storage, key)
    draft.folder_content = content if content.files is not None else None
    fields = _fields(storage, key, virtual, suffix, options, family, content)
    fields["accessor"] = accessor
    fields["_original_name"] = source.name[:255] or None
    return Built(draft, fields=fields, revises=family.revises, family_by_key=family.by_key)


def _in_memory(data: Any, accessor: str, options: Options) -> Built:
    """Write an in-memory object once, where it will be stored, and hash it."""
    suffix = serializers.suffix_for(accessor, options.key, options.format)
    revises = options.revises
    key = options.key if options.key is not None or revises is None else revises.key
    check_findable(f"The {accessor}", options)
    serializers.require(accessor)
    storage = default_storage()
    draft = Draft(source_is_temporary=True, memory=data)
    folder = storage.location / MANAGED_FOLDER
    try:
        if folder.is_local:
            draft.staged = folder.stage_written(serializers.writer(data, accessor, suffix))
            content = draft.staged.content
        else:
            draft.source = in_memory_file(suffix)
            serializers.write(data, accessor, suffix, draft.source)
            content = Location(draft.source).hash()
        assert content is not None
        existing = _same_content(content)
        if existing is not None:
            draft.discard()
            return _existing(existing, options)
        family = _family(storage, key, revises)
        fields = _fields(storage, key, True, suffix, options, family, content)
        fields["accessor"] = accessor
        fields["n_observations"] = serializers.n_observations(data, accessor)
    except BaseException:
        draft.discard()
        raise
    draft.folder_content = content if content.files is not None else None
    return Built(draft, fields=fields, revises=family.revises, family_by_key=family.by_key)


@dataclass
class _Family:
    revises: VersionedRecord | None
    by_key: bool  # the key named the family (not revises=)


def _family(storage: Storage, key: str | None, revises: VersionedRecord | None) -> _Family:
    """The version family new managed content joins: revises=, else the key's (LaminDB >= 0.73)."""
    if revises is not None or key is None:
        return _Family(revises, False)
    latest = latest_with_key(storage, key, managed=None)
    if latest is not None:
        logger.info(
            f"key {key!r} names artifact {latest.uid}: the new content becomes its next version"
        )
    return _Family(latest, latest is not None)


def _fields(
    storage: Storage,
    key: str | None,
    virtual: bool,
    suffix: str,
    options: Options,
    family: _Family,
    content: ContentHash,
) -> dict[str, Any]:
    """The new record's fields; description and run default to the family's and the tracked."""
    description = options.description
    if description is None and family.revises is not None:
        description = family.revises.description
    run = options.run if options.run is not None else current_run()
    return {
        "storage": storage,
        "key": key,
        "key_is_virtual": virtual,
        "suffix": suffix,
        "description": description,
        "version": options.version,
        "size": content.size,
        "hash": content.hash,
        "hash_type": content.hash_type,
        "n_objects": content.n_objects,
        "run": run,
        "transform": run.transform if run is not None else None,
    }


def _existing(existing: Artifact, options: Options) -> Built:
    logger.warning(f"returning existing artifact with same hash: {existing}")
    given = {"key": options.key, "description": options.description, "version": options.version}
    return Built(Draft(not_applied=_not_applied(existing, given)), existing=existing)


def _not_applied(existing: Artifact, given: dict[str, str | None]) -> dict[str, str]:
    """The values given for content already registered that differ from its record (said)."""
    differing = {
        name: value
        for name, value in given.items()
        if value is not None and value != getattr(existing, name)
    }
    if differing:
        listed = ", ".join(
            f"{name}={value!r} (it has {getattr(existing, name)!r})"
            for name, value in differing.items()
        )
        how = "; ".join(f"artifact.{name} = {value!r}" for name, value in differing.items())
        keys = " (a key registered in place follows its path)" if "key" in differing else ""
        logger.warning(
            f"not applied to artifact {existing.uid}: {listed}. To apply: {how}; "
            f"artifact.save(){keys} (command line: lineagedb save --update)"
        )
    return differing


def _same_content(content: ContentHash) -> Artifact | None:
    from lineagedb.models.artifact.model import Artifact

    return Artifact.find_by_content(content.hash, content.hash_type)


def check_findable(what: str, options: Options) -> None:
    """Data copied into storage needs a key, a description or a run to be found again."""
    if options.key or options.description or options.run or options.revises or current_run():
        return
    raise InvalidArgument(
        f"{what} is stored under a generated name and could not be found again: pass "
        "key='…' or description='…' (or run=), or call ln.track() first."
    )


def check_real_key_free(storage: Storage, key: str) -> None:
    """Raise unless ``key`` in ``storage`` is free for new bytes (no file, no record).

    Example:
        >>> check_real_key_free(artifact.storage, "study0/new.csv")  # free: no error
        >>> check_real_key_free(artifact.storage, artifact.key)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        lineagedb.errors.InvalidArgument: Key 'iris_studies/...' ... already holds artifact ...
    """
    from lineagedb.models.artifact.model import Artifact

    holder = (
        _plain.first(Artifact, storage_id=storage.id, key=key, key_is_virtual=False)
        if storage.id
        else None
    )
    if holder is not None or (storage.location / key).exists():
        what = f"artifact {holder.uid}" if holder is not None else "a file no artifact registers"
        raise InvalidArgument(
            f"Key {key!r} in storage '{storage.root}' already holds {what}; nothing was written. "
            "Choose another key, or save a new version of that artifact (is_new_version_of=)."
        )


def latest_with_key(storage: Storage, key: str, *, managed: bool | None) -> Artifact | None:
    """The latest visible artifact with ``key`` in ``storage`` (None for an unsaved storage)."""
    from lineagedb.models.artifact.model import Artifact

    if storage.id is None:
        return None
    conditions: dict[str, Any] = {"storage_id": storage.id, "key": key, "visibility": 1}
    if managed is not None:
        conditions["key_is_virtual"] = managed
    # Plain SQL: once per constructed artifact with a key (the ORM compiled two queries).
    return _plain.first(Artifact, ("-is_latest", "-created_at", "-id"), **conditions)


def _say_changed_in_place(existing: Artifact, source: Path | UPath) -> None:
    """Say that a file registered in place has new bytes; its record becomes the old version."""
    logger.warning(
        f"'{source}' changed since it was registered as artifact {existing.uid} (key "
        f"{existing.key!r}): saving makes a new version. The bytes of {existing.uid} were "
        "overwritten in place, so its record keeps only their hash and size (its verify() "
        "fails); to keep old versions' bytes, save edits under a new path or copy them "
        "into managed storage."
    )


def in_memory_file(suffix: str) -> Path:
    """A fresh path in the cache to serialize an in-memory object to before an upload."""
    folder = cache_dir() / "in-memory"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{uuid.uuid4().hex}{suffix}"
