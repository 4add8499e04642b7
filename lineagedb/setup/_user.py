"""Local user identity: who ``created_by`` names. No remote accounts."""

from __future__ import annotations

import contextlib
import re

from lineagedb._base.base62 import base62
from lineagedb._base.config import ANONYMOUS_HANDLE, UserSettings
from lineagedb._base.logger import logger
from lineagedb._base.session import session
from lineagedb.errors import InvalidArgument, NotConnected

_HANDLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def login(handle: str, name: str | None = None) -> None:
    """Act as the user ``handle`` from now on (created locally if new).

    The user gets an 8-character uid kept in the settings home, so the same
    person is the same User in every instance they connect to.

    Example:
        >>> import lineagedb as ln
        >>> ln.setup.login("jdoe", name="Jane Doe")  # logs out  # doctest: +SKIP
        ✓ logged in as jdoe
    """
    if not _HANDLE.match(handle) or handle == ANONYMOUS_HANDLE:
        raise InvalidArgument(
            f"Handle {handle!r} is not valid. Use up to 64 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit, e.g. 'jdoe'."
        )
    with contextlib.suppress(NotConnected):  # no instance yet: a new uid
        session.ensure_connected()  # to reuse the uid an instance knows for the handle
    current = UserSettings.load()
    uid = current.uid if current.handle == handle else None
    if uid is None and session.is_connected:
        from lineagedb.models import User

        uid = User.objects.filter(handle=handle).values_list("uid", flat=True).first()
    if uid is None:
        uid = base62(8)
    _switch(UserSettings(uid=uid, handle=handle, name=name))
    logger.success(f"logged in as {handle}")


def logout() -> None:
    """Go back to the anonymous user.

    Example:
        >>> ln.setup.logout()
        >>> ln.setup.settings.user.handle
        'anonymous'
    """
    _switch(UserSettings())
    logger.success("logged out; saving as anonymous")


def _switch(user: UserSettings) -> None:
    user.save()
    session.user = user
    if session.is_connected:
        from lineagedb.setup._connect import user_record

        session.user_record = user_record(user)
