"""Feature values that are not labels: checked against their feature's type, stored once.

Example:
    >>> value_hash(37.2) == value_hash(37.2)
    True
"""

from __future__ import annotations

from typing import Any

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
    """``value`` as stored for ``feature``'s type, or InvalidArgument naming both."""
    import datetime

    kind = feature.type

    def refuse() -> InvalidArgument:
        return InvalidArgument(
            f"Feature {feature.name!r} has type {kind!r}; {value!r} "
            f"({type(value).__name__}) is not a value of it. Nothing was written."
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
        if number != number:  # NaN
            raise refuse()
        return int(value) if float(number).is_integer() and isinstance(value, int) else number
    if kind == "str":
        if not isinstance(value, str):
            raise refuse()
        return value
    if kind in ("date", "datetime"):
        if isinstance(value, str):
            try:
                parsed = datetime.datetime.fromisoformat(value)
            except ValueError:
                raise refuse() from None
            return parsed.date().isoformat() if kind == "date" else parsed.isoformat()
        if (
            kind == "date"
            and isinstance(value, datetime.date)
            and not isinstance(value, datetime.datetime)
        ):
            return value.isoformat()
        if kind == "datetime" and isinstance(value, datetime.datetime):
            return value.isoformat()
        raise refuse()
    if kind == "dict":
        if not isinstance(value, dict):
            raise refuse()
        return jsonable(value)
    raise refuse()


def jsonable(value: Any) -> Any:
    import json

    try:
        return json.loads(json.dumps(value, sort_keys=True, default=str))
    except (TypeError, ValueError):
        raise InvalidArgument(f"{value!r} cannot be stored as a feature value.") from None


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
    """The FeatureValue records of the rows: existing ones found, new ones created (shared)."""
    from django.db.models import Q

    if not rows:
        return []
    wanted = {(row[0].pk, row[4]): row for row in rows}
    condition = Q()
    for feature_id, digest in wanted:
        condition |= Q(feature_id=feature_id, hash=digest)
    existing = {(v.feature_id, v.hash): v for v in FeatureValue.objects.filter(condition)}
    new = [
        FeatureValue(feature=row[0], value=row[1], number=row[2], text=row[3], hash=row[4])
        for key, row in wanted.items()
        if key not in existing
    ]
    if new:
        FeatureValue.objects.bulk_create(new, ignore_conflicts=True)
        existing = {(v.feature_id, v.hash): v for v in FeatureValue.objects.filter(condition)}
    return [existing[key] for key in wanted]
