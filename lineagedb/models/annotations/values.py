"""Feature values that are not labels: checked against their feature's type, stored once.

Example:
    >>> value_hash(37.2) == value_hash(37.2)
    True
"""

from __future__ import annotations

import math
from typing import Any

from lineagedb._base.identifiers import text_problem
from lineagedb.errors import InvalidArgument
from lineagedb.models.annotations.feature import Feature
from lineagedb.models.annotations.links import FeatureValue


def _is_bool(value: Any) -> bool:
    """A Python bool or a NumPy one (a scalar of boolean dtype), without importing NumPy."""
    dtype = getattr(value, "dtype", None)
    return isinstance(value, bool) or (
        dtype is not None
        and getattr(dtype, "kind", None) == "b"
        and getattr(value, "shape", None) == ()
    )


def check_value(feature: Feature, value: Any) -> Any:
    """``value`` as stored for ``feature``'s type, or InvalidArgument naming both.

    Numbers are finite floats or integers; datetimes are instants, stored in UTC
    (a naive datetime is taken as UTC) so that they compare and sort as time;
    text and dicts hold nothing a database refuses (NUL, lone surrogates, NaN).

    Example:
        >>> when = ln.Feature(name="when", dtype="datetime").save()
        >>> check_value(when, "2024-05-01T12:00:00+02:00")
        '2024-05-01T10:00:00.000000+00:00'
    """
    kind = feature.type

    def refuse(why: str = "") -> InvalidArgument:
        return InvalidArgument(
            f"Feature {feature.name!r} has type {kind!r}; {_shown(value)} "
            f"({type(value).__name__}) is not a value of it{why}. Nothing was written."
        )

    if kind == "bool":
        if not _is_bool(value):
            raise refuse()
        return bool(value)
    if kind == "number":
        if _is_bool(value):
            raise refuse()
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise refuse() from None
        except OverflowError:
            raise refuse(": it is beyond the range of a float (±1.8e308)") from None
        if not math.isfinite(number):
            raise refuse(": numbers must be finite (no NaN or infinity)")
        if isinstance(value, int) and number.is_integer():
            if abs(value) >= 2**63:
                raise refuse(": integers must fit in 64 bits")
            return int(value)
        return number
    if kind == "str":
        if not isinstance(value, str):
            raise refuse()
        _check_text(feature, value)
        return value
    if kind in ("date", "datetime"):
        return _as_time(kind, value, refuse)
    if kind == "dict":
        if not isinstance(value, dict):
            raise refuse()
        stored = jsonable(value)
        for text in _texts_in(stored):
            _check_text(feature, text)
        return stored
    raise refuse()


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _check_text(feature: Feature, text: str) -> None:
    problem = text_problem(text)
    if problem is not None:
        raise InvalidArgument(
            f"A value of feature {feature.name!r} ({_shown(text)}) contains {problem}, which "
            "no database stores. Remove them; nothing was written."
        )


def _texts_in(value: Any) -> list[str]:
    """Every string in a JSON value: keys and values, at any depth."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value.keys(), *(t for item in value.values() for t in _texts_in(item))]
    if isinstance(value, list):
        return [t for item in value for t in _texts_in(item)]
    return []


def _as_time(kind: str, value: Any, refuse: Any) -> str:
    """A date as ``YYYY-MM-DD``; a datetime as the UTC instant, fixed width: text order is
    time order."""
    import datetime

    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            raise refuse(
                ": give an ISO 8601 text (2024-05-01 or 2024-05-01T12:00:00+02:00)"
            ) from None
    if kind == "date":
        if isinstance(value, datetime.datetime):
            return value.date().isoformat()
        if isinstance(value, datetime.date):
            return value.isoformat()
        raise refuse()
    if not isinstance(value, datetime.datetime):
        raise refuse()
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def query_value(feature: Feature, value: Any, lookup: str) -> Any:
    """A value in a query on ``feature`` (``filter(temperature__gt=37)``) as its column holds it,
    or InvalidArgument saying what the feature takes.

    Example:
        >>> query_value(temperature, [36, 37.5], "in")
        [36.0, 37.5]
    """
    if lookup.endswith("isnull"):
        raise InvalidArgument(
            f"Feature {feature.name!r}: __isnull does not apply to feature values; to find "
            f"artifacts without one, exclude those with one: "
            f".exclude(pk__in=ln.Artifact.filter({feature.name}__gte=...))."
        )
    if isinstance(value, (list, tuple, set)):
        return [query_value(feature, item, "") for item in value]
    if value is None:
        raise InvalidArgument(
            f"Feature {feature.name!r}: None matches no value. Filter by a value of type "
            f"{feature.type!r}, e.g. {feature.name}={_EXAMPLE.get(feature.type, 'x')!r}."
        )
    if lookup in ("contains", "icontains", "startswith", "istartswith", "endswith", "iendswith"):
        if feature.type in ("number", "bool") or not isinstance(value, str):
            raise InvalidArgument(
                f"Feature {feature.name!r} has type {feature.type!r}: __{lookup} takes text "
                f"and applies to text features only, not {_shown(value)}."
            )
        _check_text(feature, value)
        return value
    stored = check_value(feature, value)
    if feature.type in ("number", "bool"):
        return float(stored)
    return stored


_EXAMPLE = {"number": 37, "bool": True, "str": "D1", "date": "2024-05-01"}


def jsonable(value: Any) -> Any:
    import json

    try:
        return json.loads(json.dumps(value, sort_keys=True, default=str, allow_nan=False))
    except (TypeError, ValueError):
        raise InvalidArgument(
            f"{_shown(value)} cannot be stored as a feature value: it holds NaN, infinity or "
            "something JSON cannot write. Replace those (e.g. with None) and add it again."
        ) from None
    except RecursionError:
        raise InvalidArgument(f"{_shown(value)} is nested too deeply to store.") from None


def value_hash(value: Any) -> str:
    import hashlib
    import json

    from lineagedb.storage.hashing import encode_digest

    text = json.dumps(value, sort_keys=True)
    return encode_digest(hashlib.md5(text.encode()).digest())


def value_rows(
    feature: Feature, value: Any
) -> list[tuple[Feature, Any, float | None, str | None, str]]:
    """(feature, value, number, text, hash) rows: one per value (lists give several)."""
    items = value if isinstance(value, (list, tuple)) and feature.type != "dict" else [value]
    rows = []
    for item in items:
        stored = check_value(feature, item)
        number = float(stored) if feature.type in ("number", "bool") else None
        text = stored[:255] if isinstance(stored, str) else None
        rows.append((feature, stored, number, text, value_hash(stored)))
    return rows


def stored_values(rows: list[tuple[Feature, Any, float | None, str | None, str]]) -> list[Any]:
    """The FeatureValue records of the rows: existing ones found, new ones created (shared).

    Looked up by ``feature_id IN (...) AND hash IN (...)`` in chunks of hashes (the
    ``(feature, hash)`` index serves both lists), never one ``OR`` per value (1,000
    values made SQLite refuse the expression tree) nor one query per feature.
    """
    if not rows:
        return []
    wanted = {(row[0].pk, row[4]): row for row in rows}
    features = sorted({feature_id for feature_id, _ in wanted})
    digests = sorted({digest for _, digest in wanted})

    def existing() -> dict[tuple[int, str], Any]:
        found = {}
        for start in range(0, len(digests), 500):
            chunk = digests[start : start + 500]
            for value in FeatureValue.objects.filter(feature_id__in=features, hash__in=chunk):
                if (value.feature_id, value.hash) in wanted:  # another feature's same value
                    found[(value.feature_id, value.hash)] = value
        return found

    known = existing()
    new = [
        FeatureValue(feature=row[0], value=row[1], number=row[2], text=row[3], hash=row[4])
        for key, row in wanted.items()
        if key not in known
    ]
    if new:
        FeatureValue.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
        known = existing()
    return [known[key] for key in wanted]
