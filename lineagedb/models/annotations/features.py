"""``artifact.features`` (also on collections), and the ``labels``/``features`` of a host.

``features.add(features, slot=...)`` links a feature set in a slot
(``columns`` for DataFrames); ``add_values`` annotates an artifact with
numbers, text, dates and labels. ``artifact.labels`` is models/labeling.py.

Example:
    >>> artifact.labels.add(ln.ULabel.filter(name="study0"), feature=study_name)
    >>> artifact.features
    Features:
      external: FeatureSet(uid='...', n=1, registry='core.Feature')
        🔗 study_name (1, core.ULabel): 'study0'
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from lineagedb._base.logger import logger
from lineagedb.errors import InvalidArgument, WrongType
from lineagedb.models.annotations.feature import Feature
from lineagedb.models.annotations.feature_set import FeatureSet
from lineagedb.models.annotations.field_ref import FieldRef
from lineagedb.models.annotations.host_links import (
    as_records,
    link_set,
    links_of,
    lock_host,
    refresh_external,
    require_saved,
    sets_by_slot,
)
from lineagedb.models.annotations.label_links import label_links
from lineagedb.models.annotations.labels import LabelManager, label_records, registry_of_names
from lineagedb.models.annotations.values import jsonable, stored_values, value_hash, value_rows
from lineagedb.models.query.queryset import QuerySet
from lineagedb.models.query.validation import field_name


class FeatureManager:
    """The feature sets of an artifact or collection, by slot.

    Example:
        >>> artifact.features.add(ln.Feature.from_df(df), slot="columns").name  # found by hash
        'iris'
        >>> artifact.features["columns"].count()
        5
    """

    def __init__(self, host: Any) -> None:
        self._host = host

    def by_slot(self) -> dict[str | None, FeatureSet]:
        """{slot: FeatureSet} of the host.

        Example:
            >>> artifact.features.by_slot()
            {'external': FeatureSet(uid='...', n=1, registry='core.Feature', ...)}
        """
        return sets_by_slot(self._host)

    def __getitem__(self, slot: str) -> QuerySet:
        sets = self.by_slot()
        if slot not in sets:
            raise InvalidArgument(
                f"No feature set in slot {slot!r}; the host has "
                f"{sorted(s for s in sets if s) or 'none'}. Add one with .features.add(...)."
            )
        members = sets[slot].members  # features, or a registry's records (genes in "var")
        return members.order_by(getattr(members.model, "_name_field", None) or "pk")

    def add(self, features: Any, slot: str | None = None) -> FeatureSet:
        """Link the set of these features to the host in ``slot`` (DataFrames: ``columns``).

        Example:
            >>> artifact.features.add(ln.Feature.from_df(df)).n
            5
        """
        host = self._host
        require_saved(host, "features")
        if slot is None and getattr(host, "accessor", None) == "DataFrame":
            slot = "columns"
        if isinstance(features, FeatureSet):
            features._check_instance()
        feature_set = features if isinstance(features, FeatureSet) else FeatureSet(features)
        with transaction.atomic():
            if feature_set._state.adding:
                feature_set.save()
            link_set(host, feature_set, slot)  # takes the host's lock
            refresh_external(host, locked=True)
        return feature_set

    def add_from_df(self) -> FeatureSet | None:
        """Link the registered features named like the DataFrame's columns, in slot ``columns``.

        Example:
            >>> df_artifact.features.add_from_df().n
            5
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

    def add_from_anndata(
        self, var_field: Any = None, obs_field: Any = None, organism: Any = None
    ) -> None:
        """Link the registered features among an AnnData's var names (slot ``var``) and obs columns.

        Names are matched against ``Feature.name`` (the default of both
        fields; registries of biological entities come with the bionty
        module; ``organism`` picks the genes of one organism). The AnnData
        is opened in place, not loaded.

        Example:
            >>> adata_artifact.features.add_from_anndata(var_field=ln.Feature.name)
        """
        host = self._host
        require_saved(host, "features")
        if getattr(host, "accessor", None) != "AnnData":
            raise InvalidArgument(f"{type(host).__name__} {host.uid} holds no AnnData.")
        models = {}
        for slot, field in (("var", var_field), ("obs", obs_field)):
            ref = FieldRef.of(field).or_model(Feature)
            name, model = ref.name, ref.model
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
            query = model.objects.filter(**{f"{name}__in": names})
            if organism is not None and "organism" in {f.name for f in model._meta.fields}:
                query = query.filter(organism__name=getattr(organism, "name", organism))
            found = list(query)
            if not found:
                if names:
                    _report_unregistered(slot, names, model, name)
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
            >>> _ = ln.Feature(name="donor", dtype="str").save()
            >>> _ = ln.Feature(name="cell_types", dtype="cat[ULabel]").save()
            >>> artifact.features.add_values(
            ...     {"temperature": 37.2, "donor": "D1", "cell_types": ["T cell", "B cell"]}
            ... )
            >>> ln.Artifact.filter(temperature__gt=37).one() == artifact
            True
        """
        host = self._host
        require_saved(host, "feature values")
        value_links = links_of(host).values
        if value_links is None:
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
        labels: dict[str, tuple[Any, list[Any]]] = {}
        rows: list[tuple[Feature, Any, float | None, str | None, str]] = []
        for name, value in values.items():
            feature = features[name]
            if feature.type == "category":
                registry = registry_of_names(type(host), feature)
                labels[name] = (registry, label_records(registry, value, feature))
            else:
                rows.extend(value_rows(feature, value))
        with transaction.atomic():
            lock_host(host)
            stored = stored_values(rows)
            links = [value_links(artifact=host, featurevalue=value) for value in stored]
            value_links.objects.bulk_create(links, ignore_conflicts=True)
            for name, (registry, records) in labels.items():
                LabelManager(host)._link_ids([r.pk for r in records], features[name], registry)
            refresh_external(host, locked=True)

    def get_values(self) -> dict[str, Any]:
        """The artifact's feature values by feature name (labels by name; lists where several).

        Example:
            >>> artifact.features.add_values({"temperature": 37.2})
            >>> artifact.features.get_values()
            {'study_name': 'study0', 'temperature': 37.2}
        """
        host = self._host
        found: dict[str, list[Any]] = {}
        if host._state.adding:
            return {}
        value_links = links_of(host).values
        if value_links is not None:
            pairs = value_links.objects.filter(artifact=host).values_list(
                "featurevalue__feature__name", "featurevalue__value"
            )
            for name, value in pairs:
                found.setdefault(name, []).append(value)
        for link in label_links(type(host)):  # ULabel's and the schema modules' registries
            if link.has_feature:
                named = link.through.objects.filter(
                    **{link.host_field: host}, feature__isnull=False
                )
                label = f"{link.label_field}__{link.name_field}"
                for name, value in named.values_list("feature__name", label):
                    found.setdefault(name, []).append(value)
        return {
            name: (sorted(items, key=str) if len(items) > 1 else items[0])
            for name, items in sorted(found.items())
        }

    def remove_values(self, features: Any, value: Any = None) -> None:
        """Remove the artifact's values (and labels) of features (names or records); ``value`` only.

        Example:
            >>> artifact.features.add_values({"temperature": 37.2})
            >>> artifact.features.remove_values("temperature")
            >>> artifact.features.get_values()
            {'study_name': 'study0'}
        """
        host = self._host
        require_saved(host, "feature values")
        names = [f.name if isinstance(f, Feature) else str(f) for f in as_records(features)]
        value_links = links_of(host).values
        with transaction.atomic():
            lock_host(host)
            if value_links is not None:
                links = value_links.objects.filter(
                    artifact=host, featurevalue__feature__name__in=names
                )
                if value is not None:
                    links = links.filter(featurevalue__hash=value_hash(jsonable(value)))
                links.delete()
            for link in label_links(type(host)):
                if not link.has_feature:
                    continue
                linked = link.through.objects.filter(
                    **{link.host_field: host}, feature__name__in=names
                )
                if value is not None:
                    named = f"{link.label_field}__{link.name_field}__in"
                    linked = linked.filter(**{named: as_records(value)})
                linked.delete()
            refresh_external(host, locked=True)

    def __repr__(self) -> str:
        from lineagedb.display.describe import features_section
        from lineagedb.models.annotations.summary import annotations_of

        lines = features_section(annotations_of(self._host))
        return "\n".join(lines) if lines else "no linked features"


class Annotated:
    """``labels`` and ``features`` of artifacts and collections.

    Example:
        >>> artifact.labels, artifact.features
        (Labels:
          📎 ulabels (1, core.ULabel): 'study0', Features:
          external: FeatureSet(uid='...', n=1, registry='core.Feature')
            🔗 study_name (1, core.ULabel): 'study0')
    """

    @property
    def labels(self) -> LabelManager:
        """The labels: ``add(records, feature=...)``, ``get(feature)``, ``remove``, ``add_from``.

        Example:
            >>> artifact.labels.add(ulabels.study0, feature=study_name)
            >>> artifact.labels.get(study_name, flat_names=True)
            ['study0']
        """
        return LabelManager(self)

    @property
    def features(self) -> FeatureManager:
        """The feature sets by slot: ``add(features, slot=...)``, ``[slot]``, ``add_values``.

        Example:
            >>> _ = df_artifact.features.add_from_df()
            >>> df_artifact.features["columns"].df().name.tolist()[:2]
            ['iris_organism_name', 'petal_length']
        """
        return FeatureManager(self)


def _report_unregistered(slot: str, names: list[str], model: Any, name: str) -> None:
    """Say that an AnnData slot's names match no record, and how to register them."""
    from lineagedb.models.query.validation import qualified_name

    registry = qualified_name(model)
    what = "var names" if slot == "var" else "obs columns"
    source = "adata.var_names" if slot == "var" else "adata.obs.columns"
    how = (
        f"ln.save(ln.Feature.from_df(adata.{slot}))"
        if model is Feature and slot == "obs"
        else f"ln.save({registry}.from_values({source}, field='{name}'))"
    )
    logger.warning(
        f"none of the {len(names)} {what} is a registered {registry}.{name}: slot {slot!r} "
        f"is not linked → register them first: {how}"
    )
