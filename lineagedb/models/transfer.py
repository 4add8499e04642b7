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
    current = session.instance.modules if session.instance is not None else ()
    lacking = sorted(set(session.other_modules.get(name, ())) - set(current))
    if lacking:  # its labels of those registries could not be read, nor kept
        raise InvalidArgument(
            f"Instance {name!r} has the schema modules {lacking}, which this instance lacks: "
            f"add them first (lineagedb module add {lacking[0]}) so that its labels transfer."
        )
    source = _source_note(name, artifact)
    earlier = Artifact.objects.filter(run__params__source=source).first()
    if earlier is not None:
        logger.info(f"artifact {artifact.uid} of {name!r} was transferred before: {earlier.uid}")
        return earlier
    values, labels = _annotations(artifact, alias)
    terms = _module_terms(artifact, alias, name)  # found or created here before any write
    path = _path_in(artifact, alias)
    with transaction.atomic():  # the run, the record and its annotations, or none of them
        run = _transfer_run(name, source)
        local = Artifact(path, key=artifact.key, description=artifact.description, run=run).save()
        _annotate(local, values, labels, alias)
        for _, records, feature in terms:
            local.labels.add(records, feature=_feature_like(feature, alias))
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
    from lineagedb.models.annotations.ulabel import ULabel

    names = {f for f in values} | {f for _, f in labels if f is not None}
    ours = {name: _feature_like(name, alias) for name in sorted(names)}
    by_feature: dict[str | None, list[str]] = {}
    for label, feature in labels:
        by_feature.setdefault(feature, []).append(label)
    for feature, label_names in by_feature.items():
        records = [ULabel(name=label).save() for label in label_names]  # existing: returned
        local.labels.add(records, feature=ours[feature] if feature else None)
    if values:
        local.features.add_values(values)


def _module_terms(artifact: Any, alias: str, name: str) -> list[tuple[Any, list[Any], Any]]:
    """The artifact's labels of schema modules' registries (bionty's ontology terms), as
    records of this instance: matched by uid, then by name, else made from the public
    ontology (offline), saved. (registry, records, feature name or None) per group."""
    from lineagedb.models.annotations.label_links import label_links
    from lineagedb.models.artifact import Artifact

    found = []
    for link in label_links(Artifact):
        if link.model._meta.app_label == "lineagedb":
            continue
        rows = link.through.objects.using(alias).filter(**{link.host_field: artifact.pk})
        fields = [f"{link.label_field}__uid", f"{link.label_field}__{link.name_field}"]
        fields.append("feature__name" if link.has_feature else link.host_field)
        by_feature: dict[Any, list[tuple[str, str]]] = {}
        for uid, term, feature in rows.values_list(*fields):
            by_feature.setdefault(feature if link.has_feature else None, []).append((uid, term))
        for feature, pairs in by_feature.items():
            found.append((link.model, _terms_here(link.model, pairs, name), feature))
    return found


def _terms_here(model: Any, pairs: list[tuple[str, str]], instance: str) -> list[Any]:
    from lineagedb.models.bulk import save

    field = model._name_field
    by_uid = {r.uid: r for r in model.objects.filter(uid__in=[u for u, _ in pairs])}
    wanted = [term for uid, term in pairs if uid not in by_uid]
    by_name = {getattr(r, field): r for r in model.objects.filter(**{f"{field}__in": wanted})}
    missing = [term for term in wanted if term not in by_name]
    if missing and hasattr(model, "from_values"):
        made = [r for r in model.from_values(missing, field=getattr(model, field)) if r]
        save([r for r in made if r._state.adding])
        by_name.update({getattr(r, field): r for r in made})
    still = [term for term in missing if term not in by_name]
    if still:
        raise InvalidArgument(
            f"{model.__name__} terms {still[:5]} of instance {instance!r} are neither here "
            f"nor in the public ontology; create them first: ln.save([{model.__name__}"
            f"({field}=...) ...]). Nothing was transferred."
        )
    return [by_uid.get(uid) or by_name[term] for uid, term in pairs]


def _feature_like(name: str | None, alias: str) -> Any:
    """This instance's feature of that name, created like the other instance's if missing."""
    from lineagedb.models.annotations.feature import Feature

    if name is None:
        return None
    here = Feature.objects.filter(name=name).first()
    if here is not None:
        return here
    other = Feature.objects.using(alias).get(name=name)
    return Feature(name=name, type=other.type, unit=other.unit, registries=other.registries).save()


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
