"""Helpers shared by the benchmark scripts: temp homes and medians."""

from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path


def fresh_home() -> Path:
    """A temporary folder used as LINEAGEDB_HOME and work dir for one benchmark."""
    folder = Path(tempfile.mkdtemp(prefix="lineagedb-bench-"))
    os.environ["LINEAGEDB_HOME"] = str(folder / "home")
    os.environ["LINEAGEDB_CACHE_DIR"] = str(folder / "cache")
    return folder


def report(name: str, seconds: list[float], per: int = 1, unit: str = "ms") -> None:
    """Print the median (and spread) of repeated timings, per item when ``per`` > 1."""
    scale = 1000 if unit == "ms" else 1
    median = statistics.median(seconds) / per * scale
    low, high = min(seconds) / per * scale, max(seconds) / per * scale
    spread = f"(min {low:.2f}, max {high:.2f}, n={len(seconds)})"
    print(f"{name:<48} median {median:9.2f} {unit}   {spread}")


def on_databases(measure, databases: str, folder: Path) -> None:  # type: ignore[no-untyped-def]
    """Call ``measure(url, folder)`` per database: None for SQLite, a throwaway PostgreSQL's URL."""
    server = None
    try:
        for database in databases.split(","):
            url = None
            if database == "postgresql":
                from conftest import PostgresServer  # tests/ is on sys.path

                server = server or PostgresServer()
                url = server.url(server.create_database(folder))
            measure(url, folder)
    finally:
        if server is not None:
            server.stop()
