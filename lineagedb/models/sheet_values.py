"""The values of typed records (``ln.Record``): one record's, a sheet's rows from a table,
and a type's records read back as a sheet.

Every value is checked before anything is written: by the feature's type (numbers,
text, flags, dates, dicts), or for category features by the labels and records that
exist (``cat[ULabel]``, ``cat[ULabel[CellType]]``, ``cat[Record[Donor]]``).

Example:
    >>> sample = ln.Record(name="Sample", is_type=True).save()
    >>> _ = ln.Feature(name="tissue", dtype="str").save()
    >>> import pandas as pd
    >>> rows = create_sheet_rows(pd.DataFrame({"name": ["S1"], "tissue": ["liver"]}), sample)
    >>> rows = rows.save()
    >>> sheet_of(sample).loc["S1", "tissue"]
    'liver'
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.db import transaction

from lineagedb.errors import InvalidArgument, WrongType
from lineagedb.models._plain import fast_inserts, insert
from lineagedb.models.annotations.feature import Feature
from lineagedb.models.annotations.label_links import feature_registries
from lineagedb.models.annotations.ulabel import ULabel
from lineagedb.models.annotations.values import check_value
from lineagedb.models.sheets import Record, RecordJson, RecordRecord, RecordULabel

_SHOWN = 10  # problems named in one error


class RecordValues:
    """``record.features``: add and read a record's feature values.

    Example:
        >>> donor = ln.Record(name="Donor", is_type=True).save()
        >>> _ = ln.Feature(name="age", dtype="int").save()
        >>> d1 = ln.Record(name="D1", type=donor).save()
        >>> d1.features.add_values({"age": 42})
        >>> d1.features.get_values()
        {'age': 42}
    """

    def __init__(self, record: Record) -> None:
        self._record = record

    def add_values(self, values: dict[str, Any]) -> None:
        """Set the record's values of these features (by name); each is checked first.

        Example:
            >>> _ = ln.Feature(name="age", dtype="int").save()
            >>> ln.Record(name="D1").save().features.add_values({"age": "old"})
            Traceback (most recent call last):
            lineagedb.errors.InvalidArgument: 1 values cannot be stored; nothing was written:
              row 'D1', column 'age': Feature 'age' has type 'number'; ...
        """
        if self._record._state.adding:
            raise InvalidArgument("Save the record first: record.save(), then add its values.")
        if not isinstance(values, dict):
            raise WrongType(f"add_values() takes a dict {{feature name: value}}, not {values!r}.")
        features = _features(list(values))
        cells = _Cells(features)
        cells.check(0, self._record.name, values)
        cells.raise_problems()
        with transaction.atomic():
            _write([self._record], [values], features, cells, replace=True)

    def remove_values(self, feature: Feature | str) -> None:
        """Remove the record's values of ``feature`` (a record or a name).

        Example:
            >>> _ = ln.Feature(name="tissue", dtype="str").save()
            >>> s1 = ln.Record(name="S1").save()
            >>> s1.features.add_values({"tissue": "liver"})
            >>> s1.features.remove_values("tissue")
            >>> s1.features.get_values()
            {}
        """
        name = feature if isinstance(feature, str) else feature.name
        for table in (RecordJson, RecordULabel, RecordRecord):
            table.objects.filter(record_id=self._record.pk, feature__name=name).delete()

    def get_values(self) -> dict[str, Any]:
        """The record's values by feature name (labels and records by name; lists where several).

        Example:
            >>> _ = ln.Feature(name="tissue", dtype="str").save()
            >>> s1 = ln.Record(name="S1").save()
            >>> s1.features.add_values({"tissue": "liver"})
            >>> s1.features.get_values()
            {'tissue': 'liver'}
        """
        return _values_of(record_id=self._record.pk).get(self._record.pk, {})


class RecordBatch(list):  # type: ignore[type-arg]
    """A sheet's rows as unsaved records of one type, every cell checked;
    ``save()`` writes them and their values in one transaction (LaminDB 2's
    ``ln.Record.from_dataframe(df, type=...).save()``).

    Example:
        >>> import pandas as pd
        >>> sample = ln.Record(name="Sample", is_type=True).save()
        >>> batch = create_sheet_rows(pd.DataFrame({"name": ["S3"]}), sample)
        >>> [r.name for r in batch.save()]
        ['S3']
    """

    def __init__(
        self, records: list[Record], rows: list[dict[str, Any]], features: Any, cells: Any
    ) -> None:
        super().__init__(records)
        self._rows, self._features, self._cells = rows, features, cells

    def save(self) -> RecordBatch:
        """Write the records and their values, all or nothing; returns the saved records.

        Example:
            >>> import pandas as pd
            >>> sample = ln.Record(name="Sample", is_type=True).save()
            >>> create_sheet_rows(pd.DataFrame({"name": ["S4"]}), sample).save()[0].pk > 0
            True
        """
        if self and not self[0]._state.adding:
            return self  # saved already
        _check_names([r.name for r in self], self[0].type if self else None)  # taken meanwhile?
        records = list(self)
        with transaction.atomic():
            if fast_inserts():
                insert(Record, records)  # one INSERT ... RETURNING per 1,000 rows
            else:
                records = Record.objects.bulk_create(records, batch_size=1000)
            _write(records, self._rows, self._features, self._cells)
        self[:] = records
        return self


def create_sheet_rows(df: Any, record_type: Record, name_field: str = "name") -> RecordBatch:
    """Records of ``record_type`` from the rows of ``df``, every cell checked (``save()``
    writes them in one transaction).

    Names come from the ``name_field`` column (LaminDB's ``__lamindb_record_name__`` too),
    else from the index unless it is a plain range.

    Example:
        >>> import pandas as pd
        >>> sample = ln.Record(name="Sample", is_type=True).save()
        >>> [r.name for r in create_sheet_rows(pd.DataFrame({"name": ["S2"]}), sample)]
        ['S2']
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise WrongType(f"from_dataframe() takes a pandas DataFrame, not {type(df).__name__}.")
    column = next(
        (c for c in (name_field, "__lamindb_record_name__", "name") if c in df.columns), None
    )
    if column is not None:
        names = [None if pd.isna(n) else str(n) for n in df[column]]
        table = df.drop(columns=[column])
    elif isinstance(df.index, pd.RangeIndex):
        names, table = [None] * len(df), df
    else:
        names, table = [str(n) for n in df.index], df
    columns = [str(c) for c in table.columns]
    allowed = _schema_features(record_type)
    if allowed is not None:
        outside = [c for c in columns if c not in allowed]
        if outside:
            raise InvalidArgument(
                f"Columns {outside[:_SHOWN]} are not features of type {record_type.name!r}'s "
                f"schema ({sorted(allowed)}); nothing was written. Drop them, or add the "
                "features to the schema."
            )
    features = _features(columns)
    _check_names(names, record_type)
    rows: list[dict[str, Any]] = [
        {c: v for c, v in zip(columns, values, strict=True) if not _missing(v)}
        for values in table.itertuples(index=False, name=None)
    ] or [{} for _ in names]  # names only: itertuples() of no columns gives no rows
    cells = _Cells(features)
    for index, (name, values) in enumerate(zip(names, rows, strict=True)):
        cells.check(index, name, values)
    cells.raise_problems()
    return RecordBatch([Record(name=n, type=record_type) for n in names], rows, features, cells)


def sheet_of(record_type: Record) -> Any:
    """A type's records as a DataFrame: index ``name``, one column per feature.

    Example:
        >>> sample = ln.Record(name="Sample", is_type=True).save()
        >>> _ = ln.Record(name="S1", type=sample).save()
        >>> list(sheet_of(sample).index)
        ['S1']
    """
    import pandas as pd

    records = list(record_type.records.order_by("id").values_list("id", "name"))
    values = _values_of(record__type=record_type)
    columns = list(_schema_features(record_type) or [])
    for by_feature in values.values():
        columns += [name for name in by_feature if name not in columns]
    frame = pd.DataFrame(
        [[values.get(pk, {}).get(column) for column in columns] for pk, _ in records],
        columns=columns,
        index=pd.Index([name for _, name in records], name="name"),
    )
    return frame


# -- checking -------------------------------------------------------------------------------


class _Cells:
    """Every cell of a sheet checked against its feature, problems named by row and column;
    what each cell stores once checked."""

    def __init__(self, features: dict[str, Feature]) -> None:
        self.features = features
        self.problems: list[str] = []
        self.json: dict[tuple[int, str], Any] = {}
        self.links: dict[tuple[int, str], list[Any]] = {}  # labels or records
        self._targets = {name: _target(f) for name, f in features.items() if f.type == "category"}
        self._known: dict[str, dict[str, Any]] = {}

    def check(self, index: int, name: str | None, values: dict[str, Any]) -> None:
        for column, value in values.items():
            feature = self.features[column]
            where = f"row {name!r}" if name is not None else f"row {index}"
            try:
                if feature.type == "category":
                    self.links[(index, column)] = self._linked(column, value)
                else:
                    self.json[(index, column)] = check_value(feature, value)
            except (InvalidArgument, WrongType) as problem:
                self.problems.append(f"{where}, column {column!r}: {problem}")

    def _linked(self, column: str, value: Any) -> list[Any]:
        model, type_name = self._targets[column]
        items = value if isinstance(value, (list, tuple)) else [value]
        known = self._known.get(column)
        if known is None:  # one query per column: the names its cells may use
            query = model.objects.all()
            if type_name is not None:
                query = query.filter(type__name=type_name)
            known = self._known[column] = {r.name: r for r in query}
        found = []
        for item in items:
            if isinstance(item, model) and item.name in known:
                found.append(known[item.name])
            elif isinstance(item, str) and item in known:
                found.append(known[item])
            else:
                of = f" of type {type_name!r}" if type_name else ""
                raise InvalidArgument(f"no {model.__name__}{of} is named {item!r}; create it first")
        return found

    def raise_problems(self) -> None:
        if self.problems:
            more = len(self.problems) - _SHOWN
            raise InvalidArgument(
                f"{len(self.problems)} values cannot be stored; nothing was written:\n  "
                + "\n  ".join(self.problems[:_SHOWN])
                + (f"\n  … and {more} more" if more > 0 else "")
            )


def _target(feature: Feature) -> tuple[Any, str | None]:
    """The registry (ULabel or Record) and type a category feature of a record takes."""
    registry, type_name = next(iter(feature_registries(feature).items()))
    if registry == "core.ULabel":
        return ULabel, type_name
    if registry == "core.Record":
        return Record, type_name
    raise InvalidArgument(
        f"Feature {feature.name!r} takes values from {registry}: records take labels "
        "(cat[ULabel]) and records (cat[Record[Type]]) under category features."
    )


def _features(names: list[str]) -> dict[str, Feature]:
    features = {f.name: f for f in Feature.objects.filter(name__in=names)}
    missing = [name for name in names if name not in features]
    if missing:
        raise InvalidArgument(
            f"No Feature is named {missing[:_SHOWN]}; nothing was written. Register them "
            f"first, e.g. ln.Feature(name={missing[0]!r}, dtype='str').save()."
        )
    return features


def _schema_features(record_type: Record) -> list[str] | None:
    if record_type.schema_id is None:
        return None
    return list(record_type.schema.members.values_list("name", flat=True))


def _check_names(names: list[str | None], record_type: Record | None) -> None:
    given = [n for n in names if n is not None]
    long = [n for n in given if len(n) > 150]
    if long:
        raise InvalidArgument(
            f"Row names hold at most 150 characters; {long[0][:40]!r}… has {len(long[0])}. "
            "Nothing was written."
        )
    repeated = sorted(name for name, count in Counter(given).items() if count > 1)
    taken = set(
        Record.objects.filter(type=record_type, name__in=given).values_list("name", flat=True)
    )
    if repeated or taken:
        type_name = record_type.name if record_type is not None else None
        raise InvalidArgument(
            f"Row names must be new within type {type_name!r}: "
            + (f"repeated {repeated[:_SHOWN]}" if repeated else "")
            + ("; " if repeated and taken else "")
            + (f"taken already {sorted(taken)[:_SHOWN]}" if taken else "")
            + ". Nothing was written."
        )


def _missing(value: Any) -> bool:
    if isinstance(value, (list, tuple, dict)):
        return False
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# -- writing and reading --------------------------------------------------------------------


def _write(
    records: list[Record],
    rows: list[dict[str, Any]],
    features: dict[str, Feature],
    cells: _Cells,
    replace: bool = False,
) -> None:
    """The checked cells of ``rows`` as values of ``records`` (``replace``: instead of the
    values they had of those features; new records have none)."""
    ids = [r.pk for r in records]
    touched = [features[c].pk for c in {c for row in rows for c in row}]
    if replace:
        for table in (RecordJson, RecordULabel, RecordRecord):
            table.objects.filter(record_id__in=ids, feature_id__in=touched).delete()
    json_rows: list[tuple[int, int, Any]] = []
    label_rows: list[tuple[int, int, Any]] = []
    record_rows: list[tuple[int, int, Any]] = []
    for index, record_id in enumerate(ids):
        for column in rows[index]:
            feature_id = features[column].pk
            if (index, column) in cells.json:
                json_rows.append((record_id, feature_id, cells.json[(index, column)]))
                continue
            for linked in cells.links.get((index, column), []):
                target = label_rows if isinstance(linked, ULabel) else record_rows
                target.append((record_id, feature_id, linked.pk))
    _insert(RecordJson, json_rows)
    _insert(RecordULabel, label_rows)
    _insert(RecordRecord, record_rows)


def _insert(model: Any, rows: list[tuple[int, int, Any]]) -> None:
    """(record, feature, value) rows into a value table: a multi-row INSERT per 1,000 rows
    (Django's bulk_create compiles every value: 3 s of a 10,000-row sheet's 100,000), JSON
    values written as text (PostgreSQL: cast to jsonb)."""
    import json

    from django.db import connection

    if not rows:
        return
    quote = connection.ops.quote_name
    value_column = model._meta.get_field("value").column
    columns = ", ".join(quote(c) for c in ("record_id", "feature_id", value_column))
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "
    is_json = model is RecordJson
    cast = "::jsonb" if is_json and connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            batch = rows[start : start + 1000]
            params = [p for r, f, v in batch for p in (r, f, json.dumps(v) if is_json else v)]
            cursor.execute(head + ", ".join([f"(%s, %s, %s{cast})"] * len(batch)), params)


def _values_of(**records: Any) -> dict[int, dict[str, Any]]:
    """{record id: {feature name: value}} of the records the lookup selects (one, a type's)."""
    found: dict[int, dict[str, list[Any]]] = defaultdict(dict)
    queries = (
        RecordJson.objects.filter(**records).values_list("record_id", "feature__name", "value"),
        RecordULabel.objects.filter(**records).values_list(
            "record_id", "feature__name", "value__name"
        ),
        RecordRecord.objects.filter(**records).values_list(
            "record_id", "feature__name", "value__name"
        ),
    )
    for query in queries:
        for pk, name, value in query:
            found[pk].setdefault(name, []).append(value)
    return {
        pk: {name: (items if len(items) > 1 else items[0]) for name, items in sorted(by.items())}
        for pk, by in found.items()
    }
