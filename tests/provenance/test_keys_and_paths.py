"""A key names a version family; a file registered in place is its own artifact (issue 20)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from lineagedb.cli import main


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_new_content_under_a_key_is_the_next_version(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    first = ln.Artifact(write(tmp_path / "v1.csv", "a\n1\n"), key="counts.csv").save()
    second = ln.Artifact(write(tmp_path / "v2.csv", "a\n2\n"), key="counts.csv").save()
    assert second.stem_uid == first.stem_uid and second.uid != first.uid
    first.refresh_from_db()
    assert (first.version, second.version) == ("1", "2")
    assert second.is_latest and not first.is_latest
    assert ln.Artifact.get(key="counts.csv") == second
    assert ln.Artifact.filter(key="counts.csv").one() == second
    assert ln.Artifact.filter(key="counts.csv").count() == 2
    assert ln.Artifact.lookup().counts_csv == second
    # The same content again under the key is the record that has it.
    again = ln.Artifact(write(tmp_path / "v2b.csv", "a\n2\n"), key="counts.csv")
    assert again == second and not again._state.adding
    # Unrelated keys stay unrelated; revises= stays explicit.
    other = ln.Artifact(write(tmp_path / "o.csv", "o\n"), key="other.csv").save()
    assert other.stem_uid != first.stem_uid
    explicit = ln.Artifact(write(tmp_path / "e.csv", "e\n"), key="x.csv", revises=other).save()
    assert explicit.stem_uid == other.stem_uid


def test_a_key_whose_versions_are_free_text_still_takes_new_content(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    first = ln.Artifact(write(tmp_path / "a.txt", "1"), key="notes.txt", version="final").save()
    second = ln.Artifact(write(tmp_path / "b.txt", "2"), key="notes.txt").save()
    assert second.stem_uid == first.stem_uid and second.version is None
    assert ln.Artifact.get(key="notes.txt") == second
    with pytest.raises(ln.errors.InvalidArgument, match="not a whole number"):
        ln.Artifact(write(tmp_path / "c.txt", "3"), revises=first)  # asked for: said so


def test_dataframes_under_a_key_version_too(instance: ModuleType) -> None:
    import pandas as pd

    ln = instance
    first = ln.Artifact.from_df(pd.DataFrame({"a": [1]}), key="t.parquet", description="t").save()
    second = ln.Artifact.from_df(pd.DataFrame({"a": [2]}), key="t.parquet").save()
    assert second.stem_uid == first.stem_uid and second.description == "t"
    assert ln.Artifact.get(key="t.parquet").load()["a"].tolist() == [2]


def test_a_path_is_its_own_artifact_whatever_its_content(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    run1 = write(tmp_path / "data" / "run1" / "samples.csv", "s\n1\n")
    run2 = write(tmp_path / "data" / "run2" / "samples.csv", "s\n1\n")
    a1 = ln.Artifact(run1, description="run 1").save()
    a2 = ln.Artifact(run2, description="run 2").save()
    assert a1 != a2 and a2.key == "run2/samples.csv" and a2.description == "run 2"
    assert ln.Artifact(run1) == a1  # the same path, the same bytes: the same record
    # Copies into managed storage are still stored once.
    outside = write(tmp_path / "elsewhere.csv", "s\n1\n")
    assert ln.Artifact(outside, description="copy") == a1


def test_a_changed_file_in_place_becomes_a_new_version_and_says_so(
    instance: ModuleType, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ln = instance
    path = write(tmp_path / "data" / "tables" / "counts.csv", "a\n1\n")
    old = ln.Artifact(path).save()
    path.write_text("a\n1\n2\n")
    new = ln.Artifact(path)
    assert "changed since it was registered as artifact" in caplog.text
    assert "verify() fails" in caplog.text
    new.save()
    old.refresh_from_db()
    assert new.stem_uid == old.stem_uid and new.is_latest and not old.is_latest
    assert new.key == old.key == "tables/counts.csv"
    assert ln.Artifact.get(key="tables/counts.csv") == new
    with pytest.raises(ln.errors.StorageMismatch):
        old.verify()


def test_cli_save_versions_by_key_and_revises(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance

    def save(*args: str) -> list[str]:
        result = CliRunner().invoke(main, ["save", *args])
        assert result.exit_code == 0, result.stderr
        return result.stdout.strip().split("\t")

    uid1, _, _ = save(str(write(tmp_path / "a.csv", "1\n")), "--key", "k.csv")
    uid2, _, _ = save(str(write(tmp_path / "b.csv", "2\n")), "--key", "k.csv")
    assert uid2[:16] == uid1[:16] and uid2 != uid1
    uid3, key, _ = save(str(write(tmp_path / "c.csv", "3\n")), "--revises", uid1[:16])
    assert uid3[:16] == uid1[:16] and key == "k.csv"
    assert ln.Artifact.get(key="k.csv").uid == uid3
    run2 = write(tmp_path / "data" / "run2" / "s.csv", "3\n")
    uid4, key4, _ = save(str(run2), "--description", "run 2")
    assert uid4 != uid3 and key4 == "run2/s.csv"
    assert ln.Artifact.get(uid4).description == "run 2"


def test_a_record_of_another_instance_says_so(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    artifact = ln.Artifact(write(tmp_path / "a.csv", "a\n1\n"), description="a").save()
    first = ln.setup.settings.instance.name
    ln.setup.init(storage=tmp_path / "other")
    for use in (lambda: artifact.load(), lambda: artifact.delete(permanent=True)):
        with pytest.raises(ln.errors.OtherInstance, match=rf"belongs to instance '{first}'"):
            use()
    with pytest.raises(ln.errors.OtherInstance, match=r"ln.connect"):
        artifact.description = "changed"
        artifact.save()
    ln.connect(first)
    assert artifact.load()["a"].tolist() == [1]
