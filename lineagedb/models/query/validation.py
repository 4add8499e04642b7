"""Validating values against a registry: validate and inspect (standardize and from_values,
which map values to records: standardization.py).

Every registry with a name-like field has them, and so has every QuerySet
(restricted to its records). Membership is decided with set operations in
SQL — one query per 10,000 distinct values, never one per value. Empty
values (None, "", NaN, ``pd.NA``) are counted, never validated, never an
error. Synonyms are never valid by themselves: ``inspect`` reports them
(and case variants) and ``standardize`` maps them when asked.

Example:
    >>> ln.ULabel.validate(["setosa", "Setosa"])
    array([ True, False])
    >>> ln.ULabel.inspect(["setosa", "Setosa", None]).non_validated
    ['Setosa']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lineagedb._base.identifiers import text_problem
from lineagedb._base.logger import logger
from lineagedb.errors import InvalidArgument
from lineagedb.models.query.dialects import in_list

CHUNK = 10_000
SHOWN = 20


def default_field(model: Any) -> str:
    """The field values are matched on: ``name`` where there is one, ``handle`` for users.

    Example:
        >>> default_field(ln.User)
        'handle'
    """
    names = {f.name for f in model._meta.concrete_fields}
    for candidate in ("handle", "name"):  # a user's name is free text; its handle is unique
        if candidate in names:
            return candidate
    return str(model._name_field)


def field_name(model: Any, field: Any) -> str:
    """``field`` (a name, a field attribute such as ``ln.ULabel.name``, or None) as a name.

    Example:
        >>> field_name(ln.ULabel, ln.ULabel.name)
        'name'
    """
    if field is None:
        return default_field(model)
    name = field if isinstance(field, str) else getattr(getattr(field, "field", None), "name", None)
    names = {f.name for f in model._meta.concrete_fields}
    if name not in names:
        raise InvalidArgument(
            f"{model.__name__} has no field {field!r} to match values on; "
            f"use one of {sorted(n for n in names if n != 'id')}."
        )
    return str(name)


def is_empty(value: Any) -> bool:
    """None, blank strings, NaN and ``pd.NA`` are empty.

    Example:
        >>> [is_empty(v) for v in (None, "", " ", float("nan"), "a", 0)]
        [True, True, True, True, False, False]
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    try:
        return bool(value != value)  # NaN is the one value unequal to itself
    except (TypeError, ValueError):  # pd.NA refuses bool()
        return True


def _texts(values: Any) -> list[str | None]:
    """Each value's text, None when empty; the per-value work is done once per distinct value."""
    listed = [values] if isinstance(values, str) else list(values)
    try:
        text_of = _text_of_each(listed)
    except TypeError:  # unhashable values (lists)
        return [None if is_empty(v) else str(v) for v in listed]
    return list(map(text_of.__getitem__, listed))


def _present(query: Any, name: str, candidates: Iterable[str]) -> set[str]:
    """Which of the candidates are values of ``name`` among the query's records."""
    return set(ids_by_value(query, name, candidates))


def ids_by_value(query: Any, name: str, candidates: Iterable[str]) -> dict[str, int]:
    """{value: record id} for the candidates that are values of ``name`` among the records.

    Few candidates: chunked ``IN`` queries. Many (more than a quarter of the
    registry): one scan of the registry's (value, id) pairs, matched in
    Python — building a 10,000-value ``IN`` costs Django ~30 ms, a scan of
    100,000 rows about 100 ms (benchmarks/validation_peer.py).

    Example:
        >>> ids_by_value(ln.ULabel.objects.all(), "name", ["setosa", "nope"])
        {'setosa': 1}
    """
    # A value no database can hold (NUL, a lone surrogate) is no record's: not sent.
    wanted = [
        v for v in dict.fromkeys(candidates) if not isinstance(v, str) or text_problem(v) is None
    ]
    if not wanted:
        return {}
    found: dict[str, int] = {}
    if len(wanted) > CHUNK and len(wanted) * 4 > query.count():
        wanted_set = set(wanted)
        for value, pk in query.values_list(name, "pk").iterator(chunk_size=50_000):
            if value in wanted_set:
                found.setdefault(value, pk)
        return found
    for start in range(0, len(wanted), CHUNK):
        for value, pk in _rows_in(query, name, wanted[start : start + CHUNK]):
            found.setdefault(value, pk)
    return found


_SENTINEL = "\x00lineagedb-in-list\x00"


def _rows_in(query: Any, name: str, chunk: list[str]) -> list[tuple[Any, int]]:
    """(value, id) of the query's records whose ``name`` is in ``chunk``: one SQL query.

    Django compiles the query once with a one-item ``IN``; the list takes its
    place (Django builds a 10,000-item ``IN`` in ~25 ms; this, ~1 ms).
    """
    from django.db import connections

    compiled = query._filter(**{f"{name}__in": [_SENTINEL]}).values_list(name, "pk").query
    sql, params = compiled.sql_with_params()
    pieces = sql.split("%s")
    if params.count(_SENTINEL) != 1 or len(pieces) != len(params) + 1:
        return list(query._filter(**{f"{name}__in": chunk}).values_list(name, "pk"))
    at = params.index(_SENTINEL)
    if not (pieces[at].endswith("IN (") and pieces[at + 1].startswith(")")):
        return list(query._filter(**{f"{name}__in": chunk}).values_list(name, "pk"))
    connection = connections[query.db]
    clause, values = in_list(connection, chunk)
    head = "%s".join(pieces[: at + 1])[: -len("IN (")]
    sql = head + clause + "%s".join(pieces[at + 1 :])[1:]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params[:at], *values, *params[at + 1 :]])
        return cursor.fetchall()


def _shown(values: list[str]) -> str:
    more = ", ..." if len(values) > SHOWN else ""
    return ", ".join(repr(v) for v in values[:SHOWN]) + more


def validate(query: Any, values: Any, field: Any = None, mute: bool = False) -> Any:
    """One bool per value: does it equal ``field`` of a record (exactly, case-sensitively)?

    Example:
        >>> validate(ln.ULabel.objects.all(), ["setosa", None])
        array([ True, False])
    """
    import numpy as np

    name = field_name(query.model, field)
    listed = [values] if isinstance(values, str) else values
    if not isinstance(listed, (list, tuple)):
        listed = list(listed)
    try:
        text_of = _text_of_each(listed)
    except TypeError:  # unhashable values (lists): compare their texts
        listed = _texts(listed)
        text_of = _text_of_each(listed)
    unique = [t for t in dict.fromkeys(text_of.values()) if t is not None]
    known = _present(query, name, unique)
    # One bool per distinct input, then one C-level pass over the inputs (1,000,000
    # values in ~35 ms, where a Python-level test per value took ~200 ms).
    ok = {value: text is not None and text in known for value, text in text_of.items()}
    result = np.fromiter(map(ok.__getitem__, listed), dtype=bool, count=len(listed))
    if not mute:
        n_empty = sum(1 for value in listed if text_of[value] is None)
        log_summary(qualified_name(query.model), name, unique, known, n_empty, {}, {})
    if isinstance(values, str):
        return bool(result[0])
    return result


def _text_of_each(values: list[Any] | tuple[Any, ...]) -> dict[Any, str | None]:
    """{distinct input: its text, or None when empty}: the per-value work done once per value.

    A whole float is the integer it holds: a column of ids with a blank cell
    (``read_csv`` makes it float) gives "101", never "101.0".

    Example:
        >>> _text_of_each(["a", 1, None, "a", 101.0])
        {'a': 'a', 1: '1', None: None, 101.0: '101'}
    """
    return {value: None if is_empty(value) else text_of(value) for value in dict.fromkeys(values)}


def text_of(value: Any) -> str:
    """The text a value names a record by: whole floats (NumPy's too) as integers.

    Example:
        >>> text_of(101.0), text_of(1.5), text_of("x")
        ('101', '1.5', 'x')
    """
    if isinstance(value, float) or type(value).__name__ in ("float64", "float32"):
        number = float(value)
        if number.is_integer() and abs(number) < 2**53:
            return str(int(number))
    return str(value)


@dataclass
class InspectResult:
    """What ``inspect()`` found: validated and non-validated values, synonyms, case variants.

    Example:
        >>> result = ln.ULabel.inspect(["setosa", "Setosa"], mute=True)
        >>> result["non_validated"], result.case_mapper
        (['Setosa'], {'Setosa': 'setosa'})
    """

    validated: list[str]
    non_validated: list[str]
    n_empty: int
    n_unique: int
    synonyms_mapper: dict[str, str] = field(default_factory=dict)
    case_mapper: dict[str, str] = field(default_factory=dict)
    df: Any = None

    @property
    def frac_validated(self) -> float:
        """The share of distinct non-empty values that are validated, in percent.

        Example:
            >>> InspectResult(["a"], ["b"], 0, 2).frac_validated
            50.0
        """
        return 100.0 * len(self.validated) / self.n_unique if self.n_unique else 100.0

    def __getitem__(self, key: str) -> Any:
        if key not in ("validated", "non_validated"):
            raise KeyError(f"{key!r}: use 'validated' or 'non_validated'")
        return getattr(self, key)


def _synonym_index(query: Any, name: str) -> dict[str, str]:
    """{synonym: standard value} over the query's records (one query)."""
    if "synonyms" not in {f.name for f in query.model._meta.concrete_fields}:
        return {}
    index: dict[str, str] = {}
    rows = query._filter(synonyms__isnull=False).values_list(name, "synonyms")
    for standard, synonyms in rows:
        for synonym in (synonyms or "").split("|"):
            if synonym and synonym not in index:
                index[synonym] = standard
    return index


def _case_index(query: Any, name: str, candidates: list[str]) -> dict[str, str]:
    """{candidate: record value} for candidates equal to a record's value but for case."""
    from django.db.models.functions import Lower

    lowered = {
        candidate.lower(): candidate for candidate in candidates if text_problem(candidate) is None
    }
    found: dict[str, str] = {}
    keys = list(lowered)
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        rows = (
            query.annotate(_lowered=Lower(name))
            ._filter(_lowered__in=chunk)
            .values_list("_lowered", name)
        )
        for low, value in rows:
            found.setdefault(lowered[low], value)
    return {candidate: found[candidate] for candidate in candidates if candidate in found}


def inspect(query: Any, values: Any, field: Any = None, mute: bool = False) -> InspectResult:
    """Which values are validated; which are synonyms or case variants of validated ones.

    Example:
        >>> inspect(ln.ULabel.objects.all(), ["setosa", "Setosa"]).case_mapper
        {'Setosa': 'setosa'}
    """
    name = field_name(query.model, field)
    texts = _texts(values)
    unique = [t for t in dict.fromkeys(texts) if t is not None]
    known = _present(query, name, unique)
    missing = [value for value in unique if value not in known]
    synonyms = _synonym_index(query, name) if missing else {}
    synonyms_mapper = {v: synonyms[v] for v in missing if v in synonyms}
    rest = [v for v in missing if v not in synonyms_mapper]
    case_mapper = _case_index(query, name, rest) if rest else {}
    result = inspect_result(name, texts, known, synonyms_mapper, case_mapper)
    if not mute:
        log_summary(
            qualified_name(query.model),
            name,
            unique,
            known,
            result.n_empty,
            synonyms_mapper,
            case_mapper,
        )
    return result


def inspect_result(
    name: str,
    texts: list[str | None],
    known: set[str],
    synonyms_mapper: dict[str, str],
    case_mapper: dict[str, str],
) -> InspectResult:
    """The InspectResult of ``texts`` (None: empty), given which are known and which map.

    Example:
        >>> inspect_result("name", ["a", "A", None], {"a"}, {}, {"A": "a"}).non_validated
        ['A']
    """
    import pandas as pd

    unique = [t for t in dict.fromkeys(texts) if t is not None]
    frame = pd.DataFrame(
        {
            "__validated__": [v in known for v in unique],
            "standardized": [
                v if v in known else synonyms_mapper.get(v, case_mapper.get(v)) for v in unique
            ],
        },
        index=pd.Index(unique, name=name),
    )
    return InspectResult(
        validated=[v for v in unique if v in known],
        non_validated=[v for v in unique if v not in known],
        n_empty=texts.count(None),
        n_unique=len(unique),
        synonyms_mapper=synonyms_mapper,
        case_mapper=case_mapper,
        df=frame,
    )


def qualified_name(model: Any) -> str:
    """How a user spells a registry: ``ln.ULabel``, ``bt.CellType``, ``mylab.Sample``.

    Example:
        >>> qualified_name(ln.ULabel)
        'ln.ULabel'
    """
    label = model._meta.app_label
    prefix = {"lineagedb": "ln", "bionty": "bt"}.get(label, label)
    return f"{prefix}.{model.__name__}"


def log_summary(
    registry: str,
    name: str,
    unique: list[str],
    known: set[str],
    n_empty: int,
    synonyms: dict[str, str],
    cases: dict[str, str],
) -> None:
    """Log how many values are validated, and what to do about the others.

    Example:
        >>> log_summary("ULabel", "name", ["a", "b"], {"a"}, 0, {}, {})
    """
    empty = f" ({n_empty} empty values skipped)" if n_empty else ""
    valid = [v for v in unique if v in known]
    share = 100.0 * len(valid) / len(unique) if unique else 100.0
    if len(valid) == len(unique):
        logger.success(f"{len(unique)} unique terms ({share:.2f}%) are validated for {name}{empty}")
        return
    if valid:
        logger.success(f"{len(valid)} unique terms ({share:.2f}%) are validated for {name}")
    wrong = [v for v in unique if v not in known]
    logger.warning(
        f"{len(wrong)} unique terms ({100 - share:.2f}%) are not validated for {name}: "
        f"{_shown(wrong)}{empty}"
    )
    if synonyms or cases:
        found = {**synonyms, **cases}
        logger.info(
            f"{len(found)} of them are synonyms or case variants of validated terms: "
            f"{_shown([f'{k} → {v}' for k, v in found.items()])}\n"
            f"   → standardize via .standardize()"
        )
    left = [v for v in wrong if v not in synonyms and v not in cases]
    if left:
        logger.info(
            f"   → create records for {_shown(left)} via "
            f"ln.save([{registry}({name}=value) for value in values])"
        )
