"""Tables opened lazily (#32 item 5): artifact.open() and Collection.open() give a pyarrow
dataset or a polars LazyFrame whose filters read only the row groups they need, locally
and from a bucket; opening is a run input."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from servers import CountingProxy

from lineagedb.errors import InvalidArgument, MixedSuffixes

ROWS, GROUPS = 1_000_000, 100


def bytes_read() -> int:
    """What this process has read so far (files and sockets): /proc/self/io's rchar."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


def sorted_parquet(path: Path) -> Path:
    """1,000,000 rows in 100 row groups, ``x`` ascending: a filter on x selects few groups."""
    rng = np.random.default_rng(0)
    table = pa.table({"x": np.arange(ROWS), "value": rng.random(ROWS)})
    pq.write_table(table, path, row_group_size=ROWS // GROUPS, compression="none")
    return path


def test_open_reads_only_the_row_groups_a_filter_needs(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    artifact = ln.Artifact(sorted_parquet(tmp_path / "big.parquet"), key="big.parquet").save()
    size = artifact.size
    before = bytes_read()
    dataset = artifact.open()
    assert isinstance(dataset, ds.Dataset)
    table = dataset.to_table(columns=["value"], filter=ds.field("x") < ROWS // 100)  # 1 %
    read = bytes_read() - before
    assert table.num_rows == ROWS // 100 and table.column_names == ["value"]
    assert read < 0.05 * size, f"read {read} of {size} bytes"  # one group's column, a footer


def test_tables_of_each_format_and_polars(instance: ModuleType, tmp_path: Path) -> None:
    import polars as pl

    ln = instance
    frame = pd.DataFrame({"gene": ["CD3E", "MS4A1", "CD14"], "n": [3, 5, 7]})
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.to_csv(tmp_path / "t.tsv", sep="\t", index=False)
    feather.write_feather(pa.Table.from_pandas(frame), tmp_path / "t.arrow")
    for name in ("t.csv", "t.tsv", "t.arrow"):
        artifact = ln.Artifact(tmp_path / name, key=name).save()
        found = artifact.open().to_table(filter=ds.field("n") > 4).column("gene").to_pylist()
        assert found == ["MS4A1", "CD14"], name
    parquet = ln.Artifact.from_df(frame, key="t.parquet").save()
    lazy = parquet.open(engine="polars")
    assert isinstance(lazy, pl.LazyFrame)
    assert lazy.filter(pl.col("n") > 4).select("gene").collect()["gene"].to_list() == [
        "MS4A1",
        "CD14",
    ]
    with pytest.raises(InvalidArgument, match="engine='duckdb' is not one of 'pyarrow', 'polars'"):
        parquet.open(engine="duckdb")
    with pytest.raises(InvalidArgument, match=r"open\(\) reads stored data"):
        parquet.open(mode="w")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InvalidArgument, match=r"suffix '\.txt'"):
        ln.Artifact(tmp_path / "notes.txt", key="notes.txt").save().open()


def test_duckdb_queries_the_dataset(instance: ModuleType) -> None:
    import duckdb

    ln = instance
    frame = pd.DataFrame({"gene": ["CD3E", "MS4A1", "CD14"], "n": [3, 5, 7]})
    cells = ln.Artifact.from_df(frame, key="cells.parquet").save().open()  # noqa: F841
    assert duckdb.sql("SELECT sum(n) AS total FROM cells WHERE n > 4").fetchall() == [(12,)]


def test_collection_open_is_one_dataset_and_a_run_input(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    parts = []
    for i in range(3):
        frame = pd.DataFrame({"sample": [f"s{i}"] * 4, "value": np.arange(4) + 10 * i})
        parts.append(ln.Artifact.from_df(frame, key=f"parts/{i}.parquet").save())
    folder = tmp_path / "more"
    folder.mkdir()
    pq.write_table(pa.table({"sample": ["s9"], "value": [99]}), folder / "a.parquet")
    parts.append(ln.Artifact(folder, key="more").save())  # a folder of parquet
    collection = ln.Collection(parts, name="parts").save()
    run = ln.track(transform=ln.Transform(name="Summarize", type="pipeline").save())
    dataset = collection.open()
    assert dataset.count_rows() == 13
    high = dataset.to_table(filter=ds.field("value") >= 20).column("sample").to_pylist()
    assert high == ["s2", "s2", "s2", "s2", "s9"]
    assert list(ln.Run.get(id=run.id).input_collections.all()) == [collection]
    parts[0].open()
    assert list(ln.Run.get(id=run.id).input_artifacts.all()) == [parts[0]]
    ln.finish()
    (tmp_path / "x.csv").write_text("a\n1\n")
    mixed = ln.Collection([parts[0], ln.Artifact(tmp_path / "x.csv", key="x.csv").save()], name="m")
    with pytest.raises(MixedSuffixes, match=r"'\.csv', '\.parquet'"):
        mixed.save().open()


@pytest.fixture
def counted_s3(moto_endpoint: str) -> Iterator[CountingProxy]:
    """The suite's S3 (moto) behind a relay that counts the bytes it sends back."""
    proxy = CountingProxy(moto_endpoint)
    yield proxy
    proxy.close()


def test_open_in_a_bucket_reads_ranges_not_the_object(
    counted_s3: CountingProxy, tmp_path: Path
) -> None:
    import s3fs

    import lineagedb as ln
    from lineagedb.setup._django import disconnect

    options = {"endpoint_url": counted_s3.endpoint, "key": "testing", "secret": "testing"}
    bucket = f"lazy-tables-{uuid.uuid4().hex[:8]}"
    s3fs.S3FileSystem(**options).mkdir(bucket)
    ln.setup.init(storage=f"s3://{bucket}", storage_options=options)
    try:
        path = sorted_parquet(tmp_path / "big.parquet")
        artifact = ln.Artifact(path, key="big.parquet").save()  # uploaded
        before = counted_s3.received  # from here on: what the bucket sends
        table = artifact.open().to_table(columns=["value"], filter=ds.field("x") < ROWS // 100)
        read = counted_s3.received - before
        assert table.num_rows == ROWS // 100
        assert read < 0.05 * artifact.size, f"read {read} of {artifact.size} bytes"
        collection = ln.Collection([artifact], name="remote").save()
        assert collection.open(engine="polars").select("x").max().collect().item() == ROWS - 1
    finally:
        disconnect()
