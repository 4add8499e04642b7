"""``bt.settings``: the default organism, and whether saving a term saves its ancestors.

Example:
    >>> settings.auto_save_parents
    True
"""

from __future__ import annotations

from typing import Any


class BiontySettings:
    """Defaults of the bionty registries for this process.

    Example:
        >>> bt.settings.organism = "human"  # no bionty in the doctest instance  # doctest: +SKIP
    """

    def __init__(self) -> None:
        self.organism_name: str | None = None
        self.auto_save_parents = True

    @property
    def organism(self) -> Any:
        """The default organism's record (None until set).

        Setting a name creates the Organism record from the public list if it is missing.
        """
        if self.organism_name is None:
            return None
        return _organism_model()._organism(self.organism_name)

    @organism.setter
    def organism(self, value: Any) -> None:
        if value is None:
            self.organism_name = None
            return
        name = value if isinstance(value, str) else value.name
        _organism_model()._organism(name)  # checks it and saves it
        self.organism_name = name

    def __repr__(self) -> str:
        return (
            f"BiontySettings(organism={self.organism_name!r}, "
            f"auto_save_parents={self.auto_save_parents})"
        )


def _organism_model() -> Any:
    from django.apps import apps

    return apps.get_model("bionty", "Organism")


settings = BiontySettings()
