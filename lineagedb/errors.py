"""Errors raised by lineagedb.

Every error is a :class:`LineageDBError`; catch that to handle them all.
Where a builtin exception fits, the class also subclasses it, so code that
catches ``LookupError`` or ``FileNotFoundError`` keeps working::

    LineageDBError                      root of all lineagedb errors
    ├── NotConnected                    no instance is connected, or the named one is unknown
    ├── InstanceError                   an instance cannot be created, connected or deleted
    │   └── OtherInstance               a record belongs to another instance than the connected one
    ├── InvalidArgument (ValueError)    a call got a value it cannot use
    │   ├── InUse                       a feature, label or feature set to delete is still used
    │   ├── BadSynonym (AssertionError)     a synonym with '|'
    │   ├── SynonymTaken (SystemExit)       a synonym another record holds (LaminDB 0.70's class)
    │   ├── NoSynonymsField (NotImplementedError)   synonyms on a registry without the field
    │   ├── UnknownField (AttributeError)   a query or constructor names a field the registry lacks
    │   └── ValidationError             data do not validate against a schema or registry
    ├── WrongType (TypeError, ValueError)   an argument of the wrong type, or one too many
    ├── PathNotFound (FileNotFoundError)    a path given by the user does not exist
    ├── AccessDenied (PermissionError)  the storage refused to read or write a path
    │   └── StorageNotWritable          a storage root cannot be written to
    ├── NoLoader (ValueError)           no reader is known for an artifact's suffix
    ├── MixedSuffixes (RuntimeError)    a collection mixes suffixes where one kind is needed
    ├── StorageMismatch                 stored bytes are missing or differ from their record
    ├── TrackingError                   track() or finish() cannot do what was asked
    ├── NotFound (LookupError)          a query that must match a record matched none
    │   └── UnknownLookupName (AttributeError)  a lookup namespace has no such name
    └── MultipleFound (LookupError)     a query that must match one record matched several

Example:
    >>> import lineagedb as ln
    >>> try:
    ...     ln.Artifact.filter(key="missing.csv").one()
    ... except ln.errors.NotFound as error:
    ...     print(error)
    No Artifact matches this query. Loosen the filter, or use .one_or_none() when none is fine.
"""

from __future__ import annotations


class LineageDBError(Exception):
    """Root of every error lineagedb raises."""


class NotConnected(LineageDBError):
    """No instance is connected, or the instance named does not exist."""


class InstanceError(LineageDBError):
    """An instance cannot be created, connected or deleted as asked."""


class OtherInstance(InstanceError):
    """A record loaded from one instance is used while another is connected."""


class InvalidArgument(LineageDBError, ValueError):
    """A call got a value it cannot use."""


class WrongType(LineageDBError, TypeError, ValueError):
    """An argument of the wrong type (a Transform expected, a str given, …), or too many.

    Both a ``TypeError`` and a ``ValueError``: LaminDB 0.70 raises ``ValueError``
    for these, Python's convention is ``TypeError``; code written for either catches it.
    """


class ValidationError(InvalidArgument):
    """Data do not validate against their schema or registries (a curator's ``validate()``).

    ``problems`` lists what is wrong, one text per column or value group, so
    callers (the CLI's ``--json``, a UI) need not parse the message.

    Example:
        >>> error = ValidationError("Does not validate", problems=["missing columns ['a']"])
        >>> error.problems
        ["missing columns ['a']"]
    """

    def __init__(self, message: str = "", *, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems: list[str] = list(problems or [])


class BadSynonym(InvalidArgument, AssertionError):
    """A synonym that cannot be stored (it holds ``|``, the separator)."""


class SynonymTaken(InvalidArgument, SystemExit):
    """A synonym another record of the registry holds already (``force=True`` shares it).

    Also a ``SystemExit``, the class LaminDB 0.70 raises here; it is an ``Exception``
    too, so ``except Exception`` catches it.
    """


class NoSynonymsField(InvalidArgument, NotImplementedError):
    """Synonyms asked of a registry that has no synonyms field (ULabel)."""


class InUse(InvalidArgument):
    """A feature, label or feature set that something uses cannot be deleted.

    ``uses`` counts the uses by kind (``{"artifact labels": 3}``).

    Example:
        >>> InUse("in use", uses={"feature sets": 1}).uses
        {'feature sets': 1}
    """

    def __init__(self, message: str = "", *, uses: dict[str, int] | None = None) -> None:
        super().__init__(message)
        self.uses: dict[str, int] = dict(uses or {})


class UnknownField(InvalidArgument, AttributeError):
    """A query or constructor names a field that the registry does not have."""


class PathNotFound(LineageDBError, FileNotFoundError):
    """A path given by the user does not exist."""


class AccessDenied(LineageDBError, PermissionError):
    """The storage refused to read or write a path (credentials, bucket policy)."""


class StorageNotWritable(AccessDenied):
    """A storage root cannot be written to."""


class NoLoader(LineageDBError, ValueError):
    """No reader is known for an artifact's suffix."""


class MixedSuffixes(LineageDBError, RuntimeError):
    """A collection's members have different suffixes where one kind is needed."""


class StorageMismatch(LineageDBError):
    """Stored bytes are missing, or differ from what their record says (size or hash)."""


class TrackingError(LineageDBError):
    """``ln.track()`` or ``ln.finish()`` cannot do what was asked."""


class _AboutRegistry(LineageDBError):
    """An error about the records of one registry: ``model`` is the registry asked."""

    model: object = None

    def __init__(self, message: str = "", *, model: object = None) -> None:
        super().__init__(message)
        if model is not None:
            self.model = model


class NotFound(_AboutRegistry, LookupError):
    """A query that must match a record matched none.

    ``model`` is the registry that was asked (None where no registry was).

    Example:
        >>> NotFound("No artifact with uid 'abc'", model="Artifact").model
        'Artifact'
    """


class MultipleFound(_AboutRegistry, LookupError):
    """A query that must match exactly one record matched several.

    ``model`` is the registry that was asked.

    Example:
        >>> MultipleFound("2 artifacts match", model="Artifact").model
        'Artifact'
    """


class UnknownLookupName(NotFound, AttributeError):
    """A lookup namespace (``ln.User.lookup()``) has no entry of the name asked for."""
