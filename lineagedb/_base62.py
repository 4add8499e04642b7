"""Random base62 strings: the alphabet of every uid."""

from __future__ import annotations

import secrets
import string

BASE62 = string.digits + string.ascii_letters


def base62(length: int) -> str:
    """A random base62 string of ``length`` characters (62**length possibilities).

    Example:
        >>> len(base62(12))
        12
    """
    return "".join(secrets.choice(BASE62) for _ in range(length))
