"""Save → query returns every field as it was saved."""

from __future__ import annotations

import itertools
from pathlib import Path
from types import ModuleType

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lineagedb.storage.paths import suffix_of

_counter = itertools.count()

texts = st.text(
    st.characters(blacklist_characters="\x00", blacklist_categories=["Cs"]), max_size=40
)
keys = st.from_regex(r"[A-Za-z0-9_-]{1,12}(/[A-Za-z0-9_.-]{1,12}){0,3}\.[a-z]{1,4}", fullmatch=True)


@given(
    content=st.binary(max_size=300),
    description=st.none() | texts,
    version=st.none() | texts.filter(lambda v: len(v) <= 30),
    key=st.none() | keys.filter(lambda k: ".." not in k and "/./" not in k),
)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_artifact_fields_round_trip(
    instance: ModuleType,
    tmp_path: Path,
    content: bytes,
    description: str | None,
    version: str | None,
    key: str | None,
) -> None:
    ln = instance
    number = next(_counter)
    # A key ends in its file's suffix (Artifact refuses others).
    path = tmp_path / "inputs" / f"{number}{suffix_of(key) if key else '.bin'}"
    if key is not None:  # one key per example: a key used before would make a new version
        key = f"{number}/{key}"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content + path.name.encode())  # unique content: no dedupe
    if key is None and not description:
        description = "round trip"  # copied data needs a key or a description
    artifact = ln.Artifact(path, key=key, description=description, version=version).save()
    fields = [field.attname for field in ln.Artifact._meta.concrete_fields]
    loaded = ln.Artifact.get(artifact.uid)
    assert {f: getattr(loaded, f) for f in fields} == {f: getattr(artifact, f) for f in fields}
    row = ln.Artifact.filter(uid=artifact.uid).df().iloc[0]
    assert (row["key"], row["description"], row["version"], row["hash"]) == (
        key,
        description,
        version,
        artifact.hash,
    )
    assert Path(loaded.path.path).read_bytes() == path.read_bytes()


def test_text_no_database_can_store_is_refused(instance: ModuleType, tmp_path: Path) -> None:
    import pytest

    from lineagedb.errors import InvalidArgument

    ln = instance
    path = tmp_path / "x.txt"
    path.write_text("x")
    for bad in ("a\x00b", "\ud800"):
        with pytest.raises(InvalidArgument, match=r"Artifact.description .* contains"):
            ln.Artifact(path, description=bad).save()
    assert ln.Artifact.filter(visibility=None).count() == 0
    assert not list((tmp_path / "data" / ".lineagedb").glob("*.txt"))
