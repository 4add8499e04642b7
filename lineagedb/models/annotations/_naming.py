"""The name rule ULabel and Feature share: a name that exists returns that record; similar
names are pointed out; constructors take fields by name only.
"""

from __future__ import annotations

from collections.abc import Iterable
from difflib import SequenceMatcher
from typing import Any

from lineagedb._base.logger import logger
from lineagedb._base.settings import settings
from lineagedb.errors import InvalidArgument, WrongType
from lineagedb.models.record import Record


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


def checked_type(value: Any, model: Any, members: str) -> Any:
    """``type=``: a saved ``model`` record with ``is_type=True`` (LaminDB 2's types of labels,
    features and typed records), else a clear error; ``members`` names what a type groups.

    Example:
        >>> checked_type(ln.ULabel(name="CellType", is_type=True).save(), ln.ULabel, "labels").name
        'CellType'
    """
    name = model.__name__
    if not isinstance(value, model):
        raise WrongType(
            f"A type is a {name} with is_type=True, not {value!r}: "
            f"ln.{name}(name='...', is_type=True).save()."
        )
    if not value.is_type:
        raise InvalidArgument(
            f"{name} {value.name!r} is not a type (is_type=False): a type groups {members}. "
            f"Make one: ln.{name}(name=..., is_type=True).save()."
        )
    if value._state.adding:
        raise InvalidArgument(f"Save the type {value.name!r} first: .save().")
    return value
