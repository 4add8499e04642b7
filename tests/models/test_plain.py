"""Records read by the plain-SQL lookups are the records the ORM reads, field for field."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from lineagedb.models import _plain


def _fields(record: Any) -> dict[str, Any]:
    return {f.attname: getattr(record, f.attname) for f in type(record)._meta.concrete_fields}


def test_first_builds_the_record_the_orm_builds(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    path = tmp_path / "a.csv"
    path.write_text("a\n1\n")
    artifact = ln.Artifact(str(path), key="a.csv", description="plain").save()
    ln.Feature(name="params", dtype="dict").save()
    artifact.features.add_values({"params": {"lr": 0.1, "layers": [1, 2]}})
    value = ln.models.FeatureValue.objects.get()

    found = _plain.first(ln.Artifact, ("-is_latest", "-id"), key="a.csv", visibility=1)
    assert found is not None and not found._state.adding
    assert _fields(found) == _fields(ln.Artifact.objects.get(pk=artifact.pk))
    assert found.created_at.tzinfo is not None  # aware, as Django gives it on SQLite too
    # A JSON field is decoded as the ORM decodes it.
    assert _fields(_plain.first(ln.models.FeatureValue, id=value.pk)) == _fields(value)
    assert _plain.first(ln.models.FeatureValue, id=value.pk).value == {"lr": 0.1, "layers": [1, 2]}
    assert _plain.first(ln.Artifact, key="no such key") is None
