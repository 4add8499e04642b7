"""User: who saved a record."""

from __future__ import annotations

from django.db import models

from lineagedb.models import _uid
from lineagedb.models.record import Record


class User(Record):
    """A person (or service) that saves records; ``created_by`` of every record.

    The anonymous user (uid ``00000000``, handle ``anonymous``) exists in
    every instance and is the current user until another one logs in.

    Example:
        >>> import lineagedb as ln
        >>> ln.User.lookup().anonymous
        User(uid='00000000', handle='anonymous', updated_at=...)
    """

    _search_fields = ("handle", "name")
    _name_field = "handle"

    uid = models.CharField(max_length=8, unique=True, default=_uid.user_uid)
    handle = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=150, null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
