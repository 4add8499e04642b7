"""Copies that hash what they copy: one pass over the bytes, and a file that changes meanwhile
is refused. What ``Location.stage()`` copies a local file or folder with.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lineagedb.errors import InvalidArgument
from lineagedb.storage.hashing import (
    CHUNK_SIZE,
    ContentHash,
    encode_digest,
    folder_content,
    list_folder,
)


def copy_file_hashed(source: Path, target: Path) -> ContentHash:
    """Copy one file and hash it in the same pass of time; refuse a file that changes meanwhile.

    Small files are read once, hashed and written (raw file descriptors: a
    folder of 5,000 small files is mostly per-file overhead). Large ones are
    copied by the kernel (``copy_file_range``/``sendfile``, ~0.4 s per GiB
    here) while this thread hashes them from the page cache (~1.5 s per GiB):
    the save costs about one md5 pass. The size and modification time,
    unchanged from before the copy to after the hash, vouch that both saw the
    same bytes.
    """
    reader = os.open(source, os.O_RDONLY)
    try:
        before = os.fstat(reader)
        if before.st_size <= CHUNK_SIZE:
            data = os.read(reader, before.st_size + 1)  # one byte more: growth shows
            digest = hashlib.md5(data)
            writer = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(writer, view) :]
            finally:
                os.close(writer)
        else:
            with ThreadPoolExecutor(1) as pool:
                copying = pool.submit(shutil.copyfile, source, target)
                with open(reader, "rb", closefd=False) as handle:
                    digest = hashlib.file_digest(handle, "md5")
                copying.result()
        after = os.fstat(reader)
    finally:
        os.close(reader)
    size = len(data) if before.st_size <= CHUNK_SIZE else after.st_size
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or (
        size != after.st_size
    ):
        raise InvalidArgument(
            f"File '{source}' changed while it was being hashed and copied. "
            "Save it again once the program writing it has finished."
        )
    return ContentHash(encode_digest(digest.digest()), "md5", size, None)


def copy_folder_hashed(source: Path, target: Path) -> ContentHash:
    """Copy every file below ``source`` into ``target``, hashing each."""
    files = list_folder(source)
    target.mkdir()
    for folder in sorted({Path(relative).parent for relative, _ in files} - {Path(".")}):
        (target / folder).mkdir(parents=True, exist_ok=True)

    # One file after another: threads only contend here (measured: 5,000 x 4 KB
    # files take 0.7 s in one thread, 1.4 s in sixteen); a large file's copy
    # already runs beside its hash.
    copied = [(relative, copy_file_hashed(path, target / relative)) for relative, path in files]
    return folder_content([(relative, content.size, content.hash) for relative, content in copied])
