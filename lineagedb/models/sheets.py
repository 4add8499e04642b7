"""Record (LaminDB 2): typed records whose fields are features — a lab's sample sheet.

A type (``ln.Record(name="Sample", is_type=True, schema=schema)``) groups records; its
schema names the features its records carry. A record's values are stored per feature:
JSON values (numbers, text, dates, lists) in one table, labels (``cat[ULabel]``) and other
records (``cat[Record[Donor]]``) in their own. A type reads as a sheet
(``sample.to_dataframe()``), and a sheet's rows are created from a table in one
transaction (``ln.Record.from_dataframe(df, type=sample)``). Artifacts link records
through a feature ``dtype="cat[Record[Sample]]"``: ``artifact.features.add_values({"sample":
"S1"})``, then ``ln.Artifact.filter(sample="S1")``.

Example:
    >>> sample = ln.Record(name="Sample", is_type=True).save()
    >>> ln.Record(name="S1", type=sample).save().type == sample
    True
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import models

from lineagedb.errors import InvalidArgument, WrongType
from lineagedb.models import _uid
from lineagedb.models.annotations._naming import checked_type
from lineagedb.models.record import Record as SQLRecord


def _uid16() -> str:
    return _uid.base62(16)


class _TableOrSheet:
    """``ln.Record.to_dataframe()`` lists records, as on every registry; ``sample.to_dataframe()``
    reads the type ``sample`` as a sheet (LaminDB 2 gives the one name both meanings)."""

    def __get__(self, instance: Any, owner: Any) -> Any:
        if instance is None:
            return functools.partial(SQLRecord.__dict__["df"].__func__, owner)
        return instance._sheet


class Record(SQLRecord):
    """A typed record: a sample, a donor, a plate — its fields are features.

    Example:
        >>> donor = ln.Record(name="Donor", is_type=True).save()
        >>> d1 = ln.Record(name="D1", type=donor).save()
        >>> [r.name for r in donor.records.all()]
        ['D1']
    """

    # Records label artifacts under features (cat[Record[Sample]]), as ULabels do.
    _is_label = True

    _search_fields = ("name", "description")
    _name_field = "name"
    _repr_exclude = ("created_at", "extra_data")

    uid = models.CharField(max_length=16, unique=True, default=_uid16)
    name = models.CharField(max_length=150, null=True, blank=True, db_index=True)
    description = models.TextField(null=True, blank=True)
    is_type = models.BooleanField(default=False, db_index=True)
    type = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="records")
    # A type's schema: the features its records carry (the sheet's columns).
    schema = models.ForeignKey(
        "FeatureSet", models.PROTECT, null=True, blank=True, related_name="record_types"
    )
    reference = models.CharField(max_length=255, null=True, blank=True, db_index=True)
    reference_type = models.CharField(max_length=25, null=True, blank=True)
    extra_data = models.JSONField(null=True, blank=True)
    parents = models.ManyToManyField("self", symmetrical=False, related_name="children", blank=True)
    run = models.ForeignKey("Run", models.SET_NULL, null=True, blank=True, related_name="records")
    artifacts = models.ManyToManyField(
        "Artifact", through="ArtifactRecord", related_name="records", blank=True
    )
    projects = models.ManyToManyField("Project", related_name="records", blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_by = models.ForeignKey("User", models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            # Within a type, a name is one record (a sheet's row names are unique).
            models.UniqueConstraint(fields=["type", "name"], name="unique_record_name_in_type")
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args:
            raise WrongType("Record() takes its fields by name: ln.Record(name='S1', type=...).")
        record_type = kwargs.get("type")
        if record_type is not None:
            check_type(record_type)
        schema = kwargs.get("schema")
        if schema is not None and not kwargs.get("is_type"):
            raise InvalidArgument(
                "A schema belongs to a type: ln.Record(name='Sample', is_type=True, schema=...); "
                "its records carry the schema's features."
            )
        super().__init__(**kwargs)

    @property
    def features(self) -> Any:
        """The record's feature values: ``add_values({...})``, ``get_values()``.

        Example:
            >>> _ = ln.Feature(name="age", dtype="int").save()
            >>> d1 = ln.Record(name="D1").save()
            >>> d1.features.add_values({"age": 42})
            >>> d1.features.get_values()
            {'age': 42}
        """
        from lineagedb.models.sheet_values import RecordValues

        return RecordValues(self)

    @classmethod
    def from_dataframe(
        cls,
        df: Any,
        *,
        type: Record,
        name_field: str = "name",
    ) -> Any:
        """A sheet's rows as records of ``type``; ``.save()`` writes them in one transaction.

        Names come from the ``name_field`` column (else the index), values from the
        columns named like the type's features. Every cell is checked here: a value a
        feature cannot hold, a label or record that does not exist, a row name taken —
        each named by row and column, and nothing is written.

        Example:
            >>> import pandas as pd
            >>> donor = ln.Record(name="Donor", is_type=True).save()
            >>> _ = ln.Feature(name="age", dtype="int").save()
            >>> sheet = pd.DataFrame({"name": ["D2", "D3"], "age": [30, 51]})
            >>> [r.name for r in ln.Record.from_dataframe(sheet, type=donor).save()]
            ['D2', 'D3']
        """
        from lineagedb.models.sheet_values import create_sheet_rows

        if isinstance(type, str):
            raise InvalidArgument(
                f"type={type!r}: pass the type record, e.g. "
                f"ln.Record(name={type!r}, is_type=True).save() (and schema= for its columns)."
            )
        return create_sheet_rows(df, check_type(type), name_field)

    def _sheet(self) -> Any:
        """``type.to_dataframe()``: a type's records as a sheet, one row per record (index:
        name), a column per feature.

        Example:
            >>> sample = ln.Record(name="Sample", is_type=True).save()
            >>> _ = ln.Record(name="S1", type=sample).save()
            >>> list(sample.to_dataframe().index)
            ['S1']
        """
        from lineagedb.models.sheet_values import sheet_of

        if not self.is_type:
            raise InvalidArgument(
                f"Record {self.name!r} is not a type: to_dataframe() reads a type's records "
                "as a sheet. Use record.features.get_values() for one record."
            )
        return sheet_of(self)

    # On the registry, the records as a table (as every registry's); on a type, its sheet.
    to_dataframe = df = _TableOrSheet()  # type: ignore[assignment]


def check_type(record_type: Any) -> Record:
    """``type=``: a saved Record with ``is_type=True``.

    Example:
        >>> donor = ln.Record(name="Donor", is_type=True).save()
        >>> check_type(donor) == donor
        True
    """
    return checked_type(record_type, Record, "records")  # type: ignore[no-any-return]


class ArtifactRecord(models.Model):
    """Links an artifact to a record, under a feature (``cat[Record[Sample]]``)."""

    artifact = models.ForeignKey("Artifact", models.CASCADE, related_name="record_links")
    record = models.ForeignKey(Record, models.PROTECT, related_name="artifact_links")
    feature = models.ForeignKey(
        "Feature", models.PROTECT, null=True, blank=True, related_name="artifact_record_links"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["artifact", "record"], name="unique_artifact_record")
        ]


class RecordJson(models.Model):
    """A record's value of a feature that is not a label: a number, text, date, list, dict."""

    record = models.ForeignKey(Record, models.CASCADE, related_name="values_json")
    feature = models.ForeignKey("Feature", models.PROTECT, related_name="record_values")
    value = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "feature"], name="unique_record_json")
        ]


class RecordULabel(models.Model):
    """A record's label under a category feature (``cat[ULabel]``)."""

    record = models.ForeignKey(Record, models.CASCADE, related_name="values_ulabel")
    feature = models.ForeignKey("Feature", models.PROTECT, related_name="record_ulabels")
    value = models.ForeignKey("ULabel", models.PROTECT, related_name="record_values")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record", "feature", "value"], name="unique_record_ulabel"
            )
        ]


class RecordRecord(models.Model):
    """A record's link to another record under a feature (``cat[Record[Donor]]``)."""

    record = models.ForeignKey(Record, models.CASCADE, related_name="values_record")
    feature = models.ForeignKey("Feature", models.PROTECT, related_name="record_records")
    value = models.ForeignKey(Record, models.PROTECT, related_name="linked_by")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record", "feature", "value"], name="unique_record_record"
            )
        ]
