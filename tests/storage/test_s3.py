"""The tutorial's S3 steps: objects registered in place, hashes from ETags, cache, errors."""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

import pytest
from servers import S3

from lineagedb.errors import PathNotFound, StorageMismatch


@pytest.fixture
def bucket_with_studies(s3: S3, tmp_path: Path) -> str:
    import lineagedb as ln

    bucket = s3.bucket()
    studies = ln.datasets.iris_studies(tmp_path / "iris_studies", image_size=2000)
    s3.upload_folder(studies, f"{bucket}/iris_studies")
    return bucket


def test_tutorial_s3_steps(
    instance: ModuleType, bucket_with_studies: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ln = instance
    bucket = bucket_with_studies
    ln.UPath(f"{bucket}/iris_studies").view_tree()
    tree = capsys.readouterr().out
    assert tree.startswith(
        "iris_studies (3 sub-directories & 151 files with suffixes '.csv', '.jpg')"
    )

    artifact = ln.Artifact(f"{bucket}/iris_studies/study0_raw_images/meta.csv")
    assert f"generating a new storage location at {bucket}" in capsys.readouterr().err
    assert ln.Storage.filter(root=bucket).count() == 0  # nothing written before save()
    artifact.save()
    storage = ln.Storage.get(root=bucket)
    assert (storage.type, storage.region) == ("s3", "us-east-1")
    assert (artifact.storage, artifact.key, artifact.key_is_virtual) == (
        storage,
        "iris_studies/study0_raw_images/meta.csv",
        False,
    )
    assert (artifact.suffix, artifact.hash_type, len(artifact.hash)) == (".csv", "md5", 22)
    assert str(artifact.path) == f"{bucket}/iris_studies/study0_raw_images/meta.csv"

    cached = Path(artifact.cache().path)
    assert cached == Path(ln.settings.cache_dir) / bucket[5:] / artifact.key
    frame = artifact.load(index_col=0)
    assert frame.shape == (50, 1)  # the index column plus the species column

    folders = [
        ln.Artifact(f"{bucket}/iris_studies/{name}").save()
        for name in ("study0_raw_images", "study1_raw_images", "study2_raw_images")
    ]
    assert [f.n_objects for f in folders] == [51, 49, 51]
    assert all(f.hash_type == "md5-d" and f.storage == storage for f in folders)
    prefix = ln.Artifact.filter(key__startswith="iris_studies/study0_raw_images/")
    assert [a.uid for a in prefix] == [artifact.uid]
    assert ln.Storage.filter().count() == 2  # the instance's and the bucket


def test_same_bytes_dedupe_across_local_and_s3(
    instance: ModuleType, s3: S3, tmp_path: Path
) -> None:
    ln = instance
    local = ln.datasets.file_mini_csv(tmp_path / "local")
    bucket = s3.bucket()
    (ln.UPath(bucket) / "mini.csv").write_bytes(local.read_bytes())
    remote = ln.Artifact(f"{bucket}/mini.csv").save()
    assert (
        ln.Artifact(local, description="test").id == remote.id
    )  # same md5, whether read or from the ETag


def test_multipart_etag_and_reregistration(instance: ModuleType, s3: S3, tmp_path: Path) -> None:
    ln = instance
    bucket = s3.bucket()
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(11 * 1024 * 1024))
    target = ln.UPath(f"{bucket}/raw/big.bin")
    target.fs.put_file(str(big), target.path, chunksize=5 * 1024 * 1024)  # 3 parts
    artifact = ln.Artifact(target).save()
    assert (artifact.hash_type, artifact.size) == ("md5-3", big.stat().st_size)
    assert ln.Artifact(f"{bucket}/raw/big.bin").id == artifact.id


def test_cache_downloads_again_only_when_object_changed(
    instance: ModuleType, s3: S3, tmp_path: Path
) -> None:
    ln = instance
    bucket = s3.bucket()
    target = ln.UPath(f"{bucket}/notes.txt")
    target.write_text("first")
    artifact = ln.Artifact(target).save()
    cached = Path(artifact.cache().path)
    os.utime(cached, (0, cached.stat().st_mtime))  # reading the file doesn't count
    before = cached.stat().st_mtime_ns
    assert Path(artifact.cache().path).stat().st_mtime_ns == before  # not downloaded again
    cached.write_text("edited locally")  # a changed cache copy is replaced
    assert Path(artifact.cache().path).read_text() == "first"
    target.write_text("second, longer")  # the object changed behind the registry's back
    with pytest.raises(StorageMismatch, match=r"changed after registration"):
        artifact.cache()


def test_missing_object_and_bucket_are_clear_errors(instance: ModuleType, s3: S3) -> None:
    ln = instance
    bucket = s3.bucket()
    with pytest.raises(PathNotFound, match=rf"Path '{bucket}/nope.csv' does not exist.*view_tree"):
        ln.Artifact(f"{bucket}/nope.csv")
    with pytest.raises(
        PathNotFound, match=r"Bucket 's3://lineagedb-no-such-bucket' does not exist"
    ):
        ln.Artifact("s3://lineagedb-no-such-bucket/x.csv")
    assert ln.Storage.filter().count() == 1 and ln.Artifact.filter(visibility=None).count() == 0


def test_instance_on_s3_uploads_on_save(database: str | None, s3: S3, tmp_path: Path) -> None:
    import lineagedb as ln

    bucket = s3.bucket()
    ln.setup.init(storage=bucket, db=database)
    instance = ln.setup.settings.instance
    if database is None:
        assert instance.sqlite_path.parent == Path(os.environ["LINEAGEDB_HOME"]) / "databases"
    source = ln.datasets.file_mini_csv(tmp_path)
    artifact = ln.Artifact(source, description="uploaded").save()
    assert str(artifact.path) == f"{bucket}/.lineagedb/{artifact.uid}.csv"
    assert artifact.path.read_bytes() == source.read_bytes()
    assert ln.Artifact.filter(description="uploaded").one().load().shape == (3, 2)
    with pytest.raises(PathNotFound, match=r"Bucket 's3://lineagedb-missing' does not exist"):
        ln.setup.init(storage="s3://lineagedb-missing", name="missing")


def test_public_bucket_without_credentials(
    instance: ModuleType, s3: S3, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import uuid

    import boto3

    ln = instance
    name = f"lineagedb-public-{uuid.uuid4().hex[:8]}"
    client = boto3.client("s3")
    client.create_bucket(Bucket=name, ACL="public-read")
    client.put_object(Bucket=name, Key="public.csv", Body=b"a\n1\n", ACL="public-read")
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    artifact = ln.Artifact(f"s3://{name}/public.csv").save()  # unsigned requests
    assert artifact.load().shape == (1, 1)


def test_access_denied_is_a_clear_error_and_registers_nothing(
    instance: ModuleType, s3: S3, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json
    import uuid

    import boto3
    import moto.settings

    from lineagedb._base.config import instance_file

    ln = instance
    bucket = s3.bucket()
    boto3.client("s3").put_object(
        Bucket=bucket.removeprefix("s3://"), Key="study0/meta.csv", Body=b"a,b\n1,2\n"
    )
    iam = boto3.client("iam", region_name="us-east-1")  # IAM is global
    user = f"lister-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=user)
    may_list_only = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": "*"}],
    }
    iam.put_user_policy(
        UserName=user, PolicyName="list-only", PolicyDocument=json.dumps(may_list_only)
    )
    keys = iam.create_access_key(UserName=user)["AccessKey"]
    ln.setup.set_storage_options(
        bucket, {"key": keys["AccessKeyId"], "secret": keys["SecretAccessKey"]}
    )
    monkeypatch.setattr(moto.settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)  # enforce IAM

    with pytest.raises(
        ln.errors.AccessDenied,
        match=rf"Access to '{bucket}/study0/meta.csv' was denied .*storage_options.*policy",
    ):
        ln.Artifact(f"{bucket}/study0/meta.csv")
    with pytest.raises(ln.errors.StorageNotWritable, match=rf"Writing to '{bucket}.*was denied"):
        ln.setup.init(storage=bucket, name="denied")
    ln.setup.set_storage_options(bucket, None)
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    with pytest.raises(ln.errors.AccessDenied, match=r"No credentials were found.*anonymous"):
        ln.Artifact(f"{bucket}/study0/meta.csv")

    assert not instance_file("denied").exists()
    assert ln.setup.settings.instance.name == "data"
    assert ln.Storage.filter().count() == 1 and ln.Artifact.filter(visibility=None).count() == 0
