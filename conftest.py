"""Doctests of the package (``--doctest-modules`` over ``lineagedb/``).

Importing a registry module needs Django configured: the doctest run gets a
throwaway instance, so every module imports and every example that needs no
data runs. Examples that need an instance's data say ``# doctest: +SKIP``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> None:
    # Doctest collection inspects every module's globals, Django's lazy
    # ``connection`` among them in the tests: configure before any is read.
    if file_path.suffix == ".py":
        _configure_django_once()


_configured = False


def _configure_django_once() -> None:
    global _configured
    if _configured:
        return
    _configured = True
    from lineagedb.setup._django import configure
    from lineagedb.setup._instance import InstanceSettings

    folder = tempfile.mkdtemp(prefix="lineagedb-doctest-")
    os.environ.setdefault("LINEAGEDB_CACHE_DIR", os.path.join(folder, "cache"))
    configure(InstanceSettings(name="doctest", storage_root=folder))
