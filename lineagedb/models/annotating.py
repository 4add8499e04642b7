"""``artifact.labels`` and ``artifact.features`` (also on collections).

``labels.add(records, feature=...)`` links labels to the host; a feature
that no feature set of the host holds joins the host's ``external`` set,
rebuilt by hash (a set shared with other hosts is never deleted while
they use it). ``features.add(features, slot=...)`` links a feature set in
a slot (``columns`` for DataFrames).

Example:
    >>> artifact.labels.add(ln.ULabel.filter(name="study0"), feature=study_name)  # doctest: +SKIP
    >>> artifact.features  # doctest: +SKIP
    Features:
      external: FeatureSet(uid='…', n=1, registry='core.Feature')
        🔗 study_name (1, core.ULabel): 'study0'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from lineagedb._db import in_list, insert_ignoring_conflicts
from lineagedb._logger import logger
from lineagedb.errors import InvalidArgument, ValidationError, WrongType
from lineagedb.label_links import label_links, link_for, registry_name
from lineagedb.models.annotation import Feature, FeatureSet, ULabel
from lineagedb.models.feature_values import jsonable, stored_values, value_hash, value_rows
from lineagedb.models.links import (
    ArtifactFeatureSet,
    ArtifactFeatureValue,
    ArtifactULabel,
    CollectionFeatureSet,
    CollectionULabel,
)
from lineagedb.models.record import Record
from lineagedb.query import QuerySet
from lineagedb.validation import field_name, ids_by_value, table_problems

EXTERNAL = "external"


def _links(host: Any) -> tuple[Any, Any, str]:
    """(label link model, feature-set link model, host field name) for an artifact or collection."""
    if type(host).__name__ == "Artifact":
        return ArtifactULabel, ArtifactFeatureSet, "artifact"
    return CollectionULabel, CollectionFeatureSet, "collection"


def _require_saved(host: Any, what: str) -> None:
    if host._state.adding:
        kind = type(host).__name__.lower()
        raise InvalidArgument(f"Save the {kind} before adding {what}: {kind}.save().")


def _as_records(records: Any) -> list[Any]:
    if records is None:
        return []
    if isinstance(records, (Record, str)):
        return [records]
    if isinstance(records, QuerySet):
        return list(records)
    if isinstance(records, Iterable):
        return list(records)
    raise WrongType(f"Labels are records, a QuerySet or a list of them, not {records!r}.")


class LabelManager:
    """The labels of an artifact or collection: ``add``, ``get``, ``remove``, ``add_from``.

    Example:
        >>> artifact.labels.get(features.study_name, flat_names=True)  # doctest: +SKIP
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
            >>> setosa = ln.ULabel.from_values(["setosa"])  # doctest: +SKIP
            >>> artifact.labels.add(setosa, feature=species)  # doctest: +SKIP
        """
        host = self._host
        _require_saved(host, "labels")
        labels = _as_records(records)
        if not labels:
            return
        if feature is not None:
            if not isinstance(feature, Feature):
                raise WrongType(f"feature must be a Feature, not {type(feature).__name__}.")
            if feature._state.adding:
                raise InvalidArgument(
                    f"Feature {feature.name!r} is not saved; save it first: feature.save()."
                )
        names = [label for label in labels if isinstance(label, str)]
        if names and feature is None:
            raise InvalidArgument(
                f"Labels given by name ({names[:3]}) need a feature that says where they come "
                "from, or pass records: ln.ULabel.from_values([...])."
            )
        by_model: dict[Any, list[Any]] = {}
        named = _registry_of_names(type(host), feature)
        for label in labels:
            model = named if isinstance(label, str) else type(label)
            by_model.setdefault(model, []).append(label)
        with transaction.atomic():
            for model, group in by_model.items():
                if model is ULabel:
                    group = _labels_for(feature, group)
                elif any(isinstance(label, str) for label in group):
                    group = _records_named(model, group)
                else:
                    link_for(type(host), model)  # a clear error for a registry that is no label
                    unsaved = [str(label) for label in group if label._state.adding]
                    if unsaved:
                        raise InvalidArgument(
                            f"{model.__name__} records {unsaved[:3]} are not saved; save them "
                            "first (ln.save(records))."
                        )
                self._link_ids([label.pk for label in group], feature, model)

    def _link_ids(self, ids: Iterable[int], feature: Feature | None, model: Any = None) -> None:
        """Link labels of ``model`` (ULabel) by id under ``feature``: bulk SQL, one transaction."""
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
        with transaction.atomic():
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
                self._host_features._ensure_feature(feature)

    @property
    def _host_features(self) -> FeatureManager:
        return FeatureManager(self._host)

    @staticmethod
    def _note_registry(feature: Feature, registry: str) -> None:
        known = feature.registries.split("|") if feature.registries else []
        if registry not in known:
            feature.registries = "|".join([*known, registry])
            feature.save()
            logger.info(f"linked feature {feature.name!r} to registry {registry!r}")

    def get(self, feature: Feature, mute: bool = False, flat_names: bool = False) -> Any:
        """The labels linked under ``feature`` (a QuerySet; names with ``flat_names=True``).

        A feature whose labels come from several registries gives a dict
        ``{registry: QuerySet}``.

        Example:
            >>> artifact.labels.get(features.iris_organism_name).df()  # doctest: +SKIP
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
            >>> artifact.labels.remove(ulabels.study0)  # doctest: +SKIP
        """
        host = self._host
        _require_saved(host, "labels")
        labels = _as_records(records)
        names = [label for label in labels if isinstance(label, str)]
        by_model: dict[Any, list[int]] = {}
        for label in labels:
            if not isinstance(label, str):
                by_model.setdefault(type(label), []).append(label.pk)
        if names:
            by_model.setdefault(ULabel, []).extend(
                ULabel.objects.filter(name__in=names).values_list("pk", flat=True)
            )
        for model, ids in by_model.items():
            link = link_for(type(host), model)
            links = link.through.objects.filter(
                **{link.host_field: host, f"{link.label_field}_id__in": ids}
            )
            if feature is not None and link.has_feature:
                links = links.filter(feature=feature)
            links.delete()

    def add_from(self, other: Any) -> None:
        """Give the host the labels of another artifact or collection, under the same features.

        Example:
            >>> collection.labels.add_from(artifact)  # doctest: +SKIP
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
            >>> artifact.labels.all().df()  # doctest: +SKIP
        """
        label_model, _, host_field = _links(self._host)
        ids = label_model.objects.filter(**{host_field: self._host}).values("ulabel_id")
        return ULabel.objects.filter(pk__in=ids).order_by("name")

    def __repr__(self) -> str:
        from lineagedb.display.describe import labels_section

        lines = labels_section(self._host)
        return "\n".join(lines) if lines else "no linked labels"


class FeatureManager:
    """The feature sets of an artifact or collection, by slot.

    Example:
        >>> artifact.features.add(ln.Feature.from_df(df))  # doctest: +SKIP
        >>> artifact.features["columns"].df()  # doctest: +SKIP
    """

    def __init__(self, host: Any) -> None:
        self._host = host

    def by_slot(self) -> dict[str | None, FeatureSet]:
        """{slot: FeatureSet} of the host.

        Example:
            >>> artifact.features.by_slot()  # doctest: +SKIP
            {'columns': FeatureSet(uid='…', n=5, registry='core.Feature')}
        """
        host = self._host
        if host._state.adding:
            return {}
        _, set_model, host_field = _links(host)
        links = set_model.objects.filter(**{host_field: host}).select_related("featureset")
        return {link.slot: link.featureset for link in links}

    def __getitem__(self, slot: str) -> QuerySet:
        sets = self.by_slot()
        if slot not in sets:
            raise InvalidArgument(
                f"No feature set in slot {slot!r}; the host has "
                f"{sorted(s for s in sets if s) or 'none'}. Add one with .features.add(...)."
            )
        return sets[slot].features.all().order_by("name")

    def add(self, features: Any, slot: str | None = None) -> FeatureSet:
        """Link the set of these features to the host in ``slot`` (DataFrames: ``columns``).

        Example:
            >>> artifact.features.add(ln.Feature.from_df(df))  # doctest: +SKIP
        """
        host = self._host
        _require_saved(host, "features")
        if slot is None and getattr(host, "accessor", None) == "DataFrame":
            slot = "columns"
        feature_set = features if isinstance(features, FeatureSet) else FeatureSet(features)
        with transaction.atomic():
            if feature_set._state.adding:
                feature_set.save()
            self._link(feature_set, slot)
        return feature_set

    def add_from_df(self) -> FeatureSet | None:
        """Link the registered features named like the DataFrame's columns, in slot ``columns``.

        Example:
            >>> artifact.features.add_from_df()  # doctest: +SKIP
        """
        host = self._host
        if getattr(host, "accessor", None) != "DataFrame":
            raise InvalidArgument(f"{type(host).__name__} {host.uid} holds no DataFrame.")
        columns = [str(c) for c in host.load().columns]
        found = list(Feature.objects.filter(name__in=columns))
        if not found:
            logger.warning(
                "no registered feature matches a column; register them first: "
                "ln.save(ln.Feature.from_df(df))"
            )
            return None
        return self.add(found, slot="columns")

    def add_from_anndata(self, var_field: Any = None, obs_field: Any = None) -> None:
        """Link the registered features among an AnnData's var names (slot ``var``) and obs columns.

        Names are matched against ``Feature.name`` (the default of both
        fields; registries of biological entities come with the bionty
        module). The AnnData is opened in place, not loaded.

        Example:
            >>> artifact.features.add_from_anndata(var_field=ln.Feature.name)  # doctest: +SKIP
        """
        host = self._host
        _require_saved(host, "features")
        if getattr(host, "accessor", None) != "AnnData":
            raise InvalidArgument(f"{type(host).__name__} {host.uid} holds no AnnData.")
        models = {}
        for slot, field in (("var", var_field), ("obs", obs_field)):
            name = getattr(getattr(field, "field", None), "name", field)
            model = getattr(getattr(field, "field", None), "model", Feature)
            members = model is not Feature and "feature_sets" in {
                f.name for f in model._meta.get_fields()
            }
            if field is not None and not members and name != "name":
                raise InvalidArgument(
                    f"Feature sets hold Features or registries with feature sets (bt.Gene); "
                    f"{field!r} is neither: match by ln.Feature.name, or a field of bt.Gene."
                )
            models[slot] = (model, field_name(model, field))
        with host.open() as adata:
            var_names = [str(name) for name in adata.var_names]
            obs_columns = [str(column) for column in adata.obs.columns]
            dtype = adata.X.dtype if adata.X is not None else None
        for slot, names in (("var", var_names), ("obs", obs_columns)):
            model, name = models[slot]
            found = list(model.objects.filter(**{f"{name}__in": names}))
            if not found:
                logger.info(f"no registered feature in slot {slot!r}: skip linking it")
                continue
            feature_set = FeatureSet(found)
            if slot == "var" and feature_set._state.adding and dtype is not None:
                feature_set.type = "number" if dtype.kind in "iuf" else None
            self.add(feature_set, slot=slot)
            logger.info(f"linked {len(found)} features in slot {slot!r}")

    # -- values (LaminDB 2: add_values / get_values / remove_values) -------------------

    def add_values(self, values: dict[str, Any]) -> None:
        """Annotate the artifact with feature values: numbers, text, flags, dates, labels, lists.

        Each key names a registered Feature; each value is checked against
        its type first (nothing is written if one fails). Category values
        are labels (names or records); the others are kept as shared
        FeatureValue records. Query them with
        ``ln.Artifact.filter(temperature__gt=37)``.

        Example:
            >>> artifact.features.add_values(
            ...     {"temperature": 37.2, "donor": "D1", "cell_types": ["T cell", "B cell"]}
            ... )  # doctest: +SKIP
        """
        host = self._host
        _require_saved(host, "feature values")
        if type(host).__name__ != "Artifact":
            raise InvalidArgument("Feature values annotate artifacts; label collections instead.")
        if not isinstance(values, dict):
            raise WrongType(f"add_values() takes a dict {{feature name: value}}, not {values!r}.")
        features = {f.name: f for f in Feature.objects.filter(name__in=list(values))}
        missing = [name for name in values if name not in features]
        if missing:
            raise InvalidArgument(
                f"No Feature is named {missing}; register them first, e.g. "
                f"ln.Feature(name={missing[0]!r}, dtype='num').save()."
            )
        labels: dict[str, list[ULabel]] = {}
        rows: list[tuple[Feature, Any, float | None, str | None, str]] = []
        for name, value in values.items():
            feature = features[name]
            if feature.type == "category":
                labels[name] = _labels_for(feature, value)
            else:
                rows.extend(value_rows(feature, value))
        with transaction.atomic():
            stored = stored_values(rows)
            links = [ArtifactFeatureValue(artifact=host, featurevalue=value) for value in stored]
            ArtifactFeatureValue.objects.bulk_create(links, ignore_conflicts=True)
            for name, records in labels.items():
                LabelManager(host).add(records, feature=features[name])
            for feature in {row[0].pk: row[0] for row in rows}.values():
                self._ensure_feature(feature)

    def get_values(self) -> dict[str, Any]:
        """The artifact's feature values by feature name (labels by name; lists where several).

        Example:
            >>> artifact.features.get_values()  # doctest: +SKIP
            {'cell_types': ['B cell', 'T cell'], 'donor': 'D1', 'temperature': 37.2}
        """
        host = self._host
        found: dict[str, list[Any]] = {}
        if host._state.adding:
            return {}
        if type(host).__name__ == "Artifact":
            pairs = ArtifactFeatureValue.objects.filter(artifact=host).values_list(
                "featurevalue__feature__name", "featurevalue__value"
            )
            for name, value in pairs:
                found.setdefault(name, []).append(value)
        label_model, _, host_field = _links(host)
        named = label_model.objects.filter(**{host_field: host}, feature__isnull=False)
        for name, label in named.values_list("feature__name", "ulabel__name"):
            found.setdefault(name, []).append(label)
        return {
            name: (sorted(items, key=str) if len(items) > 1 else items[0])
            for name, items in sorted(found.items())
        }

    def remove_values(self, features: Any, value: Any = None) -> None:
        """Remove the artifact's values (and labels) of features (names or records); ``value`` only.

        Example:
            >>> artifact.features.remove_values("temperature")  # doctest: +SKIP
        """
        host = self._host
        _require_saved(host, "feature values")
        names = [f.name if isinstance(f, Feature) else str(f) for f in _as_records(features)]
        links = ArtifactFeatureValue.objects.filter(
            artifact=host, featurevalue__feature__name__in=names
        )
        if value is not None:
            links = links.filter(featurevalue__hash=value_hash(jsonable(value)))
        links.delete()
        label_model, _, host_field = _links(host)
        label_links = label_model.objects.filter(**{host_field: host}, feature__name__in=names)
        if value is not None:
            label_links = label_links.filter(ulabel__name__in=_as_records(value))
        label_links.delete()

    def _link(self, feature_set: FeatureSet, slot: str | None) -> None:
        _, set_model, host_field = _links(self._host)
        set_model.objects.filter(**{host_field: self._host}, slot=slot).exclude(
            featureset=feature_set
        ).delete()
        set_model.objects.get_or_create(
            **{host_field: self._host}, featureset=feature_set, defaults={"slot": slot}
        )

    def _ensure_feature(self, feature: Feature) -> None:
        """Make ``feature`` part of a feature set of the host: else of its ``external`` set."""
        sets = self.by_slot()
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
        self._link(new, EXTERNAL)
        logger.info(f"linked feature {feature.name!r} in feature set {new.uid} (slot {EXTERNAL!r})")
        if old is not None and old.pk != new.pk:
            _delete_if_unused(old)

    def __repr__(self) -> str:
        from lineagedb.display.describe import features_section

        lines = features_section(self._host)
        return "\n".join(lines) if lines else "no linked features"


def _delete_if_unused(feature_set: FeatureSet) -> None:
    """Delete a feature set no artifact or collection links to any more (0.70 deleted used ones)."""
    if feature_set.artifact_links.exists() or feature_set.collection_links.exists():
        return
    feature_set.delete()


def _registry_of_names(host_model: Any, feature: Feature | None) -> Any:
    """The registry that label names given with ``feature`` come from: the first of the
    feature's registries that labels the host (``bionty.CellType``), else ULabel."""
    registries = (feature.registries or "").split("|") if feature is not None else []
    for link in label_links(host_model):
        if registry_name(link.model) in registries:
            return link.model
    return ULabel


def _records_named(model: Any, items: list[Any]) -> list[Any]:
    """Records of ``model`` for names (by its name field) and records; a clear error for
    names it lacks, before anything is written."""
    field = model._name_field
    names = [item for item in items if isinstance(item, str)]
    found = {getattr(r, field): r for r in model.objects.filter(**{f"{field}__in": names})}
    missing = [name for name in names if name not in found]
    if missing:
        raise InvalidArgument(
            f"No {model.__name__} has {field} {missing[:10]}; nothing was written. Create "
            f"them first, e.g. ln.save({model.__name__}.from_values({missing[:3]!r}))."
        )
    return [item for item in items if not isinstance(item, str)] + [found[n] for n in names]


def _labels_for(feature: Feature | None, value: Any) -> list[ULabel]:
    """The saved ULabel records that ``value`` names (names or records), or a clear error."""
    items = value if isinstance(value, (list, tuple, set, QuerySet)) else [value]
    records = [item for item in items if isinstance(item, ULabel)]
    names = [item for item in items if isinstance(item, str)]
    wrong = [item for item in items if not isinstance(item, (ULabel, str))]
    where = f"Feature {feature.name!r} is a category: its values" if feature else "Labels"
    if wrong:
        raise WrongType(
            f"{where} are label names or ULabel records, not {wrong[0]!r} "
            f"({type(wrong[0]).__name__})."
        )
    found = {label.name: label for label in ULabel.objects.filter(name__in=names)}
    missing = [name for name in names if name not in found]
    if missing:
        raise InvalidArgument(
            f"No ULabel is named {missing[:10]}; nothing was written. Create them first: "
            "ln.save([ln.ULabel(name=n) for n in names])."
        )
    unsaved = [label.name for label in records if label._state.adding]
    if unsaved:
        raise InvalidArgument(
            f"Labels {unsaved[:5]} are not saved; save them first (ln.save(labels))."
        )
    return records + [found[name] for name in names]


def check_against_schema(df: Any, schema: Any) -> list[str]:
    """Raise ValidationError unless ``df`` fits ``schema``; its category columns otherwise.

    Example:
        >>> check_against_schema(df, ln.Schema.get(name="samples"))  # doctest: +SKIP
        ['cell_type']
    """
    if not isinstance(schema, FeatureSet) or schema._state.adding:
        raise InvalidArgument(
            f"schema must be a saved FeatureSet (ln.Schema) of features, not {schema!r}."
        )
    members = list(schema.members)
    categoricals = {f.name: "name" for f in members if f.type == "category"}
    required = [(f.name, f.type) for f in members]
    problems = table_problems(
        df, required, categoricals, ULabel.objects.all(), extra_allowed=not schema.maximal_set
    )
    if problems:
        raise ValidationError(
            f"The DataFrame does not validate against schema {schema.uid}; nothing was "
            "written:\n  - " + "\n  - ".join(problems) + "\nFix it with "
            "ln.curators.DataFrameCurator(df, schema): standardize(), add_new_from()."
        )
    return list(categoricals)


class Annotated:
    """``labels`` and ``features`` of artifacts and collections.

    Example:
        >>> artifact.labels, artifact.features  # doctest: +SKIP
    """

    def _annotate_table(self, df: Any, categoricals: list[str] | dict[str, Any]) -> None:
        """Link a saved table's features (slot ``columns``) and its categoricals' labels.

        ``categoricals``: the columns (values are ULabel names), or ``{column:
        field}`` for values of other registries (``bt.CellType.name``).
        """
        features = list(Feature.objects.filter(name__in=[str(c) for c in df.columns]))
        if features:
            self.features.add(features, slot="columns")
        self._link_column_labels(df, categoricals, {feature.name: feature for feature in features})

    def _link_column_labels(
        self, df: Any, categoricals: list[str] | dict[str, Any], features: dict[str, Any]
    ) -> None:
        """Link the records named by each categorical column's values, under its feature."""
        fields = categoricals if isinstance(categoricals, dict) else dict.fromkeys(categoricals)
        for column, field in fields.items():
            model = getattr(getattr(field, "field", None), "model", None) or ULabel
            name = field_name(model, field if model is not ULabel else None)
            values = [str(v) for v in df[column].dropna().unique()]
            ids = ids_by_value(model.objects.all(), name, values).values()
            self.labels._link_ids(ids, features.get(column), model)

    @property
    def labels(self) -> LabelManager:
        """The labels: ``add(records, feature=...)``, ``get(feature)``, ``remove``, ``add_from``.

        Example:
            >>> artifact.labels.add(ulabels.study0, feature=features.study_name)  # doctest: +SKIP
        """
        return LabelManager(self)

    @property
    def features(self) -> FeatureManager:
        """The feature sets by slot: ``add(features, slot=...)``, ``[slot]``, ``add_values``.

        Example:
            >>> artifact.features["columns"].df()  # doctest: +SKIP
        """
        return FeatureManager(self)
