"""Many writers at once, in processes and threads: no lock errors, no duplicates."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.slow  # multi-process runs: `make test-fast` skips them

WRITER = """
import pathlib, sys, time
import lineagedb as ln

ln.settings.verbosity = "error"
folder, start, prefix = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
ln.Artifact.filter().count()  # connect before the race starts
deadline = time.time() + 60
while not start.exists() and time.time() < deadline:
    time.sleep(0.005)
uids = [ln.Artifact(path, description=prefix).save().uid for path in sorted(folder.iterdir())]
print(" ".join(uids))
"""


def race(tmp_path: Path, folders: list[Path]) -> list[list[str]]:
    start = tmp_path / "start"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(folder), str(start), f"writer {index}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        for index, folder in enumerate(folders)
    ]
    time.sleep(2)
    start.touch()
    results = []
    for writer in writers:
        out, err = writer.communicate(timeout=600)
        assert writer.returncode == 0, err
        assert "locked" not in err and "IntegrityError" not in err
        results.append(out.split())
    return results


def test_eight_processes_save_2000_files(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    folders = []
    for writer in range(8):
        folder = tmp_path / f"writer{writer}"
        folder.mkdir()
        for index in range(250):
            (folder / f"{index:03}.txt").write_text(f"writer {writer} file {index}\n")
        folders.append(folder)
    results = race(tmp_path, folders)
    assert sum(len(uids) for uids in results) == 2000
    assert ln.Artifact.filter().count() == 2000
    assert len({uid for uids in results for uid in uids}) == 2000
    one = ln.Artifact.filter(description="writer 3").order_by("id").first()
    assert one.load().startswith("writer 3 file ")


def test_same_content_from_four_processes_is_one_record(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    folders = []
    for writer in range(4):
        folder = tmp_path / f"copy{writer}"
        folder.mkdir()
        for index in range(25):
            (folder / f"{index:02}.txt").write_text(f"shared content {index}\n")
        folders.append(folder)
    results = race(tmp_path, folders)
    assert ln.Artifact.filter().count() == 25
    assert all(uids == results[0] for uids in results)  # everyone got the same records back
    stored = [p for p in (tmp_path / "data" / ".lineagedb").iterdir() if p.suffix == ".txt"]
    assert len(stored) == 25  # the losers' copies were removed


def test_threads_share_an_instance(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    errors: list[BaseException] = []

    def work(thread: int) -> None:
        from django.db import connection

        try:
            for index in range(40):
                path = tmp_path / f"t{thread}-{index}.txt"
                path.write_text(f"thread {thread} file {index}")
                ln.Artifact(path, description="thread").save()
        except BaseException as error:  # collected and asserted on below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ln.Artifact.filter().count() == 160


INITIALIZER = """
import pathlib, sys, time
import lineagedb as ln

root, start, source = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
deadline = time.time() + 60
while not start.exists() and time.time() < deadline:
    time.sleep(0.002)
ln.setup.init(storage=root, name="race")
artifact = ln.Artifact(source, description=source.name).save()
print(artifact.path)
"""


def test_six_processes_init_one_new_storage_folder(tmp_path: Path) -> None:
    """One creates the instance, the others connect to it; nobody deletes anybody's bytes."""
    root, start = tmp_path / "new-root", tmp_path / "start"
    sources = []
    for index in range(6):
        source = tmp_path / f"input{index}.txt"
        source.write_text(f"process {index}\n")
        sources.append(source)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", INITIALIZER, str(root), str(start), str(source)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        for source in sources
    ]
    time.sleep(1.5)
    start.touch()
    paths = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        paths.append(Path(out.strip().splitlines()[-1]))
    for path, source in zip(paths, sources, strict=True):
        assert path.read_bytes() == source.read_bytes()
    import lineagedb as ln

    ln.connect("race")
    try:
        assert ln.Artifact.filter().count() == 6
        assert all(artifact.verify() for artifact in ln.Artifact.filter())
        assert ln.Storage.filter().count() == 1 and ln.User.filter().count() == 1
    finally:
        from lineagedb.setup._django import disconnect

        disconnect()
