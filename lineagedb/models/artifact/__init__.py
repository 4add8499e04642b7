"""Artifact, in parts: the model (``model.py``), how data becomes a record
(``construction.py``), what an unsaved artifact holds until ``save()``
(``draft.py``), storing and deleting it (``persistence.py``, ``staged_save.py``,
``replacing.py``), its folder files (``manifest.py``) and where data comes from
(``source.py``). Nothing outside this package reads an artifact's draft.
"""

from lineagedb.models.artifact.access import file_name, path_text
from lineagedb.models.artifact.draft import annotate_on_save, not_applied
from lineagedb.models.artifact.model import Artifact

__all__ = ["Artifact", "annotate_on_save", "file_name", "not_applied", "path_text"]
