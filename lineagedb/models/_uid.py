"""Random base62 uids and the default values Django stores in new records.

Migrations refer to these functions by path; keep their names stable.
"""

from __future__ import annotations

from lineagedb._base import session as _session
from lineagedb._base.base62 import BASE62, base62

__all__ = ["BASE62", "base62"]

FIRST_VERSION_SUFFIX = "0000"


def user_uid() -> str:
    """A new User uid (8 characters)."""
    return base62(8)


def storage_uid() -> str:
    """A new Storage uid (12 characters)."""
    return base62(12)


def transform_uid() -> str:
    """A new Transform uid: a 12-character stem and the first version suffix."""
    return base62(12) + FIRST_VERSION_SUFFIX


def run_uid() -> str:
    """A new Run uid (20 characters)."""
    return base62(20)


def artifact_uid() -> str:
    """A new Artifact uid: a 16-character stem and the first version suffix."""
    return base62(16) + FIRST_VERSION_SUFFIX


def collection_uid() -> str:
    """A new Collection uid: a 16-character stem and the first version suffix."""
    return base62(16) + FIRST_VERSION_SUFFIX


def current_user_id() -> int:
    """The id of the current user's record: the default of every ``created_by``."""
    return _session.current_user_id()


def ulabel_uid() -> str:
    """A new ULabel uid (8 characters)."""
    return base62(8)


def feature_uid() -> str:
    """A new Feature uid (12 characters)."""
    return base62(12)


def feature_set_uid() -> str:
    """A new FeatureSet uid (20 characters)."""
    return base62(20)
