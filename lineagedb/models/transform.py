"""Transform: the code (script, notebook, pipeline, app) that makes data."""

from __future__ import annotations

from typing import Any

from django.db import models

from lineagedb.models import _uid
from lineagedb.models.versioning import VersionedRecord

TRANSFORM_TYPES = [(name, name) for name in ("notebook", "script", "pipeline", "app")]


class Transform(VersionedRecord):
    """A data transformation: a notebook, script, pipeline or app.

    ``is_new_version_of=`` (alias ``revises=``) makes the next version of a
    transform: same 12-character uid stem, name, key and type unless given.

    Example:
        >>> import lineagedb as ln
        >>> ln.Transform(name="My pipeline", version="1.2.0").save()  # doctest: +SKIP
    """

    _name_field = "name"
    _stem_length = 12
    _delete_with_rules = True

    uid = models.CharField(max_length=16, unique=True, default=_uid.transform_uid)
    name = models.CharField(max_length=150, db_index=True)
    key = models.CharField(max_length=255, null=True, blank=True, db_index=True)
    version = models.CharField(max_length=30, null=True, blank=True, db_index=True)
    description = models.TextField(null=True, blank=True)
    type = models.CharField(
        max_length=20, choices=TRANSFORM_TYPES, default="pipeline", db_index=True
    )
    latest_report = models.ForeignKey(
        "Artifact", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_code = models.ForeignKey(
        "Artifact", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reference = models.CharField(max_length=255, null=True, blank=True)
    reference_type = models.CharField(max_length=25, null=True, blank=True)
    is_latest = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey("User", models.PROTECT, related_name="+")

    def __init__(
        self,
        *args: Any,
        is_new_version_of: Transform | None = None,
        revises: Transform | None = None,
        **fields: Any,
    ) -> None:
        if args:
            super().__init__(*args)  # raises: fields go by name
        previous = self._check_revises(is_new_version_of or revises, fields.get("version"))
        if previous is not None:
            for name in ("name", "key", "type", "description"):
                fields.setdefault(name, getattr(previous, name))
        super().__init__(**fields)
        if previous is not None:
            self._preview_version(previous)
