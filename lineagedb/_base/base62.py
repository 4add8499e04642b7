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
    # One draw of random bits, written in base 62 (a choice per character took ~4 µs
    # each, most of a new record's uid); 64 bits beyond 62**length keep the modulo's
    # bias below 2**-64.
    limit = 62**length
    number = secrets.randbits(limit.bit_length() + 64) % limit
    digits = []
    for _ in range(length):
        number, digit = divmod(number, 62)
        digits.append(BASE62[digit])
    return "".join(digits)


def hashed_base62(text: str, length: int) -> str:
    """The first ``length`` base62 digits of the md5 of ``text``: the same text, the same uid.

    LaminDB's bionty uids are made this way, so a term has one uid in every
    instance of either system.

    Example:
        >>> hashed_base62("CL:0000084", 8)
        '22LvKd01'
    """
    import hashlib

    alphabet = string.digits + string.ascii_uppercase + string.ascii_lowercase  # LaminDB's order
    number = int.from_bytes(hashlib.md5(text.encode()).digest(), "big")
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(alphabet[remainder])
    return "".join(reversed(digits))[:length]
