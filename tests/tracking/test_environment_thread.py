"""The thread that records a run's environment imports nothing the user's code may be
importing meanwhile: two threads importing one package at once can deadlock on Python's
import locks (a script importing anndata → zarr → fsspec after ln.track() met
``_DeadlockError`` when the thread built a UPath, importing fsspec too)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json, sys
import lineagedb as ln
ln.setup.init(storage="./store")
from lineagedb.tracking import tracker
run = ln.Run(ln.Transform(name="x", type="script").save()).save()
folder = tracker._prepared_folder()  # in the caller's thread, as track() does
before = set(sys.modules)
tracker._record_environment(run, "script", folder)
new = sorted(m for m in set(sys.modules) - before if not m.startswith("lineagedb"))
print(json.dumps({"new": new, "environment": ln.Run.get(run.id).environment_id is not None}))
"""


def test_recording_an_environment_imports_nothing_new(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=tmp_path,
        env={**os.environ, "LINEAGEDB_HOME": str(tmp_path / "home")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"new": [], "environment": True}
