"""ULabel: a free label ("study0", "setosa"), arranged in parents and children.

Example:
    >>> study = ln.ULabel(name="study0").save()
    >>> artifact.labels.add(study, feature=study_name)
"""

from __future__ import annotations

from typing import Any

from django.db import models

from lineagedb.errors import InvalidArgument, WrongType
from lineagedb.models._uid import ulabel_uid
from lineagedb.models.annotations._naming import _named, _only_keywords, checked_type
from lineagedb.models.annotations.hierarchy import Hierarchical
from lineagedb.models.record import Record


class ULabel(Hierarchical, Record):
    """A label: a study, a species, a condition — with parents and children.

    ``ULabel(name=...)`` with a name that exists returns that record (with
    a warning; ``ln.settings.upon_create_search_names = False`` turns it off).

    Example:
        >>> import lineagedb as ln
        >>> is_study = ln.ULabel(name="is_study", description="a study").save()
        >>> is_study.children.add(ln.ULabel(name="study0").save())
    """

    # The one core registry of labels (label_links.py; schema modules add theirs).
    _is_label = True

    _search_fields = ("name", "description")
    _name_field = "name"
    _natural_keys = ("name",)
    _repr_exclude = ("created_at", "updated_at", "is_type")

    uid = models.CharField(max_length=8, unique=True, default=ulabel_uid)
    name = models.CharField(max_length=150, unique=True, db_index=True)
    description = models.TextField(null=True, blank=True)
    reference = models.CharField(max_length=255, null=True, blank=True, db_index=True)
    reference_type = models.CharField(max_length=25, null=True, blank=True, db_index=True)
    parents = models.ManyToManyField("self", symmetrical=False, related_name="children", blank=True)
    # LaminDB 2's types: a label with is_type=True groups the labels whose type it is.
    is_type = models.BooleanField(default=False, db_index=True)
    type = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="ulabels")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey("User", models.PROTECT, related_name="+")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _only_keywords(
            "ULabel",
            args,
            ("name", "description", "reference", "reference_type", "is_type", "type"),
            kwargs,
        )
        if kwargs.get("type") is not None:
            checked_type(kwargs["type"], ULabel, "labels")
        name = kwargs.get("name")
        if name is None:
            raise WrongType("ULabel() needs a name, e.g. ln.ULabel(name='study0').")
        if not isinstance(name, str) or not name:
            raise InvalidArgument(f"A ULabel's name must be a non-empty string, not {name!r}.")
        existing = _named(ULabel, name, self)
        if existing is not None:
            super().__init__()
            self._become(existing)
            return
        super().__init__(**kwargs)
