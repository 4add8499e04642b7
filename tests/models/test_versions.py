"""Version families of artifacts and transforms: uids, versions, is_latest."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from lineagedb.errors import InvalidArgument


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_new_version_shares_stem_and_counts_up(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    v1 = ln.Artifact(write(tmp_path / "a" / "meta.csv", "a\n1\n"), key="meta.csv", description="m")
    v1.save()
    assert (v1.uid[-4:], v1.version, v1.is_latest) == ("0000", None, True)
    v2 = ln.Artifact(write(tmp_path / "b" / "meta.csv", "a\n2\n"), is_new_version_of=v1).save()
    assert v2.uid == v1.stem_uid + "0001"
    assert (v2.version, v2.key, v2.description) == ("2", "meta.csv", "m")
    v1.refresh_from_db()
    assert (v1.version, v1.is_latest) == ("1", False)  # the unversioned original became "1"
    v3 = ln.Artifact(write(tmp_path / "c.csv", "a\n3\n"), revises=v2, key="other.csv").save()
    assert (v3.uid[-4:], v3.version, v3.key) == ("0002", "3", "other.csv")
    assert [a.version for a in v3.versions] == ["1", "2", "3"]
    assert [a.uid for a in ln.Artifact.filter().latest_version()] == [v3.uid]
    assert v1.load().iloc[0, 0] == 1 and v3.load().iloc[0, 0] == 3  # each version keeps its bytes


def test_explicit_version_and_bad_version(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    v1 = ln.Artifact(write(tmp_path / "x.txt", "1"), version="2024-01", description="test").save()
    v2 = ln.Artifact(write(tmp_path / "y.txt", "2"), is_new_version_of=v1, version="2024-02")
    v2.save()
    assert v2.version == "2024-02"
    with pytest.raises(InvalidArgument, match=r"not a whole number. Pass version="):
        ln.Artifact(write(tmp_path / "z.txt", "3"), is_new_version_of=v2)
    with pytest.raises(InvalidArgument, match=r"version must be a string, got 3"):
        ln.Artifact(write(tmp_path / "z.txt", "3"), is_new_version_of=v2, version=3)
    unsaved = ln.Artifact(write(tmp_path / "u.txt", "u"), description="test")
    with pytest.raises(InvalidArgument, match=r"is not saved; save it before"):
        ln.Artifact(write(tmp_path / "w.txt", "w"), is_new_version_of=unsaved)
    assert ln.Artifact.filter().count() == 2


def test_is_latest_follows_delete_and_restore(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    v1 = ln.Artifact(write(tmp_path / "1.txt", "1"), description="test").save()
    v2 = ln.Artifact(write(tmp_path / "2.txt", "2"), is_new_version_of=v1).save()
    v3 = ln.Artifact(write(tmp_path / "3.txt", "3"), is_new_version_of=v2).save()
    v3.delete()
    assert [a.version for a in ln.Artifact.filter(is_latest=True)] == ["2"]
    v3.restore()
    assert [a.version for a in ln.Artifact.filter(is_latest=True)] == ["3"]
    v3.delete(permanent=True)
    v2.delete(permanent=True)
    assert [(a.uid, a.is_latest) for a in ln.Artifact.filter()] == [(v1.uid, True)]


def test_add_to_version_family_moves_bytes(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    old = ln.Artifact(write(tmp_path / "old.csv", "a\n1\n"), version="1", description="test").save()
    new = ln.Artifact(write(tmp_path / "new.csv", "a\n2\n"), description="test").save()
    former_path = Path(new.path.path)
    new.add_to_version_family(old)
    assert new.uid == old.stem_uid + "0001"
    assert new.version == "2"
    assert not former_path.exists()
    assert ln.Artifact.get(new.uid).load().iloc[0, 0] == 2
    assert [a.is_latest for a in ln.Artifact.get(old.uid).versions] == [False, True]


def test_transform_versions(instance: ModuleType) -> None:
    ln = instance
    v1 = ln.Transform(name="QC", key="qc.py", type="script", version="1").save()
    assert len(v1.uid) == 16 and v1.uid.endswith("0000")
    v2 = ln.Transform(is_new_version_of=v1).save()
    assert (v2.uid, v2.name, v2.key, v2.type, v2.version) == (
        v1.stem_uid + "0001",
        "QC",
        "qc.py",
        "script",
        "2",
    )
    assert [t.is_latest for t in v2.versions] == [False, True]


def test_a_family_of_a_thousand_sorts_by_version(instance: ModuleType) -> None:
    """Suffixes past '0009' ('000A' = 10, '000a' = 36, '0010' = 62) sort as numbers."""
    from lineagedb.models.versioning import format_suffix

    ln = instance
    first = ln.Transform(name="big family").save()
    stem = first.stem_uid
    members = [
        ln.Transform(uid=stem + format_suffix(n), name="big family", version=str(n + 1))
        for n in range(1, 999)
    ]
    for member in members:
        member.is_latest = False
    ln.save(members)
    first.refresh_from_db()
    newest = ln.Transform(name="big family", is_new_version_of=first).save()
    assert newest.uid == stem + format_suffix(999)
    assert newest.version == "1000"
    versions = list(newest.versions)
    assert [int(t.version or "1") for t in versions] == list(range(1, 1001))
    assert [t.uid for t in versions] == sorted(t.uid for t in versions)
    latest = ln.Transform.filter(uid__startswith=stem).latest_version()
    assert [t.uid for t in latest] == [newest.uid]
    # Trashing or deleting the newest moves is_latest to the next one down.
    newest.delete()
    assert ln.Transform.filter(uid__startswith=stem, is_latest=True).one().version == "999"
