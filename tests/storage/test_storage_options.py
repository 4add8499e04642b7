"""Per-bucket storage options, and a GCS bucket (emulator) reached through them."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from types import ModuleType

import pytest
from servers import GCS

from lineagedb._base import config as _storage_options
from lineagedb.errors import InvalidArgument, PathNotFound
from lineagedb.storage.hashing import hash_bytes


def test_options_are_kept_per_bucket_for_this_user_only(lineagedb_home: Path) -> None:
    import lineagedb as ln

    ln.setup.set_storage_options("s3://lab-bucket/", {"endpoint_url": "http://127.0.0.1:9"})
    ln.setup.set_storage_options("gs://other", {"project": "p"})
    path = lineagedb_home / "storage_options.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # may hold secrets
    assert json.loads(path.read_text())["s3://lab-bucket"] == {"endpoint_url": "http://127.0.0.1:9"}
    _storage_options._loaded = None  # as a new process would read it
    assert _storage_options.storage_options("s3://lab-bucket/a/b.csv") == {
        "endpoint_url": "http://127.0.0.1:9"
    }
    assert _storage_options.storage_options("s3://lab-bucket-2/a.csv") == {}
    assert _storage_options.storage_options("/local/a.csv") == {}
    ln.setup.set_storage_options("s3://lab-bucket", None)
    assert _storage_options.storage_options("s3://lab-bucket/a.csv") == {}
    assert _storage_options.storage_options("gs://other/x") == {"project": "p"}


@pytest.mark.parametrize(
    ("root", "options", "message"),
    [
        ("/data/local", {}, "local path"),
        ("s3://bucket", "endpoint_url=x", "must be a dict"),
        ("s3://bucket", {"when": object()}, "must be JSON values"),
    ],
)
def test_bad_options_are_refused_and_write_nothing(
    lineagedb_home: Path, root: str, options: object, message: str
) -> None:
    import lineagedb as ln

    with pytest.raises(InvalidArgument, match=message):
        ln.setup.set_storage_options(root, options)  # type: ignore[arg-type]
    assert not (lineagedb_home / "storage_options.json").exists()


def test_failed_init_forgets_the_options_it_was_given(gcs: GCS, lineagedb_home: Path) -> None:
    import lineagedb as ln

    with pytest.raises(PathNotFound, match="Bucket 'gs://lineagedb-nowhere' does not exist"):
        ln.setup.init(storage="gs://lineagedb-nowhere", storage_options=gcs.options)
    assert _storage_options.storage_options("gs://lineagedb-nowhere") == {}
    assert not (lineagedb_home / "instances" / "lineagedb-nowhere.json").exists()


def test_gcs_objects_registered_in_place_with_md5_from_metadata(
    instance: ModuleType, gcs: GCS, tmp_path: Path
) -> None:
    ln = instance
    bucket = gcs.bucket()
    ln.setup.set_storage_options(bucket, gcs.options)
    studies = ln.datasets.iris_studies(tmp_path / "iris_studies", image_size=500)
    gcs.upload_folder(studies, f"{bucket}/iris_studies")

    meta = ln.Artifact(f"{bucket}/iris_studies/study0_raw_images/meta.csv").save()
    assert (meta.storage.root, meta.storage.type) == (bucket, "gs")
    assert (meta.key, meta.key_is_virtual) == ("iris_studies/study0_raw_images/meta.csv", False)
    local_meta = studies / "study0_raw_images" / "meta.csv"
    assert (meta.hash, meta.hash_type) == (hash_bytes(local_meta.read_bytes()), "md5")
    assert meta.load(index_col=0).shape == (50, 1)
    assert Path(meta.cache().path).is_relative_to(Path(os.environ["LINEAGEDB_CACHE_DIR"]))

    folder = ln.Artifact(f"{bucket}/iris_studies/study1_raw_images").save()
    assert (folder.hash_type, folder.n_objects) == ("md5-d", 49)
    assert (
        folder.hash == ln.Artifact(studies / "study1_raw_images", description="test").hash
    )  # same bytes
    assert ln.Artifact.filter(key__startswith="iris_studies/").count() == 2

    with pytest.raises(PathNotFound, match=rf"Path '{bucket}/nope.csv' does not exist"):
        ln.Artifact(f"{bucket}/nope.csv")
    ln.setup.set_storage_options("gs://lineagedb-no-such-bucket", gcs.options)
    with pytest.raises(PathNotFound, match=r"Bucket 'gs://lineagedb-no-such-bucket' does not"):
        ln.Artifact("gs://lineagedb-no-such-bucket/x.csv")
    assert ln.Artifact.filter().count() == 2
