"""An artifact of another instance saved into the connected one (LaminDB 2's transfer).

``ln.Artifact.connect("archive").get(key=...).save()`` registers the same bytes here —
in place where the other instance registered them in place (a bucket, a shared folder:
no copy), else copied into this instance's storage, as any file outside it would be —
then gives it the other instance's annotations, matched by name on this instance's
registries (labels and features created where missing): labels under features, feature
values, and labels under no feature. The run that saved it is a run of the transform
"Transfer from instance '<name>'", whose params name the source artifact.

Example:
    >>> archived = ln.Artifact.connect("archive").get(key="raw/a.csv")  # doctest: +SKIP
    >>> archived.save().run.transform.name  # doctest: +SKIP
    "Transfer from instance 'archive'"
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from lineagedb._base.logger import logger
from lineagedb._base.session import session
from lineagedb.errors import InvalidArgument


def transfer(artifact: Any) -> Any:
    """The connected instance's artifact for ``artifact`` (read from another instance):
    found by uid if transferred before, else registered with its annotations.

    Example:
        >>> transfer(archived).uid != archived.uid  # another instance needed  # doctest: +SKIP
        True
    """
    from lineagedb.models.artifact import Artifact

    alias = artifact._state.db
    name = next((n for n, known in session.other_aliases.items() if known == alias), alias)
    if artifact.n_objects and artifact.n_objects > 1:
        raise InvalidArgument(
            f"Artifact {artifact.uid} of instance {name!r} is a folder; transferring folders "
            "is not built yet. Register it here by its path: ln.Artifact(path).save()."
        )
    source = _source_note(name, artifact)
    earlier = Artifact.objects.filter(run__params__source=source).first()
    if earlier is not None:
        logger.info(f"artifact {artifact.uid} of {name!r} was transferred before: {earlier.uid}")
        return earlier
    values, labels = _annotations(artifact, alias)
    path = _path_in(artifact, alias)
    with transaction.atomic():  # the run, the record and its annotations, or none of them
        run = _transfer_run(name, source)
        local = Artifact(path, key=artifact.key, description=artifact.description, run=run).save()
        _annotate(local, values, labels, alias)
    logger.success(f"transferred artifact {artifact.uid} of {name!r} as {local.uid}")
    return local


def _source_note(name: str, artifact: Any) -> str:
    return f"{name}/{artifact.uid}"


def _path_in(artifact: Any, alias: str) -> Any:
    """Where the other instance keeps the bytes (its storage record, read there)."""
    from lineagedb.models.storage import Storage
    from lineagedb.storage.paths import MANAGED_FOLDER, to_upath

    root = Storage.objects.using(alias).values_list("root", flat=True).get(pk=artifact.storage_id)
    managed = artifact.key_is_virtual or artifact.key is None
    key = f"{MANAGED_FOLDER}/{artifact.uid}{artifact.suffix}" if managed else artifact.key
    return to_upath(f"{root.rstrip('/')}/{key}")


def _annotations(artifact: Any, alias: str) -> tuple[dict[str, Any], list[tuple[str, str | None]]]:
    """The artifact's feature values ({feature name: value}) and ULabels (name, feature
    name or None), read in the other instance."""
    from lineagedb.models.annotations.links import ArtifactFeatureValue, ArtifactULabel

    values: dict[str, list[Any]] = {}
    pairs = ArtifactFeatureValue.objects.using(alias).filter(artifact_id=artifact.pk)
    for feature, value in pairs.values_list("featurevalue__feature__name", "featurevalue__value"):
        values.setdefault(feature, []).append(value)
    links = ArtifactULabel.objects.using(alias).filter(artifact_id=artifact.pk)
    labels = list(links.values_list("ulabel__name", "feature__name"))
    flat = {k: (v[0] if len(v) == 1 else v) for k, v in values.items()}
    return flat, labels


def _annotate(
    local: Any, values: dict[str, Any], labels: list[tuple[str, str | None]], alias: str
) -> None:
    """Give ``local`` the annotations, creating missing labels and features like the
    other instance's."""
    from lineagedb.models.annotations.feature import Feature
    from lineagedb.models.annotations.ulabel import ULabel

    names = {f for f in values} | {f for _, f in labels if f is not None}
    theirs = {f.name: f for f in Feature.objects.using(alias).filter(name__in=sorted(names))}
    ours = {f.name: f for f in Feature.objects.filter(name__in=sorted(names))}
    for name in sorted(names - set(ours)):
        other = theirs[name]
        ours[name] = Feature(
            name=name, type=other.type, unit=other.unit, registries=other.registries
        ).save()
    by_feature: dict[str | None, list[str]] = {}
    for label, feature in labels:
        by_feature.setdefault(feature, []).append(label)
    for feature, label_names in by_feature.items():
        records = [ULabel(name=label).save() for label in label_names]  # existing: returned
        local.labels.add(records, feature=ours[feature] if feature else None)
    if values:
        local.features.add_values(values)


def _transfer_run(name: str, source: str) -> Any:
    from django.utils import timezone

    from lineagedb.models.run import Run
    from lineagedb.models.transform import Transform

    title = f"Transfer from instance {name!r}"
    transform = Transform.objects.filter(name=title, type="pipeline").first()
    if transform is None:
        transform = Transform(name=title, type="pipeline").save()
    return Run(
        transform=transform,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        status="completed",
        params={"instance": name, "source": source},
    ).save()
