"""Synonyms and abbreviations of a record (registries with ``synonyms`` / ``abbr`` fields).

LaminDB 0.70's rules: a synonym with ``|`` is refused (``AssertionError``), one
another record holds is refused unless ``force`` (``SystemExit``), an empty
one is ignored; a registry without the field refuses (``NotImplementedError``).
lineagedb's error classes subclass those builtins, so code written for either
catches them; the messages say what to do.

Example:
    >>> acidity = ln.Feature(name="pH value", dtype="num").save()
    >>> acidity.add_synonym(["acidity", ""])  # the empty one is ignored
    >>> acidity.synonyms
    'acidity'
"""

from __future__ import annotations

from typing import Any

from lineagedb._base.logger import logger
from lineagedb.errors import BadSynonym, NoSynonymsField, SynonymTaken


class Synonyms:
    """Mixin of Record: ``add_synonym``, ``remove_synonym``, ``set_abbr``."""

    _meta: Any
    _state: Any
    pk: Any

    def add_synonym(self, synonym: str | list[str], force: bool = False, save: bool = True) -> None:
        """Add synonyms (refused: one with ``|``, or one another record uses, unless ``force``).

        Empty ones (``""``, ``[]``) are ignored, as in LaminDB 0.70.

        Example:
            >>> feature.add_synonym("study")
        """
        field = self._synonyms_field()
        given = [synonym] if isinstance(synonym, str) else list(synonym)
        new = [s for s in given if not (isinstance(s, str) and not s.strip())]
        if not new:
            return
        bad = [s for s in new if not isinstance(s, str) or "|" in s]
        if bad:
            raise BadSynonym(
                f"Synonyms must be text without '|'; refused {bad!r}. Nothing was saved."
            )
        if not force:
            taken = [
                s
                for other in type(self).objects.exclude(pk=self.pk).filter(synonyms__isnull=False)  # type: ignore[attr-defined]
                for s in new
                if s in (other.synonyms or "").split("|")
            ]
            if taken:
                raise SynonymTaken(
                    f"Synonym(s) {taken} belong to another {type(self).__name__} "
                    "already; pass force=True to use them here too. Nothing was saved."
                )
        current = [s for s in (getattr(self, field) or "").split("|") if s]
        setattr(self, field, "|".join(dict.fromkeys([*current, *new])))
        if save and not self._state.adding:
            self.save()  # type: ignore[attr-defined]

    def remove_synonym(self, synonym: str | list[str]) -> None:
        """Remove synonyms (absent ones are ignored).

        Example:
            >>> feature.remove_synonym("study")
        """
        field = self._synonyms_field()
        gone = {synonym} if isinstance(synonym, str) else set(synonym)
        kept = [s for s in (getattr(self, field) or "").split("|") if s and s not in gone]
        setattr(self, field, "|".join(kept) or None)
        if not self._state.adding:
            self.save()  # type: ignore[attr-defined]

    def set_abbr(self, value: str) -> None:
        """Set the abbreviation, also kept as a synonym unless it is the record's name.

        A registry without an ``abbr`` field (ULabel, Feature) has nothing to
        set: a warning says so (LaminDB 0.70 ignores the call).

        Example:
            >>> cell_type = bt.CellType.from_source(name="T cell")  # needs bionty  # doctest: +SKIP
            >>> cell_type.set_abbr("Treg")  # the doctest instance has no bionty  # doctest: +SKIP
        """
        fields = {f.name for f in self._meta.concrete_fields}
        if "abbr" not in fields:
            logger.warning(f"{type(self).__name__} records have no abbreviation: nothing set")
            return
        self.abbr = value
        if "synonyms" in fields and value != getattr(self, "name", None):
            self.add_synonym(value, force=True, save=False)
        if not self._state.adding:
            self.save()  # type: ignore[attr-defined]

    def _synonyms_field(self) -> str:
        if "synonyms" not in {f.name for f in self._meta.concrete_fields}:
            raise NoSynonymsField(
                f"{type(self).__name__} records have no synonyms field; "
                "Feature and the bionty registries have one."
            )
        return "synonyms"
