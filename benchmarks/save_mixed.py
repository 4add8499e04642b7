"""Init, 300 files saved one by one, 2,000 saved with ln.save: construction and save, one process.

Time the whole process to compare two checkouts, e.g.
``time PYTHONPATH=<checkout> .venv/bin/python benchmarks/save_mixed.py``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

base = Path(tempfile.mkdtemp())
os.environ["LINEAGEDB_HOME"] = str(base / "home")
import lineagedb as ln  # noqa: E402 (LINEAGEDB_HOME first)

ln.setup.init(storage=base / "data")
ln.settings.verbosity = "error"
outside = base / "outside"
outside.mkdir()
for i in range(2300):
    (outside / f"{i:05}.txt").write_bytes(f"{i}\n".encode().ljust(4096, b"."))
files = sorted(outside.iterdir())
for path in files[:300]:
    ln.Artifact(path, description=path.name).save()
ln.save([ln.Artifact(path, key=f"bulk/{path.name}") for path in files[300:]])
assert ln.Artifact.filter().count() == 2300
