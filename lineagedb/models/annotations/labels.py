"""``artifact.labels`` (also on collections): labels of any label registry, under features.

``labels.add(records, feature=...)`` links ULabels or the records of a schema
module's registries (``bt.CellType``); names given with a feature come from
the feature's registry. A feature that no feature set of the host holds joins
the host's ``external`` set (``host_links.refresh_external``).

Example:
    >>> artifact.labels.add(ln.ULabel.filter(name="study0"), feature=study_name)
    >>> artifact.labels.get(study_name, flat_names=True)
    ['study0']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from lineagedb._base.logger import logger
from lineagedb.errors import InvalidArgument, ValidationError, WrongType
from lineagedb.models.annotations.feature import Feature
from lineagedb.models.annotations.host_links import (
    as_records,
    lock_host,
    refresh_external,
    require_saved,
)
from lineagedb.models.annotations.label_links import (
    feature_registries,
    label_links,
    link_for,
    registry_name,
)
from lineagedb.models.annotations.ulabel import ULabel
from lineagedb.models.query.dialects import in_list, insert_ignoring_conflicts
from lineagedb.models.query.queryset import QuerySet
from lineagedb.models.record import Record


class LabelManager:
    """The labels of an artifact or collection: ``add``, ``get``, ``remove``, ``add_from``.

    Example:
        >>> artifact.labels.get(study_name, flat_names=True)
        ['study0']
    """

    def __init__(self, host: Any) -> None:
        self._host = host

    def add(self, records: Any, feature: Feature | None = None) -> None:
        """Link labels (records, a QuerySet, or names with ``feature``) to the host.

        With ``feature``, the labels are linked under it, the feature learns
        the labels' registry, and a feature no feature set of the host holds
        joins the host's ``external`` set. Everything happens in one
        transaction with a constant number of queries.

        Example:
            >>> species = ln.Feature(name="species", type="category").save()
            >>> setosa = ln.ULabel.from_values(["setosa"])
            >>> artifact.labels.add(setosa, feature=species)
            >>> artifact.labels.get(species, flat_names=True)
            ['setosa']
        """
        host = self._host
        require_saved(host, "labels")
        labels = as_records(records)
        if not labels:
            return
        if feature is not None:
            if not isinstance(feature, Feature):
                raise WrongType(f"feature must be a Feature, not {type(feature).__name__}.")
            feature._check_instance()
            if feature._state.adding:  # LaminDB raises ValidationError here
                raise ValidationError(
                    f"Feature {feature.name!r} is not saved; save it first: feature.save()."
                )
        names = [label for label in labels if isinstance(label, str)]
        if names and feature is None:
            raise InvalidArgument(
                f"Labels given by name ({names[:3]}) need a feature that says where they come "
                "from, or pass records: ln.ULabel.from_values([...])."
            )
        by_model: dict[Any, list[Any]] = {}
        named = registry_of_names(type(host), feature)
        for label in labels:
            model = type(label) if isinstance(label, Record) else named
            by_model.setdefault(model, []).append(label)
        with transaction.atomic():
            lock_host(host)
            for model, group in by_model.items():
                records = label_records(model, group, feature)
                self._link_ids([label.pk for label in records], feature, model)
            if feature is not None:
                refresh_external(host, locked=True)

    def _link_ids(self, ids: Iterable[int], feature: Feature | None, model: Any = None) -> None:
        """Link labels of ``model`` (ULabel) by id under ``feature``: bulk SQL, one transaction.

        The caller refreshes the host's ``external`` set once it has linked all it links
        (``host_links.refresh_external``).
        """
        from django.db import connection

        host = self._host
        link = link_for(type(host), model or ULabel)
        label_model = link.through
        host_field = link.host_field
        unique = list(dict.fromkeys(ids))
        table = label_model._meta.db_table
        host_column = label_model._meta.get_field(host_field).column
        label_column = label_model._meta.get_field(link.label_field).column
        label_id = label_model._meta.get_field(link.label_field).attname
        feature_id = feature.pk if feature is not None and link.has_feature else None
        columns = [host_column, label_column, *(["feature_id"] if link.has_feature else [])]
        with transaction.atomic(savepoint=False):
            # What the host has: a label has one feature per host, so a label linked
            # under another feature moves; one linked under this feature stays.
            if link.has_feature:
                linked = dict(
                    label_model.objects.filter(**{host_field: host}).values_list(
                        label_id, "feature_id"
                    )
                )
            else:
                linked = {
                    pk: None
                    for pk in label_model.objects.filter(**{host_field: host}).values_list(
                        label_id, flat=True
                    )
                }
            moved = [pk for pk in unique if pk in linked and linked[pk] != feature_id]
            new = [pk for pk in unique if pk not in linked] + moved
            with connection.cursor() as cursor:
                for start in range(0, len(moved), 10_000):
                    clause, values = in_list(connection, moved[start : start + 10_000])
                    cursor.execute(  # plain SQL: Django's IN costs ~30 ms per 10,000 ids
                        f"DELETE FROM {table} WHERE {host_column} = %s AND {label_column} {clause}",
                        [host.pk, *values],
                    )
                for start in range(0, len(new), 10_000):
                    rows = [
                        (host.pk, pk, feature_id) if link.has_feature else (host.pk, pk)
                        for pk in new[start : start + 10_000]
                    ]
                    insert_ignoring_conflicts(cursor, table, columns, rows)
            if feature is not None:
                self._note_registry(feature, registry_name(link.model))

    @staticmethod
    def _note_registry(feature: Feature, registry: str) -> None:
        known = feature.registries.split("|") if feature.registries else []
        if registry not in known and not (known and registry in feature_registries(feature)):
            feature.registries = "|".join([*known, registry])
            feature.save()
            logger.info(f"linked feature {feature.name!r} to registry {registry!r}")

    def get(self, feature: Feature, mute: bool = False, flat_names: bool = False) -> Any:
        """The labels linked under ``feature`` (a QuerySet; names with ``flat_names=True``).

        A feature whose labels come from several registries gives a dict
        ``{registry: QuerySet}``.

        Example:
            >>> artifact.labels.get(study_name).df().name.tolist()
            ['study0']
        """
        if not isinstance(feature, Feature):
            raise WrongType(f"feature must be a Feature, not {type(feature).__name__}.")
        host = self._host
        registries = (feature.registries or "").split("|")
        links = [
            link
            for link in label_links(type(host))
            if link.has_feature and registry_name(link.model) in registries
        ] or [link_for(type(host), ULabel)]
        if host._state.adding:
            return [] if flat_names else links[0].model.objects.none()
        found = {}
        for link in links:
            query = link.model.objects.filter(
                pk__in=link.through.objects.filter(
                    **{link.host_field: host}, feature=feature
                ).values(link.label_field)
            ).order_by(link.name_field)
            found[registry_name(link.model)] = query
        if flat_names:
            return [
                name
                for link in links
                for name in found[registry_name(link.model)].values_list(link.name_field, flat=True)
            ]
        if len(found) == 1:
            return next(iter(found.values()))
        return found

    def remove(self, records: Any, feature: Feature | None = None) -> None:
        """Unlink labels (records, a QuerySet or names) from the host; the labels stay.

        Example:
            >>> artifact.labels.remove(ulabels.study0)
        """
        host = self._host
        require_saved(host, "labels")
        labels = as_records(records)
        names = [label for label in labels if isinstance(label, str)]
        by_model: dict[Any, list[int]] = {}
        for label in labels:
            if not isinstance(label, str):
                by_model.setdefault(type(label), []).append(label.pk)
        if names:
            by_model.setdefault(ULabel, []).extend(
                ULabel.objects.filter(name__in=names).values_list("pk", flat=True)
            )
        with transaction.atomic():
            lock_host(host)
            for model, ids in by_model.items():
                link = link_for(type(host), model)
                links = link.through.objects.filter(
                    **{link.host_field: host, f"{link.label_field}_id__in": ids}
                )
                if feature is not None and link.has_feature:
                    links = links.filter(feature=feature)
                links.delete()
            refresh_external(host, locked=True)

    def add_from(self, other: Any) -> None:
        """Give the host the labels of another artifact or collection, under the same features.

        Example:
            >>> collection.labels.add_from(artifact)
        """
        for link in label_links(type(other)):
            by_feature: dict[Any, list[int]] = {}
            fields = [f"{link.label_field}_id", "feature_id" if link.has_feature else "pk"]
            for label_id, feature_id in link.through.objects.filter(
                **{link.host_field: other}
            ).values_list(*fields):
                by_feature.setdefault(feature_id if link.has_feature else None, []).append(label_id)
            features = Feature.objects.in_bulk([f for f in by_feature if f is not None])
            for feature_id, ids in by_feature.items():
                labels = list(link.model.objects.filter(pk__in=ids))
                self.add(labels, feature=features.get(feature_id) if feature_id else None)

    def all(self) -> QuerySet:
        """Every ULabel linked to the host (other registries: ``artifact.cell_types.all()``).

        Example:
            >>> artifact.labels.all().df().name.tolist()
            ['study0']
        """
        link = link_for(type(self._host), ULabel)
        ids = link.through.objects.filter(**{link.host_field: self._host}).values("ulabel_id")
        return ULabel.objects.filter(pk__in=ids).order_by("name")

    def __repr__(self) -> str:
        from lineagedb.display.describe import Annotations, labels_section
        from lineagedb.models.annotations.summary import label_groups

        lines = labels_section(Annotations(slots=[], labels=label_groups(self._host)))
        return "\n".join(lines) if lines else "no linked labels"


def _type_of(model: Any, feature: Feature | None) -> str | None:
    """The type ``feature`` requires of ``model``'s records (``cat[Record[Sample]]``), if any."""
    if feature is None:
        return None
    return feature_registries(feature).get(registry_name(model))


def registry_of_names(host_model: Any, feature: Feature | None) -> Any:
    """The registry that label names given with ``feature`` come from: the first of the
    feature's registries that labels the host (``bionty.CellType``), else ULabel."""
    registries = feature_registries(feature) if feature is not None else {}
    for link in label_links(host_model):
        if registry_name(link.model) in registries:
            return link.model
    return ULabel


def label_records(model: Any, items: Any, feature: Feature | None = None) -> list[Any]:
    """The saved records of label registry ``model`` that ``items`` are or name (by its name
    field); a clear error, before anything is written, for anything else.

    Example:
        >>> label_records(ln.ULabel, ["study0"], feature)
        [ULabel(uid='...', name='study0', created_by_id=1)]
    """
    listed = as_records(items)
    wrong = [item for item in listed if not isinstance(item, (model, str))]
    if wrong:
        where = f"Feature {feature.name!r} is a category: its values" if feature else "Labels"
        raise WrongType(
            f"{where} are label names or {model.__name__} records, not {wrong[0]!r} "
            f"({type(wrong[0]).__name__})."
        )
    field = model._name_field
    records = [item for item in listed if isinstance(item, model)]
    unsaved = [str(getattr(r, field)) for r in records if r._state.adding]
    if unsaved:  # LaminDB raises ValidationError here
        raise ValidationError(
            f"Labels {unsaved[:5]} are not saved; save them first (ln.save(labels))."
        )
    names = [item for item in listed if isinstance(item, str)]
    type_name = _type_of(model, feature)
    query = model.objects.filter(**{f"{field}__in": names})
    if type_name is not None:  # cat[ULabel[CellType]]: labels of that type only
        query = query.filter(type__name=type_name)
        wrong_type = [r for r in records if r.type_id is None or r.type.name != type_name]
        if wrong_type:
            raise InvalidArgument(
                f"Feature {feature.name!r} takes {model.__name__} records of type "  # type: ignore[union-attr]
                f"{type_name!r}; {getattr(wrong_type[0], field)!r} is not one. Nothing was "
                "written."
            )
    found = {getattr(r, field): r for r in query}
    missing = [name for name in names if name not in found]
    if missing:
        what = "is named" if model is ULabel else f"has {field}"
        if type_name is not None:
            what = f"of type {type_name!r} {what}"
        create = (
            f"ln.save({model.__name__}.from_values({missing[:3]!r}))"
            if hasattr(model, "public")
            else f"ln.save([{model.__name__}(name=n) for n in names])"
        )
        raise InvalidArgument(
            f"No {model.__name__} {what} {missing[:10]}; nothing was written. "
            f"Create them first: {create}."
        )
    return records + [found[name] for name in names]
