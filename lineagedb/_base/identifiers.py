"""What names a record: a uid, a uid prefix or a key — never an empty string.

An empty prefix is a prefix of every uid: ``lineagedb rm "$UNSET" --permanent``
once deleted an instance's only artifact (issue 27). Library and CLI refuse it
before they query.

Example:
    >>> refuse_blank("3TNCsZZc", "uid", "Artifact")
"""

from __future__ import annotations

from typing import Any

from lineagedb.errors import InvalidArgument

# A uid prefix shorter than this that matches several records is an error listing them,
# never one of them picked.
MIN_UID_PREFIX = 4


def refuse_blank(value: Any, what: str, registry: str) -> None:
    """A clear error for an empty or whitespace uid, key or prefix: it would match everything.

    Example:
        >>> refuse_blank("  ", "uid", "Artifact")
        Traceback (most recent call last):
        ...
        lineagedb.errors.InvalidArgument: An empty Artifact uid ('  ') names no record ...
    """
    if isinstance(value, str) and not value.strip():
        raise InvalidArgument(
            f"An empty {registry} {what} ({value!r}) names no record (as a prefix it "
            "would match every one); nothing was done. Give a uid, a uid prefix of at least "
            f"{MIN_UID_PREFIX} characters, or a key; is a shell variable unset?"
        )


def text_problem(text: str) -> str | None:
    """Why no database can hold ``text`` (a NUL character, a lone surrogate), or None.

    SQLite and PostgreSQL's drivers fail on these with raw errors of their own
    (``UnicodeEncodeError``, ``DataError``); lineagedb asks first.

    Example:
        >>> text_problem("T cell"), text_problem("a\\x00b")
        (None, 'a NUL character')
    """
    if "\x00" in text:
        return "a NUL character"
    if text.isascii():  # the common case: no copy to encode
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "characters that are not valid Unicode (lone surrogates)"
    return None


def refuse_unstorable(value: Any, where: str) -> None:
    """Refuse a query value (text, or a list, tuple or set of texts) no database can hold.

    Example:
        >>> refuse_unstorable(["a", "\\udc80"], "ln.ULabel.filter(name__in=...)")
        Traceback (most recent call last):
        ...
        lineagedb.errors.InvalidArgument: ln.ULabel.filter(name__in=...) got '\\udc80', ...
    """
    items = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
    for item in items:
        if isinstance(item, str) and (problem := text_problem(item)) is not None:
            raise InvalidArgument(
                f"{where} got {item[:40]!r}, which contains {problem}: no record can hold "
                "it. Remove those characters and ask again."
            )
