"""QuerySet and lookups: what ``Registry.filter(...)`` returns.

``df()`` builds a pandas DataFrame in one query; ``one()`` insists on one
row; ``get()`` accepts a uid, a unique uid prefix or an integer id;
``lookup()`` gives tab-completable access to records by name.
"""

from __future__ import annotations

import builtins
import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldError
from django.db import models

from lineagedb._base.identifiers import MIN_UID_PREFIX, refuse_blank, refuse_unstorable
from lineagedb.errors import InvalidArgument, MultipleFound, NotFound, UnknownField
from lineagedb.models.query import feature_lookups
from lineagedb.models.query.fields import (
    fans_out,
    field_names,
    integer_columns,
    one_link,
    public_columns,
    with_link_aliases,
)
from lineagedb.models.query.lookup import Lookup

if TYPE_CHECKING:
    import pandas as pd

_error_classes: dict[tuple[type, type], type[Exception]] = {}

# one()/get() over more matches than this never treat them as one version family.
_FAMILY_SCAN = 1000


def registry_error(model: type[models.Model], kind: type[Exception]) -> type[Exception]:
    """An error class that is both ``kind`` (ours) and the model's Django error.

    ``except ln.errors.NotFound`` and ``except ln.Artifact.DoesNotExist``
    both catch what ``get()`` raises, and Django's own ``get_or_create``
    keeps working. The error's ``model`` is the registry asked.

    Example:
        >>> registry_error(ln.Artifact, NotFound)
        <class 'lineagedb.models.query.queryset.ArtifactNotFound'>
    """
    key = (model, kind)
    if key not in _error_classes:
        django_error = model.DoesNotExist if kind is NotFound else model.MultipleObjectsReturned  # type: ignore[attr-defined]
        _error_classes[key] = type(
            f"{model.__name__}{kind.__name__}", (kind, django_error), {"model": model}
        )
    return _error_classes[key]


# Lookups whose empty value names nothing (an unset shell variable) and is refused.
_IDENTIFYING = ("uid", "uid__startswith", "key", "stem_uid")


def _describe_lookups(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    parts = [repr(arg) for arg in args] + [f"{name}={value!r}" for name, value in kwargs.items()]
    return ", ".join(parts) or "no condition"


class QuerySet(models.QuerySet):
    """Records of one registry that match a query; lazy until iterated.

    Example:
        >>> import lineagedb as ln
        >>> ln.Artifact.filter(suffix=".csv").df().key.tolist()
        ['iris_studies/study0_raw_images/meta.csv']
    """

    def filter(self, *args: Any, **kwargs: Any) -> QuerySet:
        """Records matching Django lookups (``key__startswith="study0/"``).

        Artifacts also take feature names: ``filter(temperature__gt=37.5)``
        (values added with ``features.add_values``), ``filter(cell_type="T cell")``
        (labels under a category feature); several features must all match.

        Example:
            >>> ln.Artifact.filter(suffix=".csv").count()
            1
        """
        for name, value in kwargs.items():
            refuse_unstorable(value, f"{self.model.__name__}.filter({name}=...)")
        kwargs = with_link_aliases(self.model, kwargs)
        kwargs, per_feature = feature_lookups.split_lookups(self, kwargs)
        result = self._filter(*args, **kwargs)
        # Each feature is a condition of its own; a label feature's: any of its registries.
        for options in per_feature:
            result = result._filter(feature_lookups.any_of(options))
        return result

    def _filter(self, *args: Any, **kwargs: Any) -> QuerySet:
        if self._sticky_filter or self.query.filter_is_sticky:
            # A related manager's filter (artifact.feature_sets.filter(...)): Django reuses
            # its link table's join for the next filter, which a subquery or a distinct()
            # in between would lose (and match another host's link). The manager's own
            # filter comes first (_sticky_filter); after the user's, rows that a many-valued
            # lookup repeats are made distinct.
            try:
                result = super().filter(*args, **kwargs)
            except FieldError as error:
                raise self._unknown_field(error) from None
            repeats = not self._sticky_filter and any(fans_out(self.model, k) for k in kwargs)
            return result.distinct() if repeats else result
        fanning = {
            key: value
            for key, value in kwargs.items()
            if fans_out(self.model, key) and not one_link(self.model, key, value)
        }
        try:
            if fanning and not args:
                # Lookups through a many-valued relation (labels, feature sets) go in a
                # subquery: each record comes once, however many related rows match.
                rest = {key: value for key, value in kwargs.items() if key not in fanning}
                base = models.QuerySet.filter(self.model.objects.all(), **fanning)
                return super().filter(pk__in=base.values("pk"), **rest)
            result = super().filter(*args, **kwargs)
        except FieldError as error:
            raise self._unknown_field(error) from None
        return result.distinct() if fanning else result

    def exclude(self, *args: Any, **kwargs: Any) -> QuerySet:
        """Records not matching the lookups.

        Example:
            >>> ln.Artifact.filter().exclude(suffix=".csv").count()
            2
        """
        for name, value in kwargs.items():
            refuse_unstorable(value, f"{self.model.__name__}.exclude({name}=...)")
        kwargs = with_link_aliases(self.model, kwargs)
        try:
            return super().exclude(*args, **kwargs)
        except FieldError as error:
            raise self._unknown_field(error) from None

    def order_by(self, *field_names: Any) -> QuerySet:
        """Records ordered by fields (``"-created_at"`` for newest first).

        Example:
            >>> ln.Artifact.filter().order_by("-size").first().key
            'pbmc.h5ad'
        """
        try:
            return super().order_by(*field_names)
        except FieldError as error:
            raise self._unknown_field(error) from None

    def _unknown_field(self, error: FieldError) -> UnknownField:
        """Django's FieldError said once, in our words: the name, close names or the fields."""
        import difflib

        name = self.model.__name__
        fields = [
            field.name
            for field in self.model._meta.get_fields()
            if not field.name.endswith("_links") and field.name != "folder_manifest"
        ]
        text = str(error)
        unknown = re.match(r"Cannot resolve keyword '([^']*)' into field", text)
        if unknown:
            close = difflib.get_close_matches(unknown.group(1), fields, n=3)
            hint = f" Did you mean {' or '.join(close)}?" if close else ""
            return UnknownField(
                f"{name} has no field {unknown.group(1)!r}.{hint} Its fields: {', '.join(fields)}."
            )
        lookup = re.match(r"Unsupported lookup '([^']*)' for (\w+)", text)
        if lookup:
            suggestion = re.search(r"perhaps you meant ([\w ]+)\?", text)
            hint = f" Did you mean {suggestion.group(1)}?" if suggestion else ""
            return UnknownField(
                f"{name} query failed: {lookup.group(1)!r} is not a lookup of a "
                f"{lookup.group(2)} (nor a field behind it).{hint} Lookups look like "
                "size__gt=3, key__startswith='a/', transform__name='x'."
            )
        return UnknownField(f"{name} query failed: {text} Its fields: {', '.join(fields)}.")

    def get(self, *args: Any, **kwargs: Any) -> Any:
        """The one record matching a uid, uid prefix, integer id or lookups.

        A version family's stem uid (16 characters of an artifact's 20) gives
        its latest version; ``path=`` an artifact's storage path (local or
        ``s3://…``) finds the artifact stored there.

        Example:
            >>> ln.Artifact.filter().get(artifact.uid[:8]) == artifact
            True
            >>> ln.Artifact.filter().get(artifact.stem_uid) == artifact  # the latest version
            True
        """
        if "path" in kwargs and hasattr(self.model, "_lookups_for_path"):
            kwargs.update(self.model._lookups_for_path(kwargs.pop("path")))
        for name in _IDENTIFYING:
            what = name.replace("__startswith", " prefix")
            refuse_blank(kwargs.get(name), what, self.model.__name__)
        for name, value in [*kwargs.items(), *(("uid", arg) for arg in args)]:
            refuse_unstorable(value, f"{self.model.__name__}.get({name}=...)")
        if len(args) == 1 and isinstance(args[0], (int, str)) and not isinstance(args[0], bool):
            idlike = args[0]
            refuse_blank(idlike, "uid", self.model.__name__)
            if isinstance(idlike, int):
                kwargs["id"] = idlike
            elif len(idlike) == self.model._meta.get_field("uid").max_length:
                kwargs["uid"] = idlike
            else:
                kwargs["uid__startswith"] = idlike
            args = ()
        try:
            return super().get(*args, **kwargs)
        except FieldError as error:
            raise self._unknown_field(error) from None
        except self.model.DoesNotExist:
            raise registry_error(self.model, NotFound)(
                f"No {self.model.__name__} matches {_describe_lookups(args, kwargs)}. "
                f"See what exists with ln.{self.model.__name__}.df()."
            ) from None
        except self.model.MultipleObjectsReturned:
            prefix = kwargs.get("uid__startswith")
            if not (isinstance(prefix, str) and len(prefix) < MIN_UID_PREFIX):
                latest = self._latest_of_family(kwargs) or self._latest_if_one_family(
                    super().filter(*args, **kwargs)
                )
                if latest is not None:
                    return latest
            uids = list(super().filter(*args, **kwargs).values_list("uid", flat=True)[:10])
            raise registry_error(self.model, MultipleFound)(
                f"Several {self.model.__name__} records match "
                f"{_describe_lookups(args, kwargs)}: {', '.join(uids)}"
                f"{', ...' if len(uids) == 10 else ''}. Give a longer uid or more conditions."
            ) from None

    def _latest_of_family(self, lookups: dict[str, Any]) -> Any:
        """For a version family's stem uid (uid minus its 4-character suffix), its latest."""
        prefix = lookups.get("uid__startswith")
        fields = {field.name for field in self.model._meta.concrete_fields}
        if prefix is None or len(lookups) != 1 or "is_latest" not in fields:
            return None
        if len(prefix) != self.model._meta.get_field("uid").max_length - 4:
            return None
        return super().filter(uid__startswith=prefix, is_latest=True).first()

    def _latest_if_one_family(self, query: models.QuerySet) -> Any:
        """The latest member when every match is a version of one record, else None.

        ``Artifact.get(key="a.csv")`` and ``filter(key=...).one()`` name the
        key's version family: they give its latest version (as LaminDB does).
        """
        if "is_latest" not in field_names(self.model):
            return None
        members = list(query[:_FAMILY_SCAN])
        if len(members) == _FAMILY_SCAN or len({m.uid[:-4] for m in members}) != 1:
            return None
        latest = [member for member in members if member.is_latest]
        # Suffixes are base62 in ASCII order (0-9, A-Z, a-z): text order is version order.
        return latest[0] if latest else max(members, key=lambda member: member.uid[-4:])

    def one(self) -> Any:
        """The single record of this query; raise if there are none or several.

        Example:
            >>> ln.Transform.filter(name__icontains="pipeline").one().name
            'My pipeline'
        """
        records = list(self[:2])
        if not records:
            raise registry_error(self.model, NotFound)(
                f"No {self.model.__name__} matches this query. "
                f"Loosen the filter, or use .one_or_none() when none is fine."
            )
        if len(records) > 1:
            latest = self._latest_if_one_family(self)
            if latest is not None:
                return latest
            raise registry_error(self.model, MultipleFound)(
                f"More than one {self.model.__name__} matches this query "
                f"({self.count()} records). Add conditions, or use .first()."
            )
        return records[0]

    def list(self, field: Any = None) -> list[Any]:
        """The records as a list, or with ``field`` the values of that field.

        On every QuerySet and related manager (``label.parents.list("name")``).

        Example:
            >>> ln.ULabel.filter(name="setosa").list("name")
            ['setosa']
        """
        if field is None:
            return [*self]
        name = field if isinstance(field, str) else _field_attr_name(field)
        if not isinstance(name, str):
            raise InvalidArgument(f"list() takes a field name or a field, not {field!r}.")
        return [*self.values_list(name, flat=True)]

    def one_or_none(self) -> Any:
        """The single record of this query, None if there is none; raise if several.

        Example:
            >>> ln.Artifact.filter(key="missing.csv").one_or_none() is None
            True
        """
        records = list(self[:2])
        if len(records) > 1 and (latest := self._latest_if_one_family(self)) is not None:
            return latest
        if len(records) > 1:
            raise registry_error(self.model, MultipleFound)(
                f"More than one {self.model.__name__} matches this query "
                f"({self.count()} records). Add conditions, or use .first()."
            )
        return records[0] if records else None

    def df(self, include: str | builtins.list[str] | None = None) -> pd.DataFrame:
        """The records as a DataFrame indexed by ``id``, newest first unless ordered.

        Columns are the registry's fields in their declared order; foreign
        keys appear as ``<name>_id``. ``include`` adds columns, first, of related
        values, one list per record (``"ulabels__name"``,
        ``"feature_sets__features__name"``), or ``"features"``: one column
        per feature of the artifacts' values and labels.

        Example:
            >>> ln.Artifact.filter(suffix=".csv").df().columns[:3].tolist()
            ['uid', 'storage_id', 'key']
            >>> ln.Artifact.df(include=["ulabels__name"]).ulabels__name.tolist()
            [[], [], ['study0']]
        """
        import pandas as pd

        columns = public_columns(self.model)
        # A sliced query can't be reordered; it keeps the order it was sliced in.
        query = self if self.ordered or self.query.is_sliced else self.order_by("-id")
        rows = list(query.values_list(*columns))
        frame = pd.DataFrame.from_records(rows, columns=columns).set_index("id")
        for name in integer_columns(self.model):
            if name in frame.columns:  # nullable: transform_id 1, not 1.0; missing is <NA>
                frame[name] = frame[name].astype("Int64")
        wanted = [include] if isinstance(include, str) else list(include or [])
        ids = list(frame.index)
        first: builtins.list[str] = []  # included columns go first, as in LaminDB 0.70
        for lookup in wanted:
            if lookup == "features":
                feature_lookups.on_this_instance(self, 'df(include="features")')
                for name, values in feature_lookups.feature_columns(self.model, ids).items():
                    frame[name] = [values.get(i) for i in ids]
                    first.append(name)
                continue
            first.append(lookup)
            related: dict[int, list[Any]] = {}
            base = models.QuerySet.filter(self.model.objects.using(self.db).all(), pk__in=ids)
            try:
                pairs = base.values_list("pk", lookup)
                for pk, value in pairs:
                    if value is not None:
                        related.setdefault(pk, []).append(value)
            except FieldError as error:
                raise self._unknown_field(error) from None
            frame[lookup] = [sorted(set(related.get(i, [])), key=str) for i in ids]
        if first:
            frame = frame[[*first, *(c for c in frame.columns if c not in first)]]
        return frame

    to_dataframe = df

    def validate(self, values: Any, field: Any = None, mute: bool = False) -> Any:
        """Whether each value equals ``field`` of one of these records (exact, case-sensitive).

        Example:
            >>> organism = ln.ULabel(name="is_organism").save()
            >>> organism.children.add(ln.ULabel.get(name="setosa"))
            >>> ln.ULabel.filter(parents__name="is_organism").validate(["setosa", "study0"])
            array([ True, False])
        """
        from lineagedb.models.query.validation import validate

        return validate(self, values, field, mute)

    def inspect(self, values: Any, field: Any = None, mute: bool = False) -> Any:
        """Validated and non-validated values among these records, with synonyms and case variants.

        Example:
            >>> ln.ULabel.filter().inspect(["setosa", "Setosa"]).non_validated
            ['Setosa']
        """
        from lineagedb.models.query.validation import inspect

        return inspect(self, values, field, mute)

    def standardize(self, values: Any, field: Any = None, **options: Any) -> Any:
        """Values mapped to these records' own (synonyms; case unless ``case_sensitive=True``).

        Example:
            >>> ln.Feature.filter().standardize(["Temp"])
            ['temperature']
        """
        from lineagedb.models.query.standardization import standardize

        return standardize(self, values, field, **options)

    def from_values(self, values: Any, field: Any = None, mute: bool = False) -> builtins.list[Any]:
        """The records among these for the values (exact, then synonyms); never creates.

        Example:
            >>> ln.ULabel.filter().from_values(["setosa"])
            [ULabel(uid='...', name='setosa', created_by_id=1)]
        """
        from lineagedb.models.query.standardization import from_values

        return from_values(self, values, field, mute)

    def view_tree(self, max_files_per_folder: int = 6, max_lines: int = 1000) -> None:
        """Print the keys of these records as a folder tree (records without a key are left out).

        Example:
            >>> ln.Artifact.filter(suffix=".csv").view_tree()
            Artifact (2 sub-directories & 1 files with suffixes '.csv'):
            └── iris_studies
                └── study0_raw_images
                    └── meta.csv
        """
        from lineagedb.storage.tree import print_tree

        if "key" not in {field.name for field in self.model._meta.concrete_fields}:
            raise InvalidArgument(f"{self.model.__name__} records have no key to draw a tree of.")
        keys = [key for key in self.values_list("key", flat=True) if key]
        print_tree(self.model.__name__, keys, max_files_per_folder, max_lines)

    def lookup(self, field: str | Any | None = None) -> Lookup:
        """A namespace with one attribute per record, named after ``field``.

        Example:
            >>> users = ln.User.lookup()
            >>> users.anonymous
            User(uid='00000000', handle='anonymous', ...)
        """
        name_field = _field_name(field) if field is not None else self.model._name_field
        # The latest version of a family gets the plain name; older ones _2, _3, ….
        order = ("-is_latest", "id") if "is_latest" in field_names(self.model) else ("id",)
        rows = self.order_by(*order).values_list(name_field, "uid", "id")
        return Lookup(self.model, ((value or uid, pk) for value, uid, pk in rows))

    def search(
        self, string: str, field: Any = None, limit: int = 20, return_queryset: bool = False
    ) -> Any:
        """These records ranked by how well their text fields match ``string``.

        Example:
            >>> ln.Artifact.filter(suffix=".csv").search("meta").key.tolist()
            ['iris_studies/study0_raw_images/meta.csv']
        """
        from lineagedb.models.query.search import search

        feature_lookups.on_this_instance(self, "search()")
        return search(self, string, field, limit, return_queryset)

    def latest_version(self) -> QuerySet:
        """Only the latest member of each version family.

        Example:
            >>> ln.Collection.filter(name="Iris").latest_version().one().version
            '1'
        """
        return self.filter(is_latest=True)

    def delete(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """Delete every record with the registry's own rules (trash first for artifacts).

        Example:
            >>> ln.Artifact.filter(suffix=".jpg").delete()
        """
        from lineagedb.models.annotations.usage import guards_deletes, refuse_if_used

        if hasattr(self.model, "_delete_with_rules"):
            for record in list(self):
                record.delete(*args, **kwargs)
            return None
        if guards_deletes(self.model):
            for record in self:
                refuse_if_used(record)
        return super().delete()


def _field_name(field: str | Any) -> str:
    if isinstance(field, str):
        return field
    # A model field attribute such as ln.User.handle (a DeferredAttribute).
    return field.field.name


def _field_attr_name(field: Any) -> Any:
    """The name of a field attribute (``ln.ULabel.name``), else None."""
    return getattr(getattr(field, "field", None), "name", None)
