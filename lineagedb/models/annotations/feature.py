"""Feature: a dimension of data (a column, a variable) with a type; a category feature knows
the registries its values come from.

Example:
    >>> ln.Feature(name="temperature", type="number").save()
    Feature(uid='...', name='temperature', type='number', synonyms='Temp', created_by_id=1)
"""

from __future__ import annotations

from typing import Any

from django.db import models

from lineagedb.errors import InvalidArgument, WrongType
from lineagedb.models._uid import feature_uid
from lineagedb.models.annotations._naming import _named, _only_keywords, checked_type
from lineagedb.models.annotations.label_links import registry_name
from lineagedb.models.record import Record

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
    if resolved not in ("number", "category", "bool", GROUP):
        raise InvalidArgument(
            f"Feature type {value!r} is not one of 'number', 'category', 'bool' (or int, float, "
            "str, bool); LaminDB 2's dtype= takes 'str', 'date', 'datetime', 'dict' too."
        )
    return str(resolved)


GROUP = "group"  # the value type of a feature type (a group of features): none


def _typed_dtype(dtype: Any) -> Any:
    """LaminDB 2's typed dtypes as text: a type record (``dtype=sample_type``) becomes
    ``cat[Record[Sample]]`` (a label type ``cat[ULabel[CellType]]``); a type named by its uid
    (``cat[Record[Ab12…]]``, how LaminDB stores it) is named by its name."""
    if getattr(dtype, "is_type", False) and hasattr(dtype, "_meta"):
        if dtype._state.adding:
            raise InvalidArgument(f"Save the type {dtype.name!r} first, then use it as a dtype.")
        registry = "ULabel" if dtype._meta.label == "lineagedb.ULabel" else "Record"
        return f"cat[{registry}[{dtype.name}]]"
    if isinstance(dtype, str) and dtype.startswith("cat[") and dtype.endswith("]]"):
        registry, _, inner = dtype[4:-2].partition("[")
        if registry in ("Record", "ULabel") and len(inner) in (8, 16):
            from django.apps import apps

            model = apps.get_model("lineagedb", registry)
            found = model.objects.filter(uid=inner, is_type=True).first()
            if found is not None:
                return f"cat[{registry}[{found.name}]]"
    return dtype


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


def _reserved_names() -> frozenset[str]:
    """The names queries and ``df()`` of artifacts and collections already give a meaning."""
    from lineagedb.models.artifact import Artifact
    from lineagedb.models.collection import Collection

    names = {"pk", "features"}
    for model in (Artifact, Collection):
        names |= {field.name for field in model._meta.get_fields()}
        names |= {field.attname for field in model._meta.concrete_fields}
    return frozenset(names)


def _check_name(name: str) -> None:
    """Refuse feature names a query could never reach: fields of artifacts, ``a__b``."""
    if "__" in name:
        raise InvalidArgument(
            f"Feature name {name!r} contains '__', which queries read as a lookup "
            f"(filter({name}=...) could never find it). Use single underscores."
        )
    if name in _reserved_names():
        raise InvalidArgument(
            f"Feature name {name!r} is a field of artifacts and collections: filter({name}=...) "
            f"would test that field and df(include='features') would hide it. Choose another "
            f"name, e.g. {name + '_value'!r}."
        )


class Feature(Record):
    """A dimension of data — a column, a variable — with a type (number, category, bool).

    ``type`` takes ``"number"``, ``"category"``, ``"bool"`` or the Python
    types ``int``/``float``/``str``/``bool``; LaminDB 2's ``dtype=``
    (``"num"``, ``"str"``, ``"cat[ULabel]"``) is accepted too. A category
    feature lists the registries its values come from (``registries``).

    Example:
        >>> import lineagedb as ln
        >>> ln.Feature(name="study_name", type="category").save()
        Feature(uid='...', name='study_name', type='category', registries='core.ULabel', ...)
        >>> ln.Feature(name="temperature", dtype="num", unit="°C").save()
        Feature(uid='...', name='temperature', type='number', synonyms='Temp', created_by_id=1)
    """

    _search_fields = ("name", "description")
    _name_field = "name"
    _natural_keys = ("name",)
    _repr_exclude = ("created_at", "updated_at", "is_type")

    uid = models.CharField(max_length=12, unique=True, default=feature_uid)
    name = models.CharField(max_length=150, unique=True)
    type = models.CharField(max_length=64, db_index=True)
    unit = models.CharField(max_length=30, null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    registries = models.CharField(max_length=120, null=True, blank=True)
    synonyms = models.TextField(null=True, blank=True)
    # LaminDB 2's feature types (groups): ``Feature(name="QC", is_type=True)``, then
    # ``Feature(name="n_genes", dtype="int", type=qc)``. Its ``type`` field is this
    # registry's 0.70 value type ("number", …), so the group is ``feature_type`` here;
    # ``type=<a Feature>`` in the constructor and in filter() means it.
    is_type = models.BooleanField(default=False, db_index=True)
    feature_type = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="features"
    )
    feature_sets = models.ManyToManyField(
        "FeatureSet", related_name="features", through="FeatureSetFeature"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey("User", models.PROTECT, related_name="+")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        allowed = (
            "name", "type", "dtype", "unit", "description", "synonyms", "registries", "is_type",
        )  # fmt: skip
        _only_keywords("Feature", args, allowed, kwargs)
        group = kwargs.get("type")
        if isinstance(group, Feature):  # LaminDB 2: the feature's type (group)
            kwargs["feature_type"] = checked_type(kwargs.pop("type"), Feature, "features")
        if kwargs.get("is_type") and kwargs.get("type") is None and kwargs.get("dtype") is None:
            kwargs["type"] = GROUP  # a type holds no values: it groups features
        name = kwargs.get("name")
        if name is None:
            raise WrongType("Feature() needs a name, e.g. ln.Feature(name='study_name', type=str).")
        if not isinstance(name, str) or not name:
            raise InvalidArgument(f"A Feature's name must be a non-empty string, not {name!r}.")
        _check_name(name)
        existing = _named(Feature, name, self)
        if existing is not None:
            super().__init__()
            self._become(existing)
            return
        dtype = _typed_dtype(kwargs.pop("dtype", None))
        kwargs["type"] = _feature_type(kwargs.get("type"), dtype)
        kwargs["registries"] = _registries(kwargs.get("registries"), dtype)
        synonyms = kwargs.get("synonyms")
        if isinstance(synonyms, (list, tuple)):
            kwargs["synonyms"] = "|".join(synonyms)
        super().__init__(**kwargs)

    @staticmethod
    def _rename_lookups(lookups: dict[str, Any]) -> dict[str, Any]:
        """``filter(type=<a Feature type>)`` as LaminDB 2 writes it: ``feature_type``."""
        value = lookups.get("type")
        if isinstance(value, Feature):
            lookups = {key: v for key, v in lookups.items() if key != "type"}
            lookups["feature_type"] = value
        return lookups

    @classmethod
    def from_df(cls, df: Any, field: Any = None) -> list[Feature]:
        """One Feature per column of a DataFrame (existing ones by name), typed from its dtype.

        Categorical and string columns are ``category``, integer and float
        ones ``number``, boolean ones ``bool``; other dtypes are refused.

        Example:
            >>> features = ln.Feature.from_df(df)
            >>> ln.save(features)
            [Feature(uid='...', name='sepal_length', ...), ...]
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
