"""search(): ranking bands, typo tolerance, fields, hostile input — same on both databases."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from lineagedb.errors import InvalidArgument


@pytest.fixture
def vocabulary(instance: ModuleType, tmp_path: Path) -> dict[str, str]:
    ln = instance
    descriptions = {
        "meta.csv": "iris metadata",
        "metadata_table.csv": "all samples",
        "study0/meta.csv": "study zero",
        "premeta.txt": "prefix and suffix",
        "b_cell_counts.csv": "B cell counts",
        "collection.txt": "a colection of notes",
    }
    uids = {}
    for index, (key, description) in enumerate(descriptions.items()):
        path = tmp_path / "inputs" / str(index) / key.rsplit("/", 1)[-1]
        path.parent.mkdir(parents=True)
        path.write_text(key)
        uids[key] = ln.Artifact(path, key=key, description=description).save().uid
    return uids


def test_ranking_bands(instance: ModuleType, vocabulary: dict[str, str]) -> None:
    ln = instance
    result = ln.Artifact.search("meta.csv")
    keys = list(result["key"])
    assert keys[0] == "meta.csv" and result["score"].iloc[0] == 100.0  # exact
    assert keys[1] == "study0/meta.csv" and 80 <= result["score"].iloc[1] < 100  # whole word
    scores = ln.Artifact.search("meta").set_index("key")["score"]
    assert scores["meta.csv"] > scores["metadata_table.csv"] > scores["premeta.txt"]
    assert 70 <= scores["metadata_table.csv"] < 80  # prefix
    assert 50 <= scores["premeta.txt"] < 70  # substring
    assert list(result.columns) == ["key", "description", "suffix", "score"]
    assert result.index.name == "uid" and result.index[0] == vocabulary["meta.csv"]


def test_one_typo_still_finds(instance: ModuleType, vocabulary: dict[str, str]) -> None:
    ln = instance
    assert "meta.csv" in list(ln.Artifact.search("metta")["key"])[:3]
    assert "collection.txt" in list(ln.Artifact.search("colection")["key"])[:3]
    top = ln.Artifact.search("b cell").iloc[0]
    assert top["key"] == "b_cell_counts.csv"


def test_fields_limit_and_queryset(instance: ModuleType, vocabulary: dict[str, str]) -> None:
    ln = instance
    by_description = ln.Artifact.search("samples", field="description")
    assert list(by_description.index) == [vocabulary["metadata_table.csv"]]
    assert list(ln.Artifact.search("zero", field=["description"]).columns) == [
        "description",
        "score",
    ]
    assert len(ln.Artifact.search("meta", limit=2)) == 2
    queryset = ln.Artifact.search("meta", return_queryset=True)
    assert [a.key for a in queryset][:2] == ["meta.csv", "study0/meta.csv"]
    chained = ln.Artifact.filter(suffix=".txt").search("meta")
    assert list(chained["key"]) == ["premeta.txt"]
    users = ln.User.search("anonymus", field=ln.User.handle)
    assert list(users["handle"]) == ["anonymous"]
    with pytest.raises(InvalidArgument, match=r"Artifact cannot search 'size'"):
        ln.Artifact.search("x", field="size")


def test_trashed_records_are_not_found(instance: ModuleType, vocabulary: dict[str, str]) -> None:
    ln = instance
    ln.Artifact.get(vocabulary["meta.csv"]).delete()
    assert "meta.csv" not in list(ln.Artifact.search("meta")["key"])


def test_updates_reach_the_index(instance: ModuleType, vocabulary: dict[str, str]) -> None:
    ln = instance
    artifact = ln.Artifact.get(vocabulary["premeta.txt"])
    artifact.description = "zebrafish embryos"
    artifact.save()
    assert list(ln.Artifact.search("zebrafish")["key"]) == ["premeta.txt"]
    artifact.delete(permanent=True)
    assert ln.Artifact.search("zebrafish").empty


@pytest.mark.parametrize(
    "string",
    ["'; DROP TABLE lineagedb_artifact; --", "%", "_", '"', "''", "é✓🧬", "", "   ", "x" * 10_000,
     "AND OR NOT", "{key} : meta", "*", "NEAR(a b)"],
)  # fmt: skip
def test_hostile_strings_never_error(
    instance: ModuleType, vocabulary: dict[str, str], string: str
) -> None:
    ln = instance
    result = ln.Artifact.search(string)
    assert list(result.columns) == ["key", "description", "suffix", "score"]
    assert ln.Artifact.filter().count() == len(vocabulary)


def test_text_in_thousands_of_records_gives_the_newest(
    instance: ModuleType, vocabulary: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import lineagedb.models.query.dialects

    ln = instance
    if ln.setup.settings.instance.dialect != "sqlite":
        pytest.skip("PostgreSQL takes the first matches its GIN index yields")
    # At a million records "thousands" is 5,000; here 2 stands for it.
    monkeypatch.setattr(lineagedb.models.query.dialects, "_SCAN_LIMIT", 2)
    monkeypatch.setattr(lineagedb.models.query.dialects, "CANDIDATES", 2)
    result = ln.Artifact.search("meta", limit=2)
    newest = [vocabulary["premeta.txt"], vocabulary["study0/meta.csv"]]
    assert sorted(result.index) == sorted(newest)


def test_typos_in_common_words_are_found_too(
    instance: ModuleType, vocabulary: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import lineagedb.models.query.dialects

    ln = instance
    # Make every trigram and piece "common", as at a million records: SQLite then takes
    # the newest holders unranked, PostgreSQL reads holders in table order.
    monkeypatch.setattr(lineagedb.models.query.dialects, "_SCAN_LIMIT", 1)
    monkeypatch.setattr(lineagedb.models.query.dialects, "_SAMPLE_HITS", 1)
    assert "meta.csv" in list(ln.Artifact.search("metta")["key"])[:3]
    assert "collection.txt" in list(ln.Artifact.search("colection")["key"])[:3]
