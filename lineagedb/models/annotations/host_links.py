"""What ``artifact.labels`` and ``artifact.features`` share: an artifact's or collection's
feature-set links, and the ``external`` set that holds features used without a set.

A feature a label or value is linked under that no feature set of the host
holds joins the host's ``external`` set, rebuilt by hash (a set shared with
other hosts is never deleted while they use it).

Example:
    >>> ensure_feature(artifact, study_name)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from lineagedb._base.logger import logger
from lineagedb.errors import InvalidArgument, WrongType
from lineagedb.models.annotations.feature import Feature
from lineagedb.models.annotations.feature_set import FeatureSet
from lineagedb.models.annotations.links import (
    ArtifactFeatureSet,
    ArtifactFeatureValue,
    CollectionFeatureSet,
)
from lineagedb.models.query.queryset import QuerySet
from lineagedb.models.record import Record

EXTERNAL = "external"


@dataclass(frozen=True)
class HostLinks:
    """The link tables of one kind of host (Artifact, Collection) that annotations write.

    Example:
        >>> links_of(artifact).host_field
        'artifact'
    """

    feature_sets: Any  # the feature-set link model: ArtifactFeatureSet
    host_field: str  # its foreign key to the host: "artifact"
    values: Any  # the feature-value link model, or None (collections hold no values)


@cache
def _hosts() -> dict[Any, HostLinks]:
    from lineagedb.models.artifact import Artifact
    from lineagedb.models.collection import Collection

    return {
        Artifact: HostLinks(ArtifactFeatureSet, "artifact", ArtifactFeatureValue),
        Collection: HostLinks(CollectionFeatureSet, "collection", None),
    }


def links_of(host: Any) -> HostLinks:
    """The link tables of ``host``'s registry (an artifact's or a collection's).

    Example:
        >>> links_of(collection).values is None
        True
    """
    try:
        return _hosts()[type(host)]
    except KeyError:
        raise WrongType(
            f"{type(host).__name__} records hold no features or labels; artifacts and "
            "collections do."
        ) from None


def require_saved(host: Any, what: str) -> None:
    """A clear error when ``host`` is not saved yet."""
    if host._state.adding:
        kind = type(host).__name__.lower()
        raise InvalidArgument(f"Save the {kind} before adding {what}: {kind}.save().")


def as_records(records: Any) -> list[Any]:
    """Records, a QuerySet, a name or a list of them, as a list."""
    if records is None:
        return []
    if isinstance(records, (Record, str)):
        return [records]
    if isinstance(records, QuerySet):
        return list(records)
    if isinstance(records, Iterable):
        return list(records)
    raise WrongType(f"Labels are records, a QuerySet or a list of them, not {records!r}.")


def sets_by_slot(host: Any) -> dict[str | None, FeatureSet]:
    """{slot: FeatureSet} of the host."""
    if host._state.adding:
        return {}
    links_to = links_of(host)
    links = links_to.feature_sets.objects.filter(**{links_to.host_field: host}).select_related(
        "featureset"
    )
    return {link.slot: link.featureset for link in links}


def link_set(host: Any, feature_set: FeatureSet, slot: str | None) -> None:
    """Make ``feature_set`` the host's set in ``slot`` (replacing the one there)."""
    links_to = links_of(host)
    set_model, host_field = links_to.feature_sets, links_to.host_field
    set_model.objects.filter(**{host_field: host}, slot=slot).exclude(
        featureset=feature_set
    ).delete()
    set_model.objects.get_or_create(
        **{host_field: host}, featureset=feature_set, defaults={"slot": slot}
    )


def ensure_feature(host: Any, feature: Feature) -> None:
    """Make ``feature`` part of a feature set of the host: else of its ``external`` set.

    Example:
        >>> ensure_feature(artifact, temperature)
    """
    sets = sets_by_slot(host)
    for feature_set in sets.values():
        if (
            feature_set.registry == "core.Feature"
            and feature_set.features.filter(pk=feature.pk).exists()
        ):
            return
    old = sets.get(EXTERNAL)
    members = [*(old.features.all() if old is not None else []), feature]
    new = FeatureSet(members)
    if new._state.adding:
        new.save()
    link_set(host, new, EXTERNAL)
    logger.info(f"linked feature {feature.name!r} in feature set {new.uid} (slot {EXTERNAL!r})")
    if old is not None and old.pk != new.pk:
        _delete_if_unused(old)


def _delete_if_unused(feature_set: FeatureSet) -> None:
    """Delete a feature set no artifact or collection links to any more (0.70 deleted used ones)."""
    if feature_set.artifact_links.exists() or feature_set.collection_links.exists():
        return
    feature_set.delete()
