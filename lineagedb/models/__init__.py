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
from lineagedb.models.sheets import ArtifactRecord, RecordJson, RecordRecord, RecordULabel
from lineagedb.models.sheets import Record as SheetRecord
from lineagedb.models.storage import Storage
from lineagedb.models.transform import Transform
from lineagedb.models.user import User

# LaminDB 2's name of FeatureSet.
Schema = FeatureSet
# The base class of every registry: ``Record`` here (schema modules subclass it, as
# lineagedb 0.1 generated them), ``SQLRecord`` in LaminDB 2. ``ln.Record`` is LaminDB 2's
# typed record (a sheet's row): ``SheetRecord`` here.
SQLRecord = Record

__all__ = [
    "Artifact",
    "ArtifactFeatureSet",
    "ArtifactFeatureValue",
    "ArtifactRecord",
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
    "RecordJson",
    "RecordRecord",
    "RecordULabel",
    "Reference",
    "Run",
    "SQLRecord",
    "Schema",
    "SheetRecord",
    "Storage",
    "Transform",
    "ULabel",
    "User",
    "save",
]
