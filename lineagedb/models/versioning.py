"""Version families: records sharing a uid stem, ordered by a base62 suffix.

A family's first member has suffix ``0000``; each new version takes the
next suffix. Exactly one visible member of a family — the one with the
highest suffix — has ``is_latest=True``.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import IntegrityError, transaction

from lineagedb._base.logger import logger
from lineagedb.errors import InvalidArgument, WrongType
from lineagedb.models.query.dialects import by_code_point
from lineagedb.models.query.queryset import QuerySet
from lineagedb.models.record import Record

SUFFIX_LENGTH = 4
# Suffix digits in code-point order ('0' < 'A' < 'a'), so that the database's
# ordering of uids (by code point) is the order of versions.
SUFFIX_ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
_INSERT_ATTEMPTS = 8


def suffix_value(uid: str) -> int:
    """The version suffix of ``uid`` as an integer (``0000`` → 0).

    Example:
        >>> suffix_value("KeVx4xgsVQWQHhlV0001"), suffix_value("KeVx4xgsVQWQHhlV000A")
        (1, 10)
        >>> suffix_value("KeVx4xgsVQWQHhlV000a")
        36
    """
    value = 0
    for char in uid[-SUFFIX_LENGTH:]:
        value = value * 62 + SUFFIX_ALPHABET.index(char)
    return value


def format_suffix(value: int) -> str:
    """The 4-character base62 suffix for ``value``.

    Example:
        >>> format_suffix(62), format_suffix(10), format_suffix(36)
        ('0010', '000A', '000a')
    """
    if not 0 <= value < 62**SUFFIX_LENGTH:
        raise InvalidArgument(f"A version family holds at most {62**SUFFIX_LENGTH} members.")
    chars = []
    for _ in range(SUFFIX_LENGTH):
        value, digit = divmod(value, 62)
        chars.append(SUFFIX_ALPHABET[digit])
    return "".join(reversed(chars))


def next_version(versions: Iterable[str | None]) -> str:
    """The version string after the numeric versions of a family ("1" → "2").

    Example:
        >>> next_version(["1", "2", None])
        '3'
    """
    numbers = []
    for version in versions:
        if version is None:
            continue
        try:
            numbers.append(int(version))
        except ValueError:
            raise InvalidArgument(
                f"Cannot derive the next version after {version!r}, which is not a whole "
                "number. Pass version='...' explicitly."
            ) from None
    return str(max(numbers, default=1) + 1)


class VersionedRecord(Record):
    """A registry whose records form version families (Artifact, Collection, Transform).

    Example:
        >>> v1 = ln.Artifact("meta.csv", key="study0/meta.csv").save()
        >>> v2 = ln.Artifact("meta_fixed.csv", is_new_version_of=v1).save()
        >>> [a.version for a in v2.versions]
        ['1', '2']
    """

    _stem_length: ClassVar[int] = 16
    # Set by constructors: the record this one is a new version of.
    _revises: VersionedRecord | None = None
    _version_given: bool = True
    # Whether a family whose versions are free text gives the new member no version
    # instead of failing (a family joined by key, not by revises=).
    _version_lenient: bool = False

    if TYPE_CHECKING:  # fields every versioned registry declares
        uid: str
        version: str | None
        visibility: int
        is_latest: bool

    class Meta:
        abstract = True

    @property
    def stem_uid(self) -> str:
        """The uid stem shared by every version of this record.

        Example:
            >>> artifact.stem_uid == artifact.uid[:16]
            True
        """
        return self.uid[: self._stem_length]

    @property
    def versions(self) -> QuerySet:
        """All visible versions of this record, oldest first.

        Example:
            >>> v2 = ln.Collection([artifact], is_new_version_of=collection).save()
            >>> [v.version for v in collection.versions]
            ['1', '2']
        """
        return self._family(type(self).filter()).order_by(by_code_point("uid"))

    def save(self, *args: Any, **kwargs: Any) -> VersionedRecord:
        """Write the record; a new version joins its family and becomes the latest.

        Example:
            >>> qc_v1 = ln.Transform(name="QC", version="1").save()
            >>> ln.Transform(name="QC", is_new_version_of=qc_v1).save().version
            '2'
        """
        if self._state.adding:
            self._insert_version(lambda: Record.save(self, *args, **kwargs))
        else:
            Record.save(self, *args, **kwargs)
        return self

    def delete(self, permanent: bool | None = None, storage: bool | None = None) -> None:  # type: ignore[override]
        """Move to the trash; delete for good if already trashed or ``permanent=True``.

        Registries without a trash (Transform) delete at once. The family's
        latest member is updated either way.

        Example:
            >>> collection.delete()  # to the trash
        """
        self._check_instance()
        if self._state.adding:
            raise InvalidArgument(
                f"{type(self).__name__} {self.uid} is not saved; there is nothing to delete."
            )
        stem = self.stem_uid
        if self._has_trash and not permanent and self.visibility != -1:
            with transaction.atomic():
                self.visibility = -1
                Record.save(self, update_fields=["visibility", "updated_at"])
                self._refresh_latest(stem)
            logger.warning(
                f"moved {type(self).__name__.lower()} {self.uid} to trash; delete() again or "
                "delete(permanent=True) deletes it for good, restore() undoes it"
            )
            return
        self._delete_permanently(storage)
        self._refresh_latest(stem)

    def _saves_alone(self) -> bool:
        """Whether ``ln.save()`` must save this record on its own: a new version is
        numbered under its family's lock."""
        return self._revises is not None

    def _delete_permanently(self, storage: bool | None) -> None:
        with transaction.atomic():
            Record.delete(self)
        logger.success(f"deleted {type(self).__name__.lower()} {self.uid}")

    def restore(self) -> VersionedRecord:
        """Take the record out of the trash.

        Example:
            >>> artifact.delete()  # to the trash
            >>> artifact.restore().visibility
            1
        """
        try:
            with transaction.atomic():
                self.visibility = 1
                Record.save(self, update_fields=["visibility", "updated_at"])
                self._refresh_latest()
        except IntegrityError:
            self.visibility = -1
            raise InvalidArgument(
                f"{type(self).__name__} {self.uid} has the same content as a record saved "
                "since it was trashed; keep that one, or delete it before restoring this."
            ) from None
        return self

    @property
    def _has_trash(self) -> bool:
        return any(field.name == "visibility" for field in self._meta.concrete_fields)

    def _family(self, query: QuerySet, stem: str | None = None) -> QuerySet:
        return query.filter(uid__startswith=stem or self.stem_uid)

    @classmethod
    def _check_revises(cls, revises: Any, version: Any) -> VersionedRecord | None:
        """Validate ``is_new_version_of``/``revises`` and ``version`` before anything is written."""
        if version is not None and not isinstance(version, str):
            raise InvalidArgument(
                f"version must be a string, got {version!r} ({type(version).__name__}). "
                f"Pass version={str(version)!r}."
            )
        if revises is None:
            return None
        if not isinstance(revises, cls):
            raise WrongType(
                f"is_new_version_of must be a {cls.__name__}, got {type(revises).__name__} "
                f"({revises!r}). Pass the {cls.__name__} record, e.g. "
                f"ln.{cls.__name__}.get('<uid>')."
            )
        if revises._state.adding:
            raise InvalidArgument(
                f"{cls.__name__} {revises.uid} is not saved; save it before creating a new "
                "version of it."
            )
        if version is not None and version == revises.version:
            raise InvalidArgument(
                f"version={version!r} is the version of {cls.__name__} {revises.uid} already; "
                "a new version needs a new one: increment it, or omit version= to get the next."
            )
        return revises

    def _preview_version(self, revises: VersionedRecord, lenient: bool = False) -> None:
        """Give an unsaved new version the uid and version it will most likely get.

        An unversioned predecessor becomes version "1" now (as in LaminDB):
        its family then reads 1, 2, … . ``lenient``: a family whose versions
        are free text gives this record no version instead of failing.
        """
        self._version_lenient = lenient
        if revises.version is None:
            revises.version = "1"
            type(revises).objects.filter(pk=revises.pk, version__isnull=True).update(version="1")
        family = list(self._family(type(self).objects.all(), revises.stem_uid))
        self.uid = revises.stem_uid + format_suffix(
            max(suffix_value(member.uid) for member in family) + 1
        )
        if self.version is None:
            self._version_given = False
            self.version = self._auto_version(member.version or "1" for member in family)
        self._revises = revises

    def _auto_version(self, versions: Iterable[str | None]) -> str | None:
        """The next whole-number version; for a family joined by key whose versions are
        free text, none (saving new content under a key must not fail on an old label)."""
        try:
            return next_version(versions)
        except InvalidArgument:
            if not self._version_lenient:
                raise
            logger.info(
                "the versions of this key's artifacts are not whole numbers, so the new one "
                "gets none; name it with version='...'"
            )
            return None

    def _insert_version(self, insert: Callable[[], object]) -> None:
        """Run ``insert`` for a new record, as the next member of its family if it has one.

        The family's rows are locked first (PostgreSQL; SQLite's IMMEDIATE
        transactions already serialize writers), so concurrent new versions
        get distinct suffixes and the family exactly one latest member. A
        suffix taken in the meantime is retried, never shown to the user.
        """
        for attempt in range(_INSERT_ATTEMPTS):
            try:
                with transaction.atomic():
                    if self._revises is not None:
                        self._assign_next_member()
                    insert()
                    if self._revises is not None:
                        self._refresh_latest()
                return
            except IntegrityError:
                taken = type(self).objects.filter(uid=self.uid).exists()
                if self._revises is None or not taken or attempt == _INSERT_ATTEMPTS - 1:
                    raise
                self.pk = None

    def _assign_next_member(self) -> None:
        assert self._revises is not None
        stem = self._revises.stem_uid
        family = list(self._family(type(self).objects.select_for_update(), stem))
        self.uid = stem + format_suffix(max(suffix_value(member.uid) for member in family) + 1)
        unversioned = [member for member in family if member.version is None]
        if unversioned and len(family) == 1:
            # The original of a family becomes version "1" when it gets a second member.
            type(self).objects.filter(pk=unversioned[0].pk).update(version="1")
            self._revises.version = "1"
            unversioned[0].version = "1"
        if not self._version_given:
            self.version = self._auto_version(member.version for member in family)

    def _refresh_latest(self, stem: str | None = None) -> None:
        """Mark the visible member with the highest suffix as the family's latest."""
        family = self._family(type(self).objects.all(), stem)
        has_trash = self._has_trash
        rows = list(family.values_list("pk", "uid", *(["visibility"] if has_trash else [])))
        visible = [row for row in rows if not has_trash or row[2] != -1]
        newest = max(visible, key=lambda row: suffix_value(row[1]))[0] if visible else None
        family.exclude(pk=newest).filter(is_latest=True).update(is_latest=False)
        if newest is not None:
            family.filter(pk=newest, is_latest=False).update(is_latest=True)
        if self.pk is not None:
            self.is_latest = self.pk == newest

    def add_to_version_family(self, other: VersionedRecord, version: str | None = None) -> None:
        """Move this saved record into ``other``'s version family as its newest member.

        Its uid changes to ``other``'s stem plus the next suffix.

        Example:
            >>> old_artifact = ln.Artifact("meta.csv", key="study0/meta.csv").save()
            >>> new_artifact = ln.Artifact("meta_fixed.csv", key="study0/meta_fixed.csv").save()
            >>> new_artifact.add_to_version_family(old_artifact)
            >>> new_artifact.stem_uid == old_artifact.stem_uid, new_artifact.version
            (True, '2')
        """
        self._check_revises(other, version)
        if self._state.adding:
            raise InvalidArgument(
                f"{type(self).__name__} is not saved; save it, or pass is_new_version_of= "
                "when creating it."
            )
        if other.stem_uid == self.stem_uid:
            raise InvalidArgument(f"{type(self).__name__} {self.uid} is already in this family.")
        old_stem = self.stem_uid
        self._revises = other
        self._version_given = version is not None
        if version is not None:
            self.version = version
        with transaction.atomic():
            self._assign_next_member()
            self._move_to_uid()
            self._refresh_latest()
            self._refresh_latest(old_stem)
        self._revises = None

    def _move_to_uid(self) -> None:
        """Write the new uid (and move anything named after it); subclasses extend."""
        type(self).objects.filter(pk=self.pk).update(uid=self.uid, version=self.version)
