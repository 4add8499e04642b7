"""Crash harness: a saving process killed at random moments leaves nothing inconsistent."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytestmark = pytest.mark.slow  # multi-process runs: `make test-fast` skips them

TRIALS = 20

SAVER = """
import os, pathlib, sys
import lineagedb as ln

ln.settings.verbosity = "error"
folder = pathlib.Path(sys.argv[1])
ln.Artifact.filter().count()  # connect before "ready"
print("ready", flush=True)
if sys.stdin.readline().strip() != "go":  # the test ended without go()
    sys.exit(0)
for path in sorted(folder.iterdir()):
    ln.Artifact(path, description="crash test").save()
print("done", flush=True)
"""


def test_killed_saves_leave_only_verifiable_records(
    storage_instance: ModuleType, tmp_path: Path
) -> None:
    ln = storage_instance
    generator = random.Random(42)
    duration = 0.0
    removed = 0
    verified_up_to = 0
    folders = []
    for trial in range(TRIALS + 1):
        folder = tmp_path / f"trial{trial}"
        folder.mkdir()
        for index in range(4):
            (folder / f"{index}.bin").write_bytes(generator.randbytes(2 * 1024 * 1024))
        folders.append(folder)
    saver = start(SAVER, folders[0])
    for trial in range(TRIALS + 1):
        go(saver)
        if trial == 0:  # an uninterrupted run: how long four saves take here
            started = time.perf_counter()
            out, err = saver.communicate(timeout=120)
            assert out.strip() == "done", err
            duration = time.perf_counter() - started
            saver = start(SAVER, folders[1])
            continue
        time.sleep(generator.uniform(0, duration))  # somewhere inside the four saves
        saver.send_signal(signal.SIGKILL)
        saver.communicate(timeout=60)  # reaps the process and closes its pipes
        # The next process starts up (imports, connects) while this trial is checked.
        following = start(SAVER, folders[trial + 1]) if trial < TRIALS else None
        _settle(ln.setup.settings.storage.root / ".lineagedb")
        # Records of earlier trials were verified then; the listing below
        # shows that none of their bytes went missing since.
        for artifact in ln.Artifact.filter(visibility=None, id__gt=verified_up_to):
            assert artifact.verify()
            verified_up_to = max(verified_up_to, artifact.id)
        removed += len(ln.setup.cleanup(min_age_seconds=0))
        assert ln.setup.cleanup(dry_run=True, min_age_seconds=0) == []
        managed = ln.setup.settings.storage.root / ".lineagedb"
        entries = list(managed.iterdir()) if managed.exists() else []
        layout = ("lineagedb.", ".lineagedb-owner")  # the database and the owner marker
        stored = sorted(p.name for p in entries if not p.name.startswith(layout))
        expected = sorted(f"{a.uid}{a.suffix}" for a in ln.Artifact.filter(visibility=None))
        assert stored == expected
        if following is not None:
            saver = following
    saved = ln.Artifact.filter().count() - 4
    assert 0 < saved < 4 * TRIALS  # some killed runs completed saves, some were interrupted
    # How many kills landed mid-copy depends on timing; cleanup's own test covers leftovers.
    print(f"{TRIALS} kills: {saved} saves completed, {removed} leftovers cleaned up")


def start(script: str, *args: Any) -> subprocess.Popen[str]:
    """A Python process running ``script``; it says "ready" once connected, then waits for go()."""
    process = subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    return process


def go(process: subprocess.Popen[str]) -> None:
    """Let a process made by start() begin its work once it is ready."""
    assert process.stdout is not None and process.stdin is not None
    assert process.stdout.readline().strip() == "ready"
    process.stdin.write("go\n")
    process.stdin.flush()


def _settle(folder: Any) -> None:
    """Wait until the emulator has finished requests the killed process had in flight.

    A request sent just before the kill still lands afterwards (on a real
    bucket too); the emulators serve one request at a time.
    """
    if str(folder).startswith("/"):
        return
    previous = None
    for _ in range(50):
        folder.fs.invalidate_cache()
        listing = sorted(folder.fs.find(folder.path)) if folder.exists() else []
        if listing == previous:
            return
        previous = listing
        time.sleep(0.1)


KILLS = 10
REPLACER = """
import pathlib, sys
import lineagedb as ln

ln.settings.verbosity = "error"
uid, first, second = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
ln.Artifact.filter().count()  # connect before "ready"
print("ready", flush=True)
if sys.stdin.readline().strip() != "go":  # the test ended without go()
    sys.exit(0)
artifact = ln.Artifact.get(uid)
for round in range(1000):
    artifact.replace(second if round % 2 == 0 else first).save()
"""


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_killed_replacements_leave_old_or_new_bytes_whole(
    instance: ModuleType, tmp_path: Path, kind: str
) -> None:
    """SIGKILL anywhere in replace(): after cleanup, the record and its bytes agree."""
    kill_replacements(instance, tmp_path, kind)


@pytest.mark.parametrize("storage_instance", ["s3"], indirect=True)
def test_killed_replacements_on_s3(storage_instance: ModuleType, tmp_path: Path) -> None:
    """The same on a bucket, where a move is a copy and a delete."""
    kill_replacements(storage_instance, tmp_path, "file")


def kill_replacements(ln: ModuleType, tmp_path: Path, kind: str) -> None:
    generator = random.Random(7)
    versions = []
    for name in ("first", "second"):
        if kind == "file":
            path = tmp_path / f"{name}.bin"
            path.write_bytes(generator.randbytes(4 * 1024 * 1024))
        else:
            path = tmp_path / name
            path.mkdir()
            for index in range(20):
                (path / f"{index}.bin").write_bytes(generator.randbytes(200 * 1024))
        versions.append(path)
    artifact = ln.Artifact(versions[0], description="replaced").save()
    restored = 0
    replacer = start(REPLACER, artifact.uid, *versions)
    for kill in range(KILLS):
        go(replacer)
        time.sleep(generator.uniform(0.05, 0.6))
        replacer.send_signal(signal.SIGKILL)
        replacer.communicate(timeout=60)
        # The next process starts up (imports, connects) while this kill is checked.
        following = start(REPLACER, artifact.uid, *versions) if kill < KILLS - 1 else None
        _settle(artifact.path.parent)
        found = ln.setup.cleanup(min_age_seconds=0)
        restored += sum(".lineagedb-replaced-" in name for name in found)
        artifact.refresh_from_db()
        assert artifact.verify()
        folder = artifact.path.parent
        folder.fs.invalidate_cache()
        entries = sorted(str(p).rstrip("/").rsplit("/", 1)[-1] for p in folder.iterdir())
        assert [name for name in entries if name.startswith(".lineagedb-")] == [".lineagedb-owner"]
        if following is not None:
            replacer = following
    print(f"{KILLS} kills in replace() of a {kind}: {restored} interrupted replacements finished")


BULK_SAVER = """
import pathlib, sys
import lineagedb as ln

ln.settings.verbosity = "error"
folders = sorted(pathlib.Path(sys.argv[1]).iterdir())
ln.Artifact.filter().count()  # connect before "ready"
print("ready", flush=True)
if sys.stdin.readline().strip() != "go":  # the test ended without go()
    sys.exit(0)
artifacts = ln.save([ln.Artifact(folder, description=folder.name) for folder in folders])
artifacts[1].add_to_version_family(artifacts[0])
artifacts[2].add_to_version_family(artifacts[0])
print("done", flush=True)
"""


def test_killed_bulk_saves_and_family_moves_leave_verifiable_records(
    instance: ModuleType, tmp_path: Path
) -> None:
    """SIGKILL anywhere in ln.save() of folders and add_to_version_family()."""
    ln = instance
    generator = random.Random(11)
    batches = []
    for trial in range(KILLS):
        batch = tmp_path / f"batch{trial}"
        for name in ("a", "b", "c"):
            folder = batch / name
            folder.mkdir(parents=True)
            for index in range(30):
                (folder / f"{index}.bin").write_bytes(generator.randbytes(64 * 1024))
        batches.append(batch)
    saver = start(BULK_SAVER, batches[0])
    for trial in range(KILLS):
        go(saver)
        time.sleep(generator.uniform(0.0, 0.5))
        saver.send_signal(signal.SIGKILL)
        saver.communicate(timeout=60)
        following = start(BULK_SAVER, batches[trial + 1]) if trial < KILLS - 1 else None
        ln.setup.cleanup(min_age_seconds=0)
        for artifact in ln.Artifact.filter(visibility=None):
            assert artifact.verify()
        managed = Path(ln.setup.settings.storage.root.path) / ".lineagedb"
        layout = ("lineagedb.", ".lineagedb-owner")  # the database and the owner marker
        stored = sorted(p.name for p in managed.iterdir() if not p.name.startswith(layout))
        expected = sorted(f"{a.uid}{a.suffix}" for a in ln.Artifact.filter(visibility=None))
        assert stored == expected
        if following is not None:
            saver = following


CLEANER = """
import sys, time
import lineagedb as ln

ln.settings.verbosity = "error"
ln.Artifact.filter().count()  # connect before "ready"
print("ready", flush=True)
if sys.stdin.readline().strip() != "go":  # the test ended without go()
    sys.exit(0)
deadline = time.time() + float(sys.argv[1])
rounds = 0
while time.time() < deadline:
    ln.setup.cleanup()  # the default age: 15 minutes
    rounds += 1
print(rounds, flush=True)
"""


def test_cleanup_running_beside_saves_of_old_files_deletes_nothing(
    instance: ModuleType, tmp_path: Path
) -> None:
    """Sources an hour old: their staged copies and version-family links are still new."""
    ln = instance
    generator = random.Random(5)
    hour_ago = time.time() - 3600
    batch = tmp_path / "batch"
    for name in ("a", "b", "c", "d"):
        folder = batch / name
        folder.mkdir(parents=True)
        for index in range(50):
            path = folder / f"{index}.bin"
            path.write_bytes(generator.randbytes(16 * 1024))
            os.utime(path, (hour_ago, hour_ago))
    cleaner = start(CLEANER, 4)
    go(cleaner)
    saver = start(BULK_SAVER, batch)
    go(saver)
    out, err = saver.communicate(timeout=120)
    assert out.strip() == "done", err
    rounds, err = cleaner.communicate(timeout=120)
    assert cleaner.returncode == 0 and int(rounds) > 0, err
    assert ln.Artifact.filter().count() == 4
    assert all(artifact.verify() for artifact in ln.Artifact.filter())
