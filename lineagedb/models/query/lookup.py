"""``lookup()``: a registry's records as attributes named after a field, for tab completion.

Example:
    >>> sanitize_name("Tutorial: Artifacts")
    'tutorial_artifacts'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from lineagedb.errors import UnknownLookupName


def sanitize_name(value: Any) -> str:
    """A Python identifier for ``value``: lower case, other characters as ``_``.

    Example:
        >>> sanitize_name("Tutorial: Artifacts")
        'tutorial_artifacts'
    """
    name = re.sub(r"\W+", "_", str(value).strip().lower()).strip("_")
    if not name or name[0].isdigit():
        name = f"_{name}"
    return name


class Lookup:
    """Records by sanitized name; ``dir()`` lists the names for tab completion.

    A name shared by several records gets ``_2``, ``_3``, … in id order. Only
    names and ids are read up front; a record is loaded when its name is used,
    so a lookup over 100,000 records stays cheap.

    Example:
        >>> users = ln.User.lookup()
        >>> users.anonymous.handle
        'anonymous'
    """

    def __init__(
        self,
        model: Any,
        items: Iterable[tuple[Any, int]],
        load: Callable[[list[int]], dict[int, Any]] | None = None,
    ) -> None:
        # load: records by key, for lookups over something else than a registry
        # (a public ontology's rows); by default the model's records by id.
        self._model = model
        self._load = load or (lambda keys: model.objects.in_bulk(keys))
        self._kind = model if isinstance(model, str) else model.__name__
        self._records: dict[str, int] = {}
        self._loaded: dict[int, Any] = {}
        last_suffix: dict[str, int] = {}  # per base name: no rescans for common names
        for value, pk in items:
            base = sanitize_name(value)
            name, counter = base, last_suffix.get(base, 1)
            while name in self._records:
                counter += 1
                name = f"{base}_{counter}"
            last_suffix[base] = counter
            self._records[name] = pk

    def _record(self, pk: int) -> Any:
        if pk not in self._loaded:
            self._loaded.update(self._load([pk]))
        return self._loaded[pk]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_records":
            raise AttributeError(name)
        try:
            return self._record(self._records[name])
        except KeyError:
            close = [known for known in self._records if known.startswith(name[:3])][:5]
            raise UnknownLookupName(
                f"No {self._kind} is named {name!r} in this lookup"
                + (f"; similar names: {', '.join(close)}" if close else "")
                + ". Call dir() on the lookup to list every name."
            ) from None

    def __getitem__(self, name: str) -> Any:
        return self.__getattr__(name)

    def __dir__(self) -> list[str]:
        return sorted(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def dict(self) -> dict[str, Any]:
        """The names and their records (all loaded, in one query).

        Example:
            >>> ln.User.lookup().dict()
            {'anonymous': User(uid='00000000', handle='anonymous', ...)}
        """
        missing = [pk for pk in self._records.values() if pk not in self._loaded]
        self._loaded.update(self._load(missing))
        return {name: self._loaded[pk] for name, pk in self._records.items()}

    def __repr__(self) -> str:
        return f"Lookup({self._kind}: {', '.join(sorted(self._records))})"
