"""Typed records and sheets (#32 item 3), and features restricted to a type (item 2)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from lineagedb.errors import InvalidArgument, ValidationError


@pytest.fixture
def sample(instance: ModuleType) -> object:
    """A Sample type whose schema has a donor (a record), a tissue (text), a count, a date
    and a cell type (a label of type CellType)."""
    ln = instance
    donor = ln.Record(name="Donor", is_type=True).save()
    for name in ("D1", "D2"):
        ln.Record(name=name, type=donor).save()
    cell_type = ln.ULabel(name="CellType", is_type=True).save()
    for name in ("T cell", "B cell"):
        ln.ULabel(name=name, type=cell_type).save()
    ln.ULabel(name="study0").save()  # a label, but of no type
    features = [
        ln.Feature(name="donor", dtype="cat[Record[Donor]]").save(),
        ln.Feature(name="tissue", dtype="str").save(),
        ln.Feature(name="n_cells", dtype="int").save(),
        ln.Feature(name="collected", dtype="date").save(),
        ln.Feature(name="cell_type", dtype="cat[ULabel[CellType]]").save(),
    ]
    schema = ln.Schema(features, name="sample sheet").save()
    return ln.Record(name="Sample", is_type=True, schema=schema).save()


def test_a_sheet_round_trips_and_bad_cells_write_nothing(
    instance: ModuleType, sample: object
) -> None:
    ln = instance
    sheet = pd.DataFrame(
        {
            "name": ["S1", "S2", "S3"],
            "donor": ["D1", "D2", "D1"],
            "tissue": ["liver", "lung", None],  # a missing value: no value
            "n_cells": [1200, 800, 950],
            "collected": ["2024-05-01", "2024-05-02", "2024-05-03"],
            "cell_type": ["T cell", "B cell", "T cell"],
        }
    )
    records = ln.Record.from_dataframe(sheet, type=sample).save()
    assert [r.name for r in records] == ["S1", "S2", "S3"]
    back = sample.to_dataframe()
    assert list(back.index) == ["S1", "S2", "S3"]
    assert list(back.columns) == ["donor", "tissue", "n_cells", "collected", "cell_type"]
    assert back.loc["S2"].tolist() == ["D2", "lung", 800, "2024-05-02", "B cell"]
    assert back.loc["S3", "tissue"] is None
    s1 = ln.Record.get(name="S1", type=sample)
    assert s1.features.get_values() == {
        "cell_type": "T cell",
        "collected": "2024-05-01",
        "donor": "D1",
        "n_cells": 1200,
        "tissue": "liver",
    }
    s1.features.add_values({"n_cells": 1300})  # replaces
    assert s1.features.get_values()["n_cells"] == 1300
    bad = pd.DataFrame(
        {
            "name": ["S4", "S5", "S6"],
            "donor": ["D1", "D9", "D2"],  # no donor D9
            "n_cells": [10, "many", 30],  # not a number
            "cell_type": ["T cell", "T cell", "study0"],  # study0 is no CellType
        }
    )
    with pytest.raises(InvalidArgument) as error:
        ln.Record.from_dataframe(bad, type=sample)
    message = str(error.value)
    assert message.startswith("3 values cannot be stored; nothing was written:")
    assert "row 'S5', column 'donor': no Record of type 'Donor' is named 'D9'" in message
    assert "row 'S5', column 'n_cells': Feature 'n_cells' has type 'number'" in message
    assert "row 'S6', column 'cell_type': no ULabel of type 'CellType' is named 'study0'" in message
    assert sample.records.count() == 3  # nothing written
    with pytest.raises(InvalidArgument, match=r"taken already \['S1'\]"):
        ln.Record.from_dataframe(pd.DataFrame({"name": ["S1"], "n_cells": [1]}), type=sample)
    with pytest.raises(InvalidArgument, match=r"Columns \['colour'\] are not features"):
        ln.Record.from_dataframe(pd.DataFrame({"name": ["S9"], "colour": ["red"]}), type=sample)
    assert ln.Record.filter(type=sample).count() == 3
    table = ln.Record.to_dataframe()  # the registry's table, as for every registry
    assert {"S1", "Sample", "Donor"} <= set(table["name"])


def test_artifacts_link_records_through_a_feature(
    instance: ModuleType, sample: object, tmp_path: Path
) -> None:
    ln = instance
    ln.Record.from_dataframe(pd.DataFrame({"name": ["S1", "S2"]}), type=sample).save()
    other = ln.Record(name="Other", is_type=True).save()
    ln.Record(name="S1", type=other).save()  # the same name in another type
    ln.Feature(name="sample", dtype="cat[Record[Sample]]").save()
    (tmp_path / "a.csv").write_text("a\n1\n")
    artifact = ln.Artifact(tmp_path / "a.csv", key="a.csv").save()
    artifact.features.add_values({"sample": "S1"})
    assert artifact.features.get_values()["sample"] == "S1"
    linked = artifact.records.get()
    assert linked.type == sample  # S1 of Sample, not of Other
    assert list(ln.Artifact.filter(sample="S1")) == [artifact]
    assert list(ln.Artifact.filter(sample__name="S1")) == [artifact]
    assert ln.Artifact.filter(sample="S2").count() == 0
    with pytest.raises(InvalidArgument, match="No Record of type 'Sample' has name"):
        artifact.features.add_values({"sample": "S7"})
    with pytest.raises(InvalidArgument, match="of type 'CellType'"):
        artifact.features.add_values({"cell_type": "study0"})
    artifact.features.add_values({"cell_type": "T cell"})
    assert list(ln.Artifact.filter(cell_type="T cell")) == [artifact]
    with pytest.raises(InvalidArgument, match=r"Record .S1. is in use \(1 artifact labels\)"):
        linked.delete()  # an artifact links it: kept


def test_a_curator_validates_a_typed_column_against_that_type_only(
    instance: ModuleType,
) -> None:
    ln = instance
    cell_type = ln.ULabel(name="CellType", is_type=True).save()
    ln.ULabel(name="T cell", type=cell_type).save()
    ln.ULabel(name="liver").save()  # a label, of no type
    feature = ln.Feature(name="cell_type", dtype="cat[ULabel[CellType]]").save()
    schema = ln.Schema([feature], name="cells").save()
    df = pd.DataFrame({"cell_type": ["T cell", "liver", "B cell"]})
    curator = ln.curators.DataFrameCurator(df, schema)
    # "liver" is a label, but of no type: not a cell type.
    with pytest.raises(
        ValidationError, match="not in ULabel of type 'CellType': 'liver', 'B cell'"
    ):
        curator.validate()
    curator.add_new_from("cell_type")
    assert ln.ULabel.get(name="B cell").type == cell_type  # new labels get the type


def test_a_type_record_is_a_dtype_as_in_lamindb(instance: ModuleType) -> None:
    ln = instance
    sample = ln.Record(name="Sample", is_type=True).save()
    cell_type = ln.ULabel(name="CellType", is_type=True).save()
    assert ln.Feature(name="sample", dtype=sample).save().registries == "core.Record[Sample]"
    by_uid = ln.Feature(name="cells", dtype=f"cat[ULabel[{cell_type.uid}]]").save()
    assert by_uid.registries == "core.ULabel[CellType]"


def test_a_feature_records_use_is_kept(instance: ModuleType) -> None:
    from lineagedb.errors import InUse

    ln = instance
    tissue = ln.Feature(name="tissue", dtype="str").save()
    s1 = ln.Record(name="S1").save()
    s1.features.add_values({"tissue": "liver"})
    with pytest.raises(InUse, match=r"\(1 record values\)"):
        tissue.delete()
    s1.features.remove_values(tissue)
    tissue.delete()
    assert ln.Feature.filter(name="tissue").count() == 0
