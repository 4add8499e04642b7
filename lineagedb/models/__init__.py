"""The registries (a Django app): User, Storage, Transform, Run, Artifact, Collection,
ULabel, Feature, FeatureSet.

Importable only once an instance is connected (Django is then configured).

Example:
    >>> import lineagedb as ln
    >>> ln.Artifact.df()  # the tutorial's own session  # doctest: +SKIP
"""

from lineagedb.models.annotations.feature import Feature
from lineagedb.models.annotations.feature_set import FeatureSet
from lineagedb.models.annotations.links import (
    ArtifactFeatureSet,
    ArtifactFeatureValue,
    ArtifactULabel,
    CollectionFeatureSet,
    CollectionULabel,
    FeatureSetFeature,
    FeatureValue,
)
from lineagedb.models.annotations.ulabel import ULabel
from lineagedb.models.artifact import Artifact
from lineagedb.models.artifact.manifest import FolderManifest
from lineagedb.models.bulk import save
from lineagedb.models.collection import Collection, CollectionArtifact
from lineagedb.models.project import Project, Reference
from lineagedb.models.record import Record
from lineagedb.models.run import Run
from lineagedb.models.storage import Storage
from lineagedb.models.transform import Transform
from lineagedb.models.user import User

# LaminDB 2's name of FeatureSet.
Schema = FeatureSet

__all__ = [
    "Artifact",
    "ArtifactFeatureSet",
    "ArtifactFeatureValue",
    "ArtifactULabel",
    "Collection",
    "CollectionArtifact",
    "CollectionFeatureSet",
    "CollectionULabel",
    "Feature",
    "FeatureSet",
    "FeatureSetFeature",
    "FeatureValue",
    "FolderManifest",
    "Project",
    "Record",
    "Reference",
    "Run",
    "Schema",
    "Storage",
    "Transform",
    "ULabel",
    "User",
    "save",
]
