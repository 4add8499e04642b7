"""Values mapped to a registry's records: ``standardize`` (synonyms and case to the
registry's own values) and ``from_values`` (the records themselves), on every registry
and QuerySet; ``registry_mapper`` is the mapping both use, and the bionty module's
public-aware standardize.

Example:
    >>> ln.ULabel.standardize(["Setosa", "setosa"])
    ['setosa', 'setosa']
"""

from __future__ import annotations

from typing import Any

from lineagedb._base.logger import logger
from lineagedb.errors import InvalidArgument
from lineagedb.models.query.validation import (
    CHUNK,
    _case_index,
    _present,
    _shown,
    _synonym_index,
    _texts,
    field_name,
    qualified_name,
)


def standardize(
    query: Any,
    values: Any,
    field: Any = None,
    return_field: Any = None,
    return_mapper: bool = False,
    case_sensitive: bool = False,
    keep: str = "first",
    mute: bool = False,
) -> Any:
    """Values mapped to the registry's own: exact matches stay, synonyms (and case) are mapped.

    Values that match nothing are returned unchanged, and named in a warning
    (``mute=True``: no log lines).

    Example:
        >>> ln.ULabel.standardize(["Setosa", "setosa", "rose"])
        ['setosa', 'setosa', 'rose']
    """
    if keep not in ("first", "last"):
        raise InvalidArgument(f"keep={keep!r}: use 'first' or 'last'.")
    name = field_name(query.model, field)
    target = field_name(query.model, return_field) if return_field is not None else name
    texts = _texts(values)
    unique = [t for t in dict.fromkeys(texts) if t is not None]
    known, mapper = registry_mapper(query, unique, name, target, case_sensitive, keep)
    left = [v for v in unique if v not in known and v not in mapper]
    changed = sum(1 for v in unique if mapper.get(v, v) != v)
    if changed and not mute:
        logger.success(f"standardized {changed}/{len(unique)} terms")
    elif not left and not mute:
        logger.info(
            f"nothing to standardize: the {len(unique)} unique values are "
            f"{qualified_name(query.model)} {name}s already → validate them with .validate()"
        )
    if left and not mute:
        logger.warning(f"{len(left)} terms are not standardized (nothing matches): {_shown(left)}")
    if return_mapper:
        return {k: v for k, v in mapper.items() if k != v}
    result = [mapper.get(t, t) if t is not None else t for t in texts]
    return result[0] if isinstance(values, str) else result


def registry_mapper(
    query: Any,
    unique: list[str],
    name: str,
    target: str,
    case_sensitive: bool = False,
    keep: str = "first",
) -> tuple[set[str], dict[str, str]]:
    """Which values are records' ``name``, and {value: standard value} for the others
    that synonyms (or case) map; with ``target`` another field, every mapping (the exact
    values' too) gives that field's value.

    Example:
        >>> registry_mapper(ln.ULabel.objects.all(), ["setosa", "Setosa"], "name", "name")
        ({'setosa'}, {'Setosa': 'setosa'})
    """
    known = _present(query, name, unique)
    missing = [v for v in unique if v not in known]
    synonyms = _synonym_index(query, name) if missing else {}
    mapper = {v: synonyms[v] for v in missing if v in synonyms}
    if not case_sensitive:
        rest = [v for v in missing if v not in mapper]
        mapper.update(_case_index(query, name, rest) if rest else {})
    if target != name:
        standard = {*known, *mapper.values()}
        rows = query._filter(**{f"{name}__in": list(standard)}).values_list(name, target)
        translated: dict[str, Any] = {}
        for source, value in rows if keep == "first" else reversed(list(rows)):
            translated.setdefault(source, value)
        mapper = {
            v: str(translated.get(mapper.get(v, v)))
            for v in unique
            if (v in known or v in mapper) and mapper.get(v, v) in translated
        }
    return known, mapper


def from_values(query: Any, values: Any, field: Any = None, mute: bool = False) -> list[Any]:
    """The existing records for the values: exact matches, then synonyms; never creates.

    Example:
        >>> ln.ULabel.from_values(["setosa", "rose"])
        [ULabel(uid='...', name='setosa', created_by_id=1)]
    """
    name = field_name(query.model, field)
    unique = [t for t in dict.fromkeys(_texts(values)) if t is not None]
    records = {}
    for start in range(0, len(unique), CHUNK):
        chunk = unique[start : start + CHUNK]
        for record in query._filter(**{f"{name}__in": chunk}):
            records[getattr(record, name)] = record
    missing = [v for v in unique if v not in records]
    if missing:
        synonyms = _synonym_index(query, name)
        by_synonym = {v: synonyms[v] for v in missing if v in synonyms}
        if by_synonym:
            standard = set(by_synonym.values())
            for record in query._filter(**{f"{name}__in": list(standard)}):
                records[getattr(record, name)] = record
            for synonym, value in by_synonym.items():
                records[synonym] = records[value]
            if not mute:
                logger.info(f"found {len(by_synonym)} by synonym: {_shown(list(by_synonym))}")
        missing = [v for v in missing if v not in records]
    if missing and not mute:
        logger.warning(
            f"found no {query.model.__name__} record for {len(missing)} {name}(s): "
            f"{_shown(missing)}"
        )
    found = [records[v] for v in unique if v in records]
    return list({record.pk: record for record in found}.values())
