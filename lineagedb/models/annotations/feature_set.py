"""FeatureSet (LaminDB 2's Schema): a set of features identified by the hash of its members'
uids; the same members give the same record, shared by every artifact that has them.

Example:
    >>> ln.FeatureSet(ln.Feature.from_df(df)).save().n
    5
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.db import models

from lineagedb._base.logger import logger
from lineagedb.errors import InvalidArgument, WrongType
from lineagedb.models._uid import feature_set_uid
from lineagedb.models.annotations.feature import _TYPE_ALIASES, Feature
from lineagedb.models.annotations.label_links import registry_name
from lineagedb.models.query.queryset import QuerySet
from lineagedb.models.record import Record
from lineagedb.storage.hashing import encode_digest


class _SetsBySlot(QuerySet.as_manager().__class__):  # type: ignore[misc]
    """FeatureSet's manager: a host's ``feature_sets`` manager also takes a slot,
    ``artifact.feature_sets["obs"]`` (LaminDB 0.70), through the host's link table."""

    def __getitem__(self, slot: str) -> FeatureSet:
        instance, through = getattr(self, "instance", None), getattr(self, "through", None)
        if instance is None or through is None or not isinstance(slot, str):
            raise TypeError(
                "feature_sets[...] takes a slot name, on a host: artifact.feature_sets['obs']"
            )
        source, target = self.source_field_name, self.target_field_name  # type: ignore[attr-defined]
        links = through.objects.filter(**{source: instance}).select_related(target)
        by_slot = {link.slot: getattr(link, target) for link in links}
        if slot not in by_slot:
            raise KeyError(
                f"No feature set in slot {slot!r}; {type(instance).__name__} "
                f"{instance.uid} has {sorted(s for s in by_slot if s) or 'none'}."
            )
        return by_slot[slot]


class FeatureSet(Record):
    """A set of features, identified by the hash of its members: built once, shared by all.

    Constructing a FeatureSet of members that form a set already returns
    that set. Members must be saved. As a schema (``ln.Schema``), it requires
    its members as columns; ``maximal_set=True`` (LaminDB 2's name) also
    refuses columns that are not members — such a set is another record than
    the one of the same members without it.

    Example:
        >>> features = ln.Feature.from_df(df)
        >>> ln.FeatureSet(features, name="iris measurements").save().name  # the same set
        'iris'
        >>> ln.Schema(features, maximal_set=True).save()  # no other columns  # doctest: +SKIP
    """

    _search_fields = ("name",)
    _name_field = "name"
    _repr_exclude = ("created_at", "updated_at", "maximal_set")
    # The members of an unsaved set, linked by save().
    _pending_members: list[Any] | None = None

    objects = _SetsBySlot()

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
        self._pending_members = members

    def _saves_alone(self) -> bool:
        # Its save() links its members (or becomes the set that has them).
        return self._pending_members is not None

    def save(self, *args: Any, **kwargs: Any) -> FeatureSet:
        """Save the set and its member links (once: the same members give the same set).

        Example:
            >>> features = ln.Feature.filter(name__in=["temperature", "study_name"])
            >>> ln.FeatureSet(features).save().n
            2
        """
        from django.db import IntegrityError, transaction

        members, self._pending_members = self._pending_members, None
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

    @classmethod
    def from_values(  # type: ignore[override]  # LaminDB's: a set, not a list of records
        cls,
        values: Any,
        field: Any = None,
        type: str | None = None,
        name: str | None = None,
        mute: bool = False,
        organism: Any = None,
        raise_validation_error: bool = True,
    ) -> FeatureSet | None:
        """The set of the records whose ``field`` (default ``ln.Feature.name``) is in ``values``.

        Values must be records already (validated); others raise ValidationError
        (``raise_validation_error=False``: left out). None when no value is a record.

        Example:
            >>> ln.FeatureSet.from_values(["temperature", "study_name"]).n
            2
        """
        from lineagedb.errors import ValidationError
        from lineagedb.models.annotations.field_ref import FieldRef

        ref = FieldRef.of(field).or_model(Feature)
        model, column = ref.model, ref.name or "name"
        listed = [str(v) for v in ([values] if isinstance(values, str) else values)]
        query = model.objects.all()
        if organism is not None and "organism" in {f.name for f in model._meta.fields}:
            query = query.filter(organism__name=getattr(organism, "name", organism))
        valid = query.validate(listed, field=column, mute=mute)
        wrong = [v for v, ok in zip(listed, valid, strict=True) if not ok]
        if wrong and raise_validation_error:
            raise ValidationError(
                f"These values are no {model.__name__} records' {column}: {wrong[:20]}; register "
                f"them first, or pass raise_validation_error=False to leave them out."
            )
        found = list(query.filter(**{f"{column}__in": [v for v in listed if v not in wrong]}))
        if not found:
            logger.warning(f"no value is a {model.__name__} record: no feature set")
            return None
        return cls(found, name=name, type=type)

    @classmethod
    def from_df(
        cls,
        df: Any,
        field: Any = None,
        name: str | None = None,
        mute: bool = False,
        organism: Any = None,
    ) -> FeatureSet | None:
        """The set of a DataFrame's registered columns (features, or genes by ``field``).

        None when no column is registered. With a registry other than Feature,
        the columns must share one dtype, which gives the set's type.

        Example:
            >>> ln.FeatureSet.from_df(df).n
            5
        """
        from lineagedb.models.annotations.field_ref import FieldRef

        ref = FieldRef.of(field).or_model(Feature)
        columns = [str(c) for c in df.columns]
        valid = ref.model.objects.all().validate(columns, field=ref.name or "name", mute=mute)
        chosen = [c for c, ok in zip(columns, valid, strict=True) if ok]
        kind = None
        if chosen and ref.model is not Feature:
            dtypes = {str(df[c].dtype) for c in chosen}
            if len(dtypes) != 1:
                raise InvalidArgument(
                    f"The columns of a {ref.model.__name__} feature set share one dtype; these "
                    f"have {sorted(dtypes)}. Make them one (df.astype(...)) first."
                )
            kind = "number" if df[chosen[0]].dtype.kind in "iuf" else None
        if not chosen:
            logger.warning("no column is a registered feature: no feature set")
            return None
        return cls.from_values(chosen, field, type=kind, name=name, mute=True, organism=organism)

    from_dataframe = from_df  # LaminDB 2's Schema name

    @property
    def members(self) -> Any:
        """The set's members (a QuerySet once saved).

        Example:
            >>> schema.members.count()
            5
        """
        pending = self._pending_members
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
    Record.check_instances(members)
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
        >>> member_model(schema).__name__
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
