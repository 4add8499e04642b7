"""The tables that link labels, features, feature sets and values to artifacts and collections.

A label links to a host under at most one feature; a feature set to a host
in one slot; a FeatureValue (a number, text, flag, date or dict of a
feature) is shared by every artifact that has it.

Example:
    >>> ln.models.ArtifactULabel.objects.filter(feature__name="x").count()
    0
"""

from __future__ import annotations

from django.db import models

from lineagedb.models.record import Record


class FeatureSetFeature(models.Model):
    """Links a feature set to its features."""

    featureset = models.ForeignKey("FeatureSet", models.CASCADE, related_name="+")
    feature = models.ForeignKey("Feature", models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["featureset", "feature"], name="unique_set_feature")
        ]


class ArtifactULabel(models.Model):
    """Links an artifact to a label, under at most one feature."""

    # Both columns are covered by the two composite indexes below: a link table of
    # millions of rows keeps fewer indexes up to date on every insert.
    artifact = models.ForeignKey(
        "Artifact", models.CASCADE, related_name="ulabel_links", db_index=False
    )
    ulabel = models.ForeignKey(
        "ULabel", models.CASCADE, related_name="artifact_links", db_index=False
    )
    feature = models.ForeignKey(
        "Feature", models.CASCADE, null=True, blank=True, related_name="artifact_label_links"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["artifact", "ulabel"], name="unique_artifact_ulabel")
        ]
        indexes = [models.Index(fields=["ulabel", "artifact"], name="artifact_ulabel_by_label")]


class CollectionULabel(models.Model):
    """Links a collection to a label, under at most one feature."""

    collection = models.ForeignKey("Collection", models.CASCADE, related_name="ulabel_links")
    ulabel = models.ForeignKey("ULabel", models.CASCADE, related_name="collection_links")
    feature = models.ForeignKey(
        "Feature", models.CASCADE, null=True, blank=True, related_name="collection_label_links"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "ulabel"], name="unique_collection_ulabel"
            )
        ]


class ArtifactFeatureSet(models.Model):
    """Links an artifact to a feature set in a slot: ``columns``, ``var``, ``obs``, ``external``."""

    artifact = models.ForeignKey("Artifact", models.CASCADE, related_name="feature_set_links")
    featureset = models.ForeignKey("FeatureSet", models.CASCADE, related_name="artifact_links")
    slot = models.CharField(max_length=40, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["artifact", "featureset"], name="unique_artifact_featureset"
            )
        ]


class CollectionFeatureSet(models.Model):
    """Links a collection to a feature set in a slot."""

    collection = models.ForeignKey("Collection", models.CASCADE, related_name="feature_set_links")
    featureset = models.ForeignKey("FeatureSet", models.CASCADE, related_name="collection_links")
    slot = models.CharField(max_length=50, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "featureset"], name="unique_collection_featureset"
            )
        ]


class FeatureValue(Record):
    """A value of a feature that is not a label: a number, text, flag, date, list or dict.

    Values are shared: the same value of the same feature is one record,
    linked to every artifact that has it. Numbers (and flags, as 0/1) are
    also kept in ``number`` and short text in ``text``, both indexed, for
    queries such as ``ln.Artifact.filter(temperature__gt=37.5)``.

    Example:
        >>> artifact.features.add_values({"temperature": 37.2})
        >>> ln.models.FeatureValue.filter(feature__name="temperature").df().value.tolist()
        [37.2]
    """

    _name_field = "text"
    _repr_exclude = ("created_at", "hash")

    feature = models.ForeignKey("Feature", models.CASCADE, related_name="values")
    value = models.JSONField()
    number = models.FloatField(null=True, blank=True, db_index=True)
    text = models.CharField(max_length=255, null=True, blank=True, db_index=True)
    hash = models.CharField(max_length=22, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_by = models.ForeignKey("User", models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["feature", "hash"], name="unique_feature_value")
        ]


class ArtifactFeatureValue(models.Model):
    """Links an artifact to a feature value."""

    artifact = models.ForeignKey(
        "Artifact", models.CASCADE, related_name="feature_value_links", db_index=False
    )
    featurevalue = models.ForeignKey(
        "FeatureValue", models.CASCADE, related_name="artifact_links", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["artifact", "featurevalue"], name="unique_artifact_featurevalue"
            )
        ]
        indexes = [
            models.Index(fields=["featurevalue", "artifact"], name="artifact_value_by_value")
        ]


class RunFeatureValue(models.Model):
    """Links a run to a feature value (LaminDB 2: runs have features too)."""

    run = models.ForeignKey("Run", models.CASCADE, related_name="feature_value_links")
    featurevalue = models.ForeignKey(
        "FeatureValue", models.CASCADE, related_name="run_links", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "featurevalue"], name="unique_run_featurevalue")
        ]
        indexes = [models.Index(fields=["featurevalue", "run"], name="run_value_by_value")]
