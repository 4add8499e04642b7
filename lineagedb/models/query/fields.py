"""A registry's fields as queries see them: the names a lookup may start with, the
relations that repeat rows, the columns ``df()`` shows and which of them hold integers.

Example:
    >>> "storage_id" in field_names(ln.Artifact), fans_out(ln.Artifact, "ulabels")
    (True, True)
"""

from __future__ import annotations

import functools
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models


def fans_out(model: Any, lookup: str) -> bool:
    """Whether a lookup path crosses a many-valued relation (a join that repeats rows).

    Example:
        >>> fans_out(ln.Artifact, "ulabels__name"), fans_out(ln.Artifact, "storage__root")
        (True, False)
    """
    for part in lookup.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if field.many_to_many or field.one_to_many:
            return True
        if not field.is_relation or field.related_model is None:
            return False
        model = field.related_model
    return False


def one_link(model: Any, lookup: str, value: Any) -> bool:
    """Whether a many-to-many lookup matches at most one link per record: one related
    record (``ulabels=label``) through a link table unique on the pair.

    Such a lookup is a plain join, not a subquery: on PostgreSQL the join reads
    the link table's index in id order, and the first page of 100 artifacts
    with a label among 10 million takes milliseconds; through a subquery the
    planner walked the artifacts until 100 matched (57 ms).

    Example:
        >>> one_link(ln.Artifact, "ulabels", ln.ULabel.get(name="study0"))
        True
        >>> one_link(ln.Artifact, "ulabels__name__startswith", "study")
        False
    """
    head, _, rest = lookup.partition("__")
    if rest not in ("", "exact", "pk", "id", "pk__exact", "id__exact"):
        return False
    if isinstance(value, (list, tuple, set, frozenset, models.QuerySet)) or value is None:
        return False
    try:
        field = model._meta.get_field(head)
    except FieldDoesNotExist:
        return False
    if not isinstance(field, models.ManyToManyField):
        return False
    through = field.remote_field.through
    pair = {field.m2m_field_name(), field.m2m_reverse_field_name()}
    unique = [
        set(constraint.fields)
        for constraint in through._meta.constraints
        if isinstance(constraint, models.UniqueConstraint) and constraint.condition is None
    ]
    unique += [set(fields) for fields in through._meta.unique_together]
    return pair in unique


_FIELD_NAMES: dict[Any, tuple[Any, frozenset[str]]] = {}


def field_names(model: Any) -> frozenset[str]:
    """The names a registry's lookups may start with (filter() asks on every call).

    Column names (``storage_id``) too: a lookup on one is no feature, and asking
    the Feature registry about it cost a query per internal filter. Kept until
    the registry's fields change (a schema module adds relations).

    Example:
        >>> {"storage", "storage_id", "pk"} <= field_names(ln.Artifact)
        True
    """
    fields = model._meta.get_fields()  # Django's cached tuple: a new one when fields change
    known = _FIELD_NAMES.get(model)
    if known is None or known[0] is not fields:
        names = {field.name for field in fields} | {"pk"}
        names |= {field.attname for field in model._meta.concrete_fields}
        known = _FIELD_NAMES[model] = (fields, frozenset(names))
    return known[1]


def public_columns(model: Any) -> list[str]:
    """A registry's columns as ``df()`` shows them: private fields (a leading ``_``) left out.

    Example:
        >>> public_columns(ln.Artifact)[:3]
        ['id', 'uid', 'storage_id']
    """
    return [f.attname for f in model._meta.concrete_fields if not f.name.startswith("_")]


@functools.cache
def integer_columns(model: type[models.Model]) -> tuple[str, ...]:
    """Columns holding integers: integer fields, and foreign keys (to integer ids).

    Example:
        >>> "storage_id" in integer_columns(ln.Artifact)
        True
    """
    return tuple(
        field.attname
        for field in model._meta.concrete_fields
        if field.get_internal_type()
        in ("IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField")
        or (
            field.is_relation
            and field.target_field.get_internal_type() in ("AutoField", "BigAutoField")
        )
    )


@functools.cache
def _link_aliases(model: Any) -> dict[str, str]:
    """LaminDB's names of a registry's link tables in queries (``artifactulabel``) → ours."""
    aliases: dict[str, str] = {}
    for field in model._meta.get_fields():
        related = field.related_model
        if field.one_to_many and related is not None and field.name.endswith("_links"):
            aliases.setdefault(related.__name__.lower(), field.name)
    return aliases


def with_link_aliases(model: Any, lookups: dict[str, Any]) -> dict[str, Any]:
    """``lookups`` with LaminDB's link-table names (``artifactulabel__feature__name``) as ours.

    Example:
        >>> with_link_aliases(ln.ULabel, {"artifactulabel__feature__name": "x"})
        {'artifact_links__feature__name': 'x'}
    """
    aliases = _link_aliases(model)
    if not aliases:
        return lookups
    renamed = {}
    for key, value in lookups.items():
        head, separator, rest = key.partition("__")
        if head in aliases and head not in field_names(model):
            key = aliases[head] + separator + rest
        renamed[key] = value
    return renamed
