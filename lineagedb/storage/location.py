"""A place in storage — a local path or a cloud URL — and everything done to its bytes.

This is the one place that tells local from cloud: a :class:`Location`
decides it once, when made, and its methods (hash, stage, commit, copy,
remove, list, cache, verify) take the matching branch. Cloud work is done by
:mod:`lineagedb.storage.remote`; local work here, where file system errors
are also translated into :mod:`lineagedb.errors` once.

Writes are staged: bytes are copied under a temporary name next to their
destination (:meth:`Location.stage`), then given their final name
(:meth:`Staged.commit`) inside the transaction that writes their record, so a
reader (or a crash) never sees half-written bytes under a final name. Local
copies are hashed while they are written: the bytes stored are the bytes
hashed, read once. Leftovers of a crash carry ``TEMPORARY_MARKER`` in their
name and a fresh modification time, so that ``cleanup`` judges their age by
when lineagedb wrote them.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from lineagedb._base.config import cache_dir
from lineagedb.errors import InvalidArgument, PathNotFound, StorageMismatch, StorageNotWritable
from lineagedb.storage import remote
from lineagedb.storage.copying import copy_file_hashed, copy_folder_hashed
from lineagedb.storage.hashing import (
    ContentHash,
    hash_file,
    hash_folder,
)
from lineagedb.storage.paths import PathLike, is_local, local_path, to_upath

if TYPE_CHECKING:
    from upath import UPath


TEMPORARY_MARKER = ".lineagedb-tmp-"

# The old bytes of an artifact while replace() swaps in new ones: cleanup puts
# them back if the replacement never committed (see models/cleanup.py).
REPLACED_MARKER = ".lineagedb-replaced-"


class Location:
    """A file, folder, object or prefix in storage, local or cloud.

    Example:
        >>> import tempfile
        >>> folder = Location(tempfile.mkdtemp())
        >>> folder.is_local, folder.exists()
        (True, True)
    """

    def __init__(self, path: PathLike | UPath) -> None:
        self.is_local = is_local(path)
        self._path = path

    @property
    def upath(self) -> UPath:
        """This location as a UPath (with the storage options of its bucket)."""
        if hasattr(self._path, "protocol"):
            return self._path  # type: ignore[return-value]
        return to_upath(self._path)  # type: ignore[arg-type]

    @property
    def local(self) -> Path:
        """The local path (only for local locations)."""
        assert self.is_local, f"{self} is not local"
        return local_path(self._path)

    def __truediv__(self, name: str) -> Location:
        if self.is_local:
            return Location(self.local / name)
        return Location(self.upath / name)

    @property
    def name(self) -> str:
        """The last part of the path or key."""
        return self.local.name if self.is_local else str(self.upath.name)

    @property
    def parent(self) -> Location:
        """The folder (or prefix) holding this location."""
        return Location(self.local.parent if self.is_local else self.upath.parent)

    def __str__(self) -> str:
        return str(self.local) if self.is_local else str(self.upath)

    def __repr__(self) -> str:
        return f"Location('{self}')"

    @contextmanager
    def _errors(self, *, writing: bool = False) -> Iterator[None]:
        """Translate file system errors inside the block into lineagedb's errors."""
        if not self.is_local:
            with remote.refused_as_errors(self.upath, writing=writing):
                yield
            return
        try:
            yield
        except PermissionError as error:
            raise StorageNotWritable(
                f"Cannot {'write' if writing else 'read'} '{self}' ({error.strerror}). "
                "Check the permissions of the storage root, or use another storage."
            ) from None

    # -- reading ------------------------------------------------------------------

    def exists(self) -> bool:
        """Whether anything is stored here.

        Example:
            >>> Location("/no/such/path").exists()
            False
        """
        if self.is_local:
            return self.local.exists()
        with self._errors():
            self.upath.fs.invalidate_cache()
            return bool(self.upath.exists())

    def hash(self) -> ContentHash:
        """Hash a local file or folder in full, or a cloud object or prefix from its metadata.

        Example:
            >>> Location("meta.csv").hash().hash_type
            'md5'
        """
        if not self.is_local:
            return remote.hash_remote(self.upath)
        with self._errors():
            return hash_folder(self.local) if self.local.is_dir() else hash_file(self.local)

    def verify(self, expected: ContentHash, what: str) -> None:
        """Raise StorageMismatch unless the bytes here have the expected size and hash.

        Local bytes are hashed in full; cloud objects are compared by their
        ETag-derived hash where it is of the same kind, else by size.

        Example:
            >>> expected = Location("meta.csv").hash()
            >>> Location("meta.csv").verify(expected, "artifact x")
        """
        try:
            found = self.hash()
        except PathNotFound:
            raise StorageMismatch(
                f"The bytes of {what} are missing at '{self}'. Restore them, or delete the "
                "record with .delete(permanent=True)."
            ) from None
        same_kind = found.hash_type == expected.hash_type
        if found.size != expected.size or (same_kind and found.hash != expected.hash):
            raise StorageMismatch(
                f"The bytes of {what} at '{self}' differ from its record (size {found.size} vs "
                f"{expected.size}, hash {found.hash} vs {expected.hash}). They changed after "
                "registration: register the new bytes as a new version, or restore the old ones."
            )

    def cached(self, missing_hint: str, expected: ContentHash | None = None) -> Path | UPath:
        """A local path holding the current bytes: the path itself (a plain Path: no UPath,
        so no fsspec import, for local bytes), or a cached download.

        Cloud objects are downloaded to ``<cache dir>/<bucket>/<key>`` and again
        only when the object's size or modification time changed. A fresh
        download of a file with an ``md5`` hash is hashed; on a mismatch it is
        downloaded once more, then StorageMismatch is raised.

        Example:
            >>> Location("s3://bucket/study0/meta.csv").cached("")  # bucket  # doctest: +SKIP
            PosixUPath('/home/me/.cache/lineagedb/bucket/study0/meta.csv')
        """
        if self.is_local:
            if not self.local.exists():
                raise PathNotFound(f"The bytes at '{self}' are missing. {missing_hint}")
            return self.local
        path = self.upath
        local = cache_dir() / path.path
        if remote.is_cached(path, local):
            return to_upath(local)
        for attempt in (1, 2):
            remote.download(path, local)
            if expected is None or expected.hash_type != "md5" or expected.n_objects is not None:
                break
            if hash_file(local).hash == expected.hash:
                break
            if attempt == 2:
                local.unlink(missing_ok=True)
                raise StorageMismatch(
                    f"The download of '{path}' does not match its record's hash {expected.hash} "
                    "twice in a row: the object changed after registration. Check it with "
                    "artifact.verify()."
                )
        return to_upath(local)

    def entries_with_mtime(self) -> list[tuple[str, Location, float]]:
        """(name, location, newest modification time) of each entry directly in this folder.

        A folder's time is that of its newest file, so a folder still being
        written counts as new.

        Example:
            >>> entries = Location("lamin-tutorial/iris_studies").entries_with_mtime()  # one level
            >>> sorted(name for name, _, _ in entries)[-1]
            'study0_raw_images'
        """
        if not self.is_local:
            return [
                (name, self / name, mtime)
                for name, mtime in remote.entries_with_mtime(self.upath).items()
            ]
        if not self.local.is_dir():
            return []
        found = []
        for entry in os.scandir(self.local):
            # Saves in other processes rename and remove entries while this
            # walks: an entry gone meanwhile is no leftover.
            try:
                newest = entry.stat(follow_symlinks=False).st_mtime
                if entry.is_dir(follow_symlinks=False):
                    for directory, _, names in os.walk(entry.path):
                        for name in names:
                            modified = os.lstat(os.path.join(directory, name)).st_mtime
                            newest = max(newest, modified)
            except FileNotFoundError:
                continue
            found.append((entry.name, self / entry.name, newest))
        return found

    # -- writing ------------------------------------------------------------------

    def ensure_writable_root(self) -> None:
        """Create a local root if needed and check that it can be written.

        A cloud root must be an existing bucket that accepts writes.

        Example:
            >>> import tempfile
            >>> Location(tempfile.mkdtemp()).ensure_writable_root()
        """
        if not self.is_local:
            remote.ensure_writable_bucket(self.upath)
            return
        try:
            self.local.mkdir(parents=True, exist_ok=True)
            probe = self.local / f".lineagedb-write-probe-{uuid.uuid4().hex}"
            probe.write_bytes(b"")
            probe.unlink()
        except FileExistsError:
            raise InvalidArgument(
                f"Storage root '{self}' is a file, not a folder. Pass a folder path."
            ) from None
        except NotADirectoryError:
            raise InvalidArgument(
                f"Storage root '{self}' is inside a file, not a folder. Pass a folder path."
            ) from None
        except OSError as error:
            raise StorageNotWritable(
                f"Storage root '{self}' is not writable ({error.strerror}). "
                "Choose a folder you can write to, or fix its permissions."
            ) from None

    def stage(self, source: Path, expected: ContentHash | None = None) -> Staged:
        """Copy a local file or folder to a temporary name in this folder.

        Local copies are hashed while written and returned with that hash;
        if ``expected`` is given and the copy differs (the source changed
        since it was hashed), nothing is kept and InvalidArgument is raised.
        Cloud uploads are checked against ``expected`` when committed.

        Example:
            >>> folder = Location("lamin-tutorial/.lineagedb")
            >>> staged = folder.stage(Path("meta.csv"))
            >>> staged.commit(folder / "Jcs76l0nQW6Oi1go0000.csv")
        """
        temporary = self / f"{TEMPORARY_MARKER}{uuid.uuid4().hex}"
        if not temporary.is_local:
            remote.upload(source, temporary.upath)
            return Staged(temporary, expected)
        target = temporary.local
        try:
            with temporary._errors(writing=True):
                target.parent.mkdir(parents=True, exist_ok=True)
                content = (
                    copy_folder_hashed(source, target)
                    if source.is_dir()
                    else copy_file_hashed(source, target)
                )
        except BaseException:
            temporary.remove()
            raise
        if expected is not None and (content.hash, content.size) != (expected.hash, expected.size):
            temporary.remove()
            raise InvalidArgument(
                f"'{source}' changed after it was hashed (now {content.size} bytes, hash "
                f"{content.hash}; was {expected.size} bytes, hash {expected.hash}). Nothing was "
                "saved: create the artifact again from the current file."
            )
        return Staged(temporary, content)

    def stage_written(self, write: Callable[[Path], None]) -> Staged:
        """Let ``write`` create a file or folder at a temporary name here (local), then hash it.

        The object is written once, where it will be stored, and hashed
        once (from the page cache): an in-memory object costs one write and
        one hashing pass.

        Example:
            >>> import tempfile
            >>> folder = Location(tempfile.mkdtemp())
            >>> staged = folder.stage_written(lambda path: path.write_text("a,b"))
            >>> staged.content.size
            3
        """
        temporary = self / f"{TEMPORARY_MARKER}{uuid.uuid4().hex}"
        if not temporary.is_local:
            raise InvalidArgument(f"stage_written() writes local folders only, not '{self}'.")
        target = temporary.local
        try:
            with temporary._errors(writing=True):
                target.parent.mkdir(parents=True, exist_ok=True)
                write(target)
                content = hash_folder(target) if target.is_dir() else hash_file(target)
        except BaseException:
            temporary.remove()
            raise
        return Staged(temporary, content)

    def copy_to(self, destination: Location) -> None:
        """Make ``destination`` hold the bytes here, in the same storage.

        Local files are hard-linked where possible; cloud objects copied server-side.

        Example:
            >>> Location("meta.csv").copy_to(Location("meta_copy.csv"))
        """
        if not self.is_local:
            remote.copy(self.upath, destination.upath)
            return

        def link(src: str, dst: str) -> None:
            try:
                os.link(src, dst)
            except OSError:
                shutil.copyfile(src, dst)

        with destination._errors(writing=True):
            if self.local.is_dir():
                shutil.copytree(self.local, destination.local, copy_function=link)
            else:
                link(str(self.local), str(destination.local))
        # A hard link shares the old file's modification time: without this,
        # cleanup would take the new name for an old leftover before its record
        # commits.
        destination.touch()

    def move_to(self, destination: Location) -> None:
        """Give these bytes another name in the same storage (an atomic rename locally).

        Example:
            >>> Location("meta_fixed.csv").move_to(Location("lamin-tutorial/x.csv"))
        """
        if not self.is_local:
            remote.move(self.upath, destination.upath)
            return
        final, source = destination.local, self.local
        with destination._errors(writing=True):
            if source.is_dir() and final.exists():
                Location(final).remove()
            try:
                os.replace(source, final)
            except FileNotFoundError:  # its folder is new: make it (once), then rename
                if not source.exists():
                    raise
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, final)

    def touch(self) -> None:
        """Mark the bytes here as written now (a rename keeps the old modification time).

        Cloud objects moved or copied already carry the time of the copy.

        Example:
            >>> Location("meta.csv").touch()
        """
        if self.is_local:
            with self._errors(writing=True):
                os.utime(self.local)

    def read_text(self) -> str | None:
        """The text stored here, or None if nothing is.

        Example:
            >>> Location("/no/such/file").read_text() is None
            True
        """
        try:
            with self._errors():
                return self.local.read_text() if self.is_local else self.upath.read_text()
        except FileNotFoundError:
            return None

    def write_text(self, text: str) -> None:
        """Store ``text`` here.

        Example:
            >>> Location("lamin-tutorial/.lineagedb/.lineagedb-owner").write_text("x")
        """
        with self._errors(writing=True):
            if self.is_local:
                self.local.parent.mkdir(parents=True, exist_ok=True)
                self.local.write_text(text)
            else:
                self.upath.write_text(text)

    def remove(self) -> None:
        """Delete the file, folder, object or prefix here, if it exists.

        Example:
            >>> Location("/no/such/file").remove()
        """
        if not self.is_local:
            remote.remove(self.upath)
            return
        target = self.local
        with self._errors(writing=True):
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)


class Staged:
    """Bytes under a temporary name, waiting for their final one.

    Example:
        >>> staged = Location("lamin-tutorial/.lineagedb").stage(Path("meta.csv"))
        >>> staged.content.size
        32
    """

    def __init__(self, location: Location, content: ContentHash | None) -> None:
        self.location = location
        self.content = content
        self.committed_to: Location | None = None

    def commit(self, destination: Location) -> None:
        """Give the staged bytes their final name; cloud objects are checked on arrival.

        Example:
            >>> staged = Location("lamin-tutorial/.lineagedb").stage(Path("meta.csv"))
            >>> staged.commit(Location("lamin-tutorial/.lineagedb/Jcs76l0nQW6Oi1go0000.csv"))
            >>> Location("lamin-tutorial/.lineagedb/Jcs76l0nQW6Oi1go0000.csv").exists()
            True
        """
        try:
            self.location.move_to(destination)
        except (FileNotFoundError, PathNotFound):
            raise PathNotFound(
                f"The staged bytes at '{self.location}' are gone (removed by cleanup while "
                "waiting to be saved?). Nothing was saved: create the artifact again."
            ) from None
        self.committed_to = destination
        if not destination.is_local and self.content is not None:
            remote.verify_upload(destination.upath, self.content)

    def discard(self) -> None:
        """Remove the staged bytes (and committed ones, if the save failed after commit).

        Example:
            >>> staged = Location("lamin-tutorial/.lineagedb").stage(Path("meta.csv"))
            >>> staged.discard()
            >>> staged.location.exists()
            False
        """
        if self.committed_to is not None:
            self.committed_to.remove()
            self.committed_to = None
        self.location.remove()
