"""``FieldRef``: any field argument — ``"name"``, ``ln.ULabel.name``, ``bt.Gene.symbol`` — as
the registry it belongs to and the field's name.

Curators, validation, features and public ontologies take a field in all
three forms; this is the one place that tells them apart.

Example:
    >>> FieldRef.of("name")
    FieldRef(model=None, name='name', type_name=None)
    >>> FieldRef.of(None).name is None
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TypedField:
    """A registry's field whose values must be records of one type (LaminDB 2's
    ``cat[ULabel[CellType]]``): what a feature's dtype gives curators for such a column.

    Example:
        >>> TypedField(ln.ULabel.name.field, "CellType").type_name
        'CellType'
    """

    field: Any  # the model field, as a Django field attribute's ``.field``
    type_name: str


@dataclass(frozen=True)
class FieldRef:
    """A field argument resolved: its registry (None for a bare name) and its name.

    Example:
        >>> FieldRef.of("symbol").or_model("Gene")
        FieldRef(model='Gene', name='symbol', type_name=None)
    """

    model: Any
    name: str | None
    type_name: str | None = None  # records of this type only (a TypedField)

    @classmethod
    def of(cls, field: Any) -> FieldRef:
        """Resolve ``field``: a name, a model field attribute (``ln.ULabel.name``), or None.

        Example:
            >>> FieldRef.of("name").name
            'name'
        """
        if field is None or isinstance(field, str):
            return cls(None, field)
        # A model field attribute, e.g. ln.ULabel.name (Django's DeferredAttribute), or a
        # TypedField.
        model_field = getattr(field, "field", None)
        return cls(
            getattr(model_field, "model", None),
            getattr(model_field, "name", None),
            getattr(field, "type_name", None),
        )

    def or_model(self, default: Any) -> FieldRef:
        """The same field, in ``default``'s registry when the argument named no registry.

        Example:
            >>> FieldRef.of(None).or_model("ULabel").model
            'ULabel'
        """
        return self if self.model is not None else FieldRef(default, self.name, self.type_name)

    def records(self) -> Any:
        """The records values are checked against: the registry's, of the type if one is set.

        Example:
            >>> FieldRef.of(ln.ULabel.name).records().count() >= 0
            True
        """
        query = self.model.objects.all()
        return query.filter(type__name=self.type_name) if self.type_name else query
