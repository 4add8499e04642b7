"""Collection: an ordered, versioned group of artifacts."""

from __future__ import annotations

from django.db import models

from lineagedb.models import _uid
from lineagedb.models.record import Record


class Collection(Record):
    """An ordered group of artifacts, versioned as a whole.

    Example:
        >>> import lineagedb as ln
        >>> ln.Collection.filter(name="Iris collection").df()  # doctest: +SKIP
    """

    _name_field = "name"
    _repr_exclude = ("created_at", "updated_at", "is_latest")

    uid = models.CharField(max_length=20, unique=True, default=_uid.collection_uid)
    name = models.CharField(max_length=150, db_index=True)
    description = models.TextField(null=True, blank=True)
    version = models.CharField(max_length=30, null=True, blank=True, db_index=True)
    hash = models.CharField(max_length=86, null=True, blank=True, db_index=True)
    reference = models.CharField(max_length=255, null=True, blank=True, db_index=True)
    reference_type = models.CharField(max_length=25, null=True, blank=True)
    transform = models.ForeignKey(
        "Transform", models.SET_NULL, null=True, blank=True, related_name="output_collections"
    )
    run = models.ForeignKey(
        "Run", models.SET_NULL, null=True, blank=True, related_name="output_collections"
    )
    artifact = models.ForeignKey(
        "Artifact", models.PROTECT, null=True, blank=True, related_name="+"
    )
    visibility = models.SmallIntegerField(default=1, db_index=True)
    is_latest = models.BooleanField(default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey("User", models.PROTECT, related_name="+")
    artifacts = models.ManyToManyField(
        "Artifact", through="CollectionArtifact", related_name="collections"
    )


class CollectionArtifact(models.Model):
    """Links a collection to its artifacts, in order (``ordinal``)."""

    collection = models.ForeignKey(Collection, models.CASCADE, related_name="links")
    artifact = models.ForeignKey("Artifact", models.PROTECT, related_name="+")
    ordinal = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "ordinal"], name="unique_collection_ordinal"
            )
        ]
