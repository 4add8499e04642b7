"""validate / inspect / standardize / from_values, synonyms: on registries and QuerySets."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def species(instance: ModuleType) -> ModuleType:
    ln = instance
    ln.save([ln.ULabel(name=name) for name in ("setosa", "versicolor", "virginica", "rose")])
    flowers = ln.ULabel(name="is_iris").save()
    flowers.children.set(ln.ULabel.filter(name__in=["setosa", "versicolor", "virginica"]))
    return ln


EMPTY = [None, "", "  ", float("nan"), np.nan, pd.NA]


def test_validate_is_exact_and_skips_empty_values(species: ModuleType) -> None:
    ln = species
    values = ["setosa", "Setosa", "tulip", *EMPTY, "setosa"]
    result = ln.ULabel.validate(values, field="name")
    assert result.tolist() == [True, False, False, *[False] * len(EMPTY), True]
    assert ln.ULabel.validate("setosa") is True
    assert ln.ULabel.validate(pd.Series(["virginica", None])).tolist() == [True, False]
    assert ln.ULabel.validate(["setosa"], field=ln.ULabel.name).tolist() == [True]
    iris = ln.ULabel.filter(parents__name="is_iris")
    assert iris.validate(["setosa", "rose"]).tolist() == [True, False]  # restricted
    with pytest.raises(ValueError, match="has no field 'colour'"):
        ln.ULabel.validate(["x"], field="colour")


def test_inspect_reports_synonyms_and_case_variants_separately(
    instance: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    ln = instance
    temperature = ln.Feature(name="temperature", type="number").save()
    temperature.add_synonym(["temp", "T"])
    ln.Feature(name="donor", type="category").save()
    result = ln.Feature.inspect(["temperature", "temp", "Donor", "weight", None, "temp"])
    assert result.validated == ["temperature"]
    assert result["non_validated"] == ["temp", "Donor", "weight"]
    assert result.synonyms_mapper == {"temp": "temperature"}
    assert result.case_mapper == {"Donor": "donor"}
    assert (result.n_empty, result.n_unique) == (1, 4)
    assert result.frac_validated == 25.0
    assert result.df.loc["temp", "standardized"] == "temperature"
    assert "→ standardize via .standardize()" in caplog.text
    assert "'weight'" in caplog.text and "→ create records" in caplog.text
    assert ln.Feature.validate(["temp"]).tolist() == [False]  # a synonym is not valid


def test_standardize_maps_synonyms_and_case_and_names_leftovers(
    instance: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    ln = instance
    temperature = ln.Feature(name="temperature", type="number").save()
    temperature.add_synonym("temp")
    assert ln.Feature.standardize(["temp", "Temperature", "weight", None]) == [
        "temperature",
        "temperature",
        "weight",
        None,
    ]
    assert "not standardized (nothing matches): 'weight'" in caplog.text
    assert ln.Feature.standardize(["Temperature"], case_sensitive=True) == ["Temperature"]
    assert ln.Feature.standardize(["temp"], return_mapper=True) == {"temp": "temperature"}
    assert ln.Feature.standardize("temp", return_field="uid") == temperature.uid
    assert ln.Feature.from_values(["temp", "nothing"]) == [temperature]


def test_synonyms_are_checked_before_anything_is_saved(instance: ModuleType) -> None:
    ln = instance
    first = ln.Feature(name="temperature", type="number").save()
    second = ln.Feature(name="heat", type="number").save()
    first.add_synonym("temp")
    with pytest.raises(ValueError, match=r"without '\|'"):
        second.add_synonym("a|b")
    with pytest.raises(ValueError, match=r"belong to another Feature"):
        second.add_synonym("temp")
    second.refresh_from_db()
    assert second.synonyms is None
    second.add_synonym("temp", force=True)
    assert ln.Feature.get(name="heat").synonyms == "temp"
    first.remove_synonym("temp")
    assert ln.Feature.get(name="temperature").synonyms is None
    with pytest.raises(ValueError, match="no synonyms field"):
        ln.ULabel(name="x").save().add_synonym("y")
    first.set_abbr("T")  # no abbreviation field: nothing set (LaminDB 0.70 ignores it)
    assert ln.Feature.get(name="temperature").synonyms is None


def test_users_validate_by_handle(instance: ModuleType) -> None:
    ln = instance
    assert ln.User.validate(["anonymous", "jdoe"]).tolist() == [True, False]


def test_validating_many_values_sends_few_queries(species: ModuleType) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ln = species
    values = [f"value_{i % 20_000}" for i in range(100_000)] + ["setosa"]
    with CaptureQueriesContext(connection) as queries:
        result = ln.ULabel.validate(values, mute=True)
    assert result.sum() == 1
    assert len(queries) <= 3  # 20,001 distinct values: chunks of 10,000, not one per value
    with CaptureQueriesContext(connection) as queries:
        ln.ULabel.inspect(values, mute=True)
    assert len(queries) <= 8
