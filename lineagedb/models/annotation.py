"""ULabel, Feature and FeatureSet: the labels and measurement dimensions that annotate data.

A ULabel is a free label ("study0", "setosa"), arranged in parents and
children. A Feature is a dimension of data (a column, a variable): its
type is ``number``, ``category`` or ``bool``, and a category feature knows
the registries its values come from. A FeatureSet is a set of features,
identified by the hash of its members' uids: the same members give the
same record, shared by every artifact that has them.

Example:
    >>> import lineagedb as ln
    >>> study = ln.ULabel(name="study0").save()  # doctest: +SKIP
    >>> feature = ln.Feature(name="study_name", type="category").save()  # doctest: +SKIP
    >>> artifact.labels.add(study, feature=feature)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from difflib import SequenceMatcher
from typing import Any

from django.db import models

from lineagedb._base62 import base62
from lineagedb._logger import logger
from lineagedb._settings import settings
from lineagedb.errors import InvalidArgument, WrongType
from lineagedb.label_links import registry_name
from lineagedb.models.record import Record
from lineagedb.storage.hashing import encode_digest

FEATURE_TYPES = ("number", "category", "bool", "str", "date", "datetime", "dict")
# Python types and dtype-like names accepted for Feature(type=...).
_TYPE_ALIASES = {
    int: "number",
    float: "number",
    str: "category",
    object: "category",
    bool: "bool",
    "int": "number",
    "float": "number",
    "num": "number",
    "str": "category",
    "object": "category",
    "cat": "category",
}


def ulabel_uid() -> str:
    """A new ULabel uid (8 characters)."""
    return base62(8)


def feature_uid() -> str:
    """A new Feature uid (12 characters)."""
    return base62(12)


def feature_set_uid() -> str:
    """A new FeatureSet uid (20 characters)."""
    return base62(20)


def _named(cls: type[Record], name: Any, record: Record) -> Record | None:
    """The name rule: an existing record of this name, else None (after warning of similar ones)."""
    if not settings.upon_create_search_names:
        return None
    existing = cls.objects.filter(name=name).first()
    if existing is not None:
        logger.warning(
            f"loaded {cls.__name__} record with same name: {name!r} "
            "(disable via ln.settings.upon_create_search_names)"
        )
        return existing
    similar = _similar_names(cls, name)
    if similar:
        table = "\n".join(f"    {n!r} (uid {u}, score {s:.0f})" for n, u, s in similar)
        logger.warning(
            f"record(s) with similar name(s) exist! did you mean to load one of them?\n{table}"
        )
    return None


def _similar_names(cls: type[Record], name: str) -> list[tuple[str, str, float]]:
    """(name, uid, score) of records whose name scores ≥ 90 against ``name``, best first."""
    try:
        ranked = cls.search(name, field="name", limit=5)
    except Exception:  # search is advisory here; the record is built either way
        return []
    if ranked is None or len(ranked) == 0 or "score" not in ranked.columns:
        return []
    found = []
    for uid, row in ranked.iterrows():
        # search() ranks by text; names also count as similar when they differ
        # only in case, spaces or punctuation ("project 1" ~ "Project1").
        closeness = 100 * SequenceMatcher(None, _folded(name), _folded(row["name"])).ratio()
        score = max(float(row["score"]), closeness)
        if score >= 90 and row["name"] != name:
            found.append((row["name"], str(uid), score))
    return sorted(found, key=lambda item: -item[2])


def _folded(text: str) -> str:
    return "".join(char for char in text.lower() if char.isalnum())


def _only_keywords(
    cls_name: str, args: tuple[Any, ...], allowed: Iterable[str], given: dict
) -> None:
    if args:
        raise InvalidArgument(
            f"{cls_name}() takes its fields by name, e.g. {cls_name}(name='…'); got {args!r}."
        )
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise InvalidArgument(
            f"{cls_name}() got unexpected arguments {', '.join(map(repr, unknown))}; it takes "
            f"{', '.join(allowed)}."
        )


class ULabel(Record):
    """A label: a study, a species, a condition — with parents and children.

    ``ULabel(name=...)`` with a name that exists returns that record (with
    a warning; ``ln.settings.upon_create_search_names = False`` turns it off).

    Example:
        >>> import lineagedb as ln
        >>> is_study = ln.ULabel(name="is_study", description="a study").save()  # doctest: +SKIP
        >>> is_study.children.add(ln.ULabel(name="study0").save())  # doctest: +SKIP
    """

    _search_fields = ("name", "description")
    _name_field = "name"
    _repr_exclude = ("created_at", "updated_at")

    uid = models.CharField(max_length=8, unique=True, default=ulabel_uid)
    name = models.CharField(max_length=150, unique=True, db_index=True)
    description = models.TextField(null=True, blank=True)
    reference = models.CharField(max_length=255, null=True, blank=True, db_index=True)
    reference_type = models.CharField(max_length=25, null=True, blank=True, db_index=True)
    parents = models.ManyToManyField("self", symmetrical=False, related_name="children", blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey("User", models.PROTECT, related_name="+")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _only_keywords(
            "ULabel", args, ("name", "description", "reference", "reference_type"), kwargs
        )
        name = kwargs.get("name")
        if name is None:
            raise WrongType("ULabel() needs a name, e.g. ln.ULabel(name='study0').")
        if not isinstance(name, str) or not name:
            raise InvalidArgument(f"A ULabel's name must be a non-empty string, not {name!r}.")
        existing = _named(ULabel, name, self)
        if existing is not None:
            super().__init__()
            self._become(existing)
            return
        super().__init__(**kwargs)

    def view_parents(
        self, field: str | None = None, with_children: bool = False, distance: int = 5
    ) -> Any:
        """A graph of the label's parents (up to ``distance`` levels), and children if asked.

        Returns a ``graphviz.Digraph``: SVG in Jupyter, ``.source`` is the DOT text.

        Example:
            >>> print(is_organism.view_parents(with_children=True).source)  # doctest: +SKIP
        """
        from lineagedb.display.lineage import parents_graph

        field = field or "name"
        return parents_graph(
            self,
            lambda label: list(label.parents.all()),
            lambda label: getattr(label, field),
            distance,
            (lambda label: list(label.children.all())) if with_children else None,
        )


# LaminDB 2's dtype= names: "str" is free text there (0.70's type=str is a category).
_DTYPE_ALIASES = {
    "num": "number",
    "int": "number",
    "float": "number",
    "number": "number",
    "str": "str",
    "bool": "bool",
    "date": "date",
    "datetime": "datetime",
    "dict": "dict",
    "cat": "category",
    "category": "category",
    int: "number",
    float: "number",
    str: "str",
    bool: "bool",
    dict: "dict",
}


def _feature_type(value: Any, dtype: Any = None) -> str:
    if value is None and dtype is None:
        raise InvalidArgument(
            "Feature() needs a type: 'number', 'category' or 'bool' (or int, float, str, bool), "
            "or a LaminDB 2 dtype ('num', 'str', 'date', 'cat[ULabel]', ...)."
        )
    if value is None:
        if isinstance(dtype, str) and dtype.startswith("cat"):
            return "category"
        resolved = _DTYPE_ALIASES.get(dtype)
        if resolved is None:
            raise InvalidArgument(
                f"dtype {dtype!r} is not one of 'num', 'int', 'float', 'str', 'bool', 'date', "
                "'datetime', 'dict' or 'cat[<registry>]'."
            )
        return resolved
    if isinstance(value, str) and value.startswith("cat["):
        return "category"
    resolved = _TYPE_ALIASES.get(value, value)
    if resolved not in ("number", "category", "bool"):
        raise InvalidArgument(
            f"Feature type {value!r} is not one of 'number', 'category', 'bool' (or int, float, "
            "str, bool); LaminDB 2's dtype= takes 'str', 'date', 'datetime', 'dict' too."
        )
    return str(resolved)


def _registries(value: Any, dtype: Any) -> str | None:
    """``registries`` as stored: a ``|``-joined string of registry names."""
    if isinstance(dtype, str) and dtype.startswith("cat[") and dtype.endswith("]"):
        names = [part.strip() for part in dtype[4:-1].split("|") if part.strip()]
        stored = [name if "." in name else f"core.{name}" for name in names]
        value = "|".join(dict.fromkeys([*(value.split("|") if value else []), *stored]))
    if value is None or isinstance(value, str):
        return value or None
    if not isinstance(value, (list, tuple)):
        raise WrongType(
            f"registries must be a list of registries (e.g. [ln.ULabel]) or a string, not "
            f"{type(value).__name__}."
        )
    names = []
    for item in value:
        if not (isinstance(item, type) and issubclass(item, Record)):
            raise WrongType(f"registries holds {item!r}, which is not a registry (e.g. ln.ULabel).")
        names.append(registry_name(item))
    return "|".join(names)


class Feature(Record):
    """A dimension of data — a column, a variable — with a type (number, category, bool).

    ``type`` takes ``"number"``, ``"category"``, ``"bool"`` or the Python
    types ``int``/``float``/``str``/``bool``; LaminDB 2's ``dtype=``
    (``"num"``, ``"str"``, ``"cat[ULabel]"``) is accepted too. A category
    feature lists the registries its values come from (``registries``).

    Example:
        >>> import lineagedb as ln
        >>> ln.Feature(name="study_name", type="category").save()  # doctest: +SKIP
        >>> ln.Feature(name="temperature", dtype="num", unit="°C").save()  # doctest: +SKIP
    """

    _search_fields = ("name", "description")
    _name_field = "name"
    _repr_exclude = ("created_at", "updated_at")

    uid = models.CharField(max_length=12, unique=True, default=feature_uid)
    name = models.CharField(max_length=150, db_index=True)
    type = models.CharField(max_length=64, db_index=True)
    unit = models.CharField(max_length=30, null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    registries = models.CharField(max_length=120, null=True, blank=True)
    synonyms = models.TextField(null=True, blank=True)
    feature_sets = models.ManyToManyField(
        "FeatureSet", related_name="features", through="FeatureSetFeature"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey("User", models.PROTECT, related_name="+")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        allowed = ("name", "type", "dtype", "unit", "description", "synonyms", "registries")
        _only_keywords("Feature", args, allowed, kwargs)
        name = kwargs.get("name")
        if name is None:
            raise WrongType("Feature() needs a name, e.g. ln.Feature(name='study_name', type=str).")
        if not isinstance(name, str) or not name:
            raise InvalidArgument(f"A Feature's name must be a non-empty string, not {name!r}.")
        existing = _named(Feature, name, self)
        if existing is not None:
            super().__init__()
            self._become(existing)
            return
        dtype = kwargs.pop("dtype", None)
        kwargs["type"] = _feature_type(kwargs.get("type"), dtype)
        kwargs["registries"] = _registries(kwargs.get("registries"), dtype)
        synonyms = kwargs.get("synonyms")
        if isinstance(synonyms, (list, tuple)):
            kwargs["synonyms"] = "|".join(synonyms)
        super().__init__(**kwargs)

    @classmethod
    def from_df(cls, df: Any, field: Any = None) -> list[Feature]:
        """One Feature per column of a DataFrame (existing ones by name), typed from its dtype.

        Categorical and string columns are ``category``, integer and float
        ones ``number``, boolean ones ``bool``; other dtypes are refused.

        Example:
            >>> features = ln.Feature.from_df(df)  # doctest: +SKIP
            >>> ln.save(features)  # doctest: +SKIP
        """
        import pandas as pd

        named = getattr(getattr(field, "field", None), "name", "name")
        if field is not None and named != "name":
            raise InvalidArgument("from_df() matches columns by Feature.name only.")
        types = pd.api.types
        features = []
        for column in df.columns:
            dtype = df[column].dtype
            if isinstance(dtype, pd.CategoricalDtype) or types.is_string_dtype(dtype):
                kind = "category"
            elif types.is_bool_dtype(dtype):
                kind = "bool"
            elif types.is_numeric_dtype(dtype):
                kind = "number"
            else:
                raise InvalidArgument(
                    f"Column {column!r} has dtype {dtype}, which no Feature type describes "
                    "('number', 'category', 'bool'). Convert it, or leave it out."
                )
            existing = cls.objects.filter(name=str(column)).first()
            features.append(existing or cls(name=str(column), type=kind))
        return features


class FeatureSet(Record):
    """A set of features, identified by the hash of its members: built once, shared by all.

    Constructing a FeatureSet of members that form a set already returns
    that set. Members must be saved. As a schema (``ln.Schema``), it requires
    its members as columns; ``maximal_set=True`` (LaminDB 2's name) also
    refuses columns that are not members — such a set is another record than
    the one of the same members without it.

    Example:
        >>> features = ln.Feature.from_df(df)  # doctest: +SKIP
        >>> ln.FeatureSet(features, name="iris measurements").save()  # doctest: +SKIP
        >>> ln.Schema(features, maximal_set=True).save()  # no other columns  # doctest: +SKIP
    """

    _search_fields = ("name",)
    _name_field = "name"
    _repr_exclude = ("created_at", "updated_at", "maximal_set")

    uid = models.CharField(max_length=20, unique=True, default=feature_set_uid)
    name = models.CharField(max_length=150, null=True, blank=True)
    n = models.IntegerField()
    type = models.CharField(max_length=64, null=True, blank=True)
    registry = models.CharField(max_length=120, db_index=True)
    hash = models.CharField(max_length=22, db_index=True)
    # As a schema: no columns beyond the members (LaminDB 2's Schema.maximal_set).
    maximal_set = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey("User", models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hash"], name="unique_feature_set_hash")]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) > 1:
            raise InvalidArgument("FeatureSet() takes one positional argument: the features.")
        features = args[0] if args else kwargs.pop("features", None)
        unknown = sorted(set(kwargs) - {"name", "type", "maximal_set"})
        if unknown:
            raise InvalidArgument(
                f"FeatureSet() got unexpected arguments {', '.join(map(repr, unknown))}; it takes "
                "features, name, type and maximal_set."
            )
        maximal = kwargs.get("maximal_set", False)
        if not isinstance(maximal, bool):
            raise WrongType(f"maximal_set must be True or False, not {maximal!r}.")
        members = _members(features)
        digest = members_hash(members)
        if maximal:  # another schema than the same members allowing more columns
            digest = encode_digest(hashlib.md5(f"{digest}|maximal_set".encode()).digest())
        existing = FeatureSet.objects.filter(hash=digest).first()
        if existing is not None:
            logger.info(f"loaded: {existing}")
            super().__init__()
            self._become(existing)
            return
        model = type(members[0])
        kind = kwargs.get("type")
        if model is not Feature and kind is None:
            kind = "number"
        super().__init__(
            name=kwargs.get("name"),
            type=_TYPE_ALIASES.get(kind, kind) if kind is not None else None,
            n=len(members),
            registry=registry_name(model),
            hash=digest,
            maximal_set=maximal,
        )
        self.__dict__["_pending_members"] = members

    def save(self, *args: Any, **kwargs: Any) -> FeatureSet:
        """Save the set and its member links (once: the same members give the same set).

        Example:
            >>> ln.FeatureSet(features).save()  # doctest: +SKIP
        """
        from django.db import IntegrityError, transaction

        members = self.__dict__.pop("_pending_members", None)
        if not self._state.adding or members is None:
            super().save(*args, **kwargs)
            return self
        try:
            with transaction.atomic():
                super().save(*args, **kwargs)
                model = type(members[0])
                link = model.feature_sets.through
                member_field = model.__name__.lower()
                link.objects.bulk_create(
                    [link(**{"featureset": self, member_field: m}) for m in members],
                    batch_size=5000,
                )
        except IntegrityError:
            existing = FeatureSet.objects.filter(hash=self.hash).first()
            if existing is None:
                raise
            self._become(existing)  # another process saved the same set first
        return self

    @property
    def members(self) -> Any:
        """The set's members (a QuerySet once saved).

        Example:
            >>> feature_set.members.df()  # doctest: +SKIP
        """
        pending = self.__dict__.get("_pending_members")
        if pending is not None:
            return pending
        if self.registry == "core.Feature":
            return self.features.all()
        return member_model(self).objects.filter(feature_sets=self)


def _members(features: Any) -> list[Feature]:
    if features is None:
        raise WrongType("FeatureSet() needs its features: ln.FeatureSet([feature1, feature2]).")
    if isinstance(features, Record):
        raise InvalidArgument("FeatureSet() takes a list of features, not a single feature.")
    members = list(features)
    if not members:
        raise InvalidArgument("FeatureSet() needs at least one feature.")
    kind = type(members[0])
    allowed = kind is Feature or _has_feature_sets(kind)
    if not allowed or not all(type(m) is kind for m in members):
        wrong = next(m for m in members if type(m) is not kind or not allowed)
        raise WrongType(
            f"FeatureSet() holds Feature records (or records of one registry with feature sets, "
            f"such as bt.Gene), not {type(wrong).__name__} ({wrong!r}); "
            "use ln.Feature.from_values() or ln.Feature(name=…, type=…) first."
        )
    unsaved = [str(m) for m in members if m._state.adding]
    if unsaved:
        raise InvalidArgument(
            f"Features {unsaved[:5]} are not saved; save them first (ln.save(features))."
        )
    unique = {m.pk: m for m in members}
    return list(unique.values())


def _has_feature_sets(model: Any) -> bool:
    """Whether records of ``model`` can be members of a feature set (bt.Gene)."""
    return any(f.name == "feature_sets" and f.many_to_many for f in model._meta.get_fields())


def member_model(feature_set: FeatureSet) -> Any:
    """The registry of a feature set's members, from its ``registry`` (``bionty.Gene``).

    Example:
        >>> member_model(feature_set).__name__  # doctest: +SKIP
        'Feature'
    """
    from django.apps import apps

    for model in apps.get_models():
        if registry_name(model) == feature_set.registry:
            return model
    raise InvalidArgument(
        f"Feature set {feature_set.uid} holds {feature_set.registry} records, a registry "
        "of a schema module this instance lacks."
    )


def members_hash(members: Iterable[Record]) -> str:
    """The identity of a set of records: md5 of their sorted uids, 22 base64 characters.

    Example:
        >>> class R:
        ...     uid = "M7WLhlcflkdg"
        >>> len(members_hash([R()]))
        22
    """
    text = ":".join(sorted(member.uid for member in members))
    return encode_digest(hashlib.md5(text.encode()).digest())
