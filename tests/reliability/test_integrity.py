"""verify(), cleanup() and the checks on downloads."""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner
from servers import S3

from lineagedb.cli import main
from lineagedb.errors import StorageMismatch


def test_verify_reports_changed_and_missing_bytes(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    in_place = ln.datasets.file_mini_csv(tmp_path / "data" / "study")
    artifact = ln.Artifact(in_place).save()
    other = tmp_path / "elsewhere" / "notes.txt"
    other.parent.mkdir()
    other.write_text("copied into managed storage")
    managed = ln.Artifact(other, description="test").save()
    assert artifact.verify() and managed.verify()
    in_place.write_text("num,letter\n9,z\n")
    with pytest.raises(StorageMismatch, match=r"differ from its record .*new version"):
        artifact.verify()
    result = CliRunner().invoke(main, ["verify", "--all"])
    assert result.exit_code == 1 and "FAILED" in result.stdout
    in_place.unlink()
    with pytest.raises(StorageMismatch, match=r"are missing at"):
        artifact.verify()


def test_cleanup_removes_only_old_leftovers(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    kept = ln.Artifact(ln.datasets.file_mini_csv(tmp_path / "a"), description="test").save()
    managed = tmp_path / "data" / ".lineagedb"
    temporary = managed / ".lineagedb-tmp-0123456789abcdef"
    temporary.write_bytes(b"partial")
    orphan = managed / "ABCDEFGHIJKLMNOP0000.csv"
    orphan.write_bytes(b"no record")
    fresh = managed / ".lineagedb-tmp-fresh"
    fresh.write_bytes(b"in flight")
    old = time.time() - 3600
    for path in (temporary, orphan):
        os.utime(path, (old, old))
    found = ln.setup.cleanup(dry_run=True)
    assert sorted(found) == sorted([str(temporary), str(orphan)])
    assert temporary.exists()
    assert CliRunner().invoke(main, ["cleanup"]).exit_code == 0
    assert not temporary.exists() and not orphan.exists()
    assert fresh.exists() and Path(kept.path.path).exists()
    if ln.setup.settings.instance.dialect == "sqlite":
        assert (managed / "lineagedb.sqlite3").exists()


def test_cache_rejects_download_that_differs_from_record(instance: ModuleType, s3: S3) -> None:
    ln = instance
    bucket = s3.bucket()
    target = ln.UPath(f"{bucket}/table.csv")
    target.write_text("a\n1\n")
    artifact = ln.Artifact(target).save()
    target.write_text("a\n2\n")  # same size, other bytes: changed behind the registry's back
    with pytest.raises(StorageMismatch, match=r"does not match its record's hash"):
        artifact.cache()
    with pytest.raises(StorageMismatch):
        artifact.verify()
