"""Public ontologies, offline: the terms a bionty registry can take records from.

``bt.CellType.public()`` is a :class:`PublicOntology` over one table of
terms (ontology_id, name, definition, synonyms, parents). Ontology tables
are converted once from cellxgene-ontology-guide's zstd-compressed JSON into
parquet under the cache folder (``ln.settings.cache_dir / "ontologies"``);
a later process reads the parquet. Gene and organism tables ship with
lineagedb. Validation, synonyms, search and lookup work on the table in
memory, with the same rules and ranking as on a registry.

Example:
    >>> public = PublicOntology.for_entity("CellType")  # bionty  # doctest: +SKIP
    >>> public.validate(["T cell", "T-cell"])  # no bionty in the doctest instance  # doctest: +SKIP
    array([ True, False])
    >>> public.search("t cel").head(2)  # no bionty in the doctest instance  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from lineagedb._base.logger import logger
from lineagedb._base.scoring import field_score, record_score
from lineagedb.bionty.sources import (
    ORGANISM,
    SOURCES,
    STAGES,
    SourceInfo,
    gene_source,
    ontology_dir,
    ontology_versions,
    organisms,
)
from lineagedb.bionty.tables import (
    _INSTALL,
    gene_synonyms,
    gene_table,
    ontology_table,
    organism_table,
)
from lineagedb.bionty.terms import TermIndex, _pieces, _sharing_trigrams
from lineagedb.errors import InvalidArgument
from lineagedb.models.query.lookup import Lookup
from lineagedb.models.query.validation import InspectResult, inspect_result, is_empty, log_summary

if TYPE_CHECKING:
    import pandas as pd


class PublicOntology:
    """The public terms of one registry from one source: validate, inspect, search, lookup.

    Example:
        >>> public = bt.CellType.public()  # no bionty in the doctest instance  # doctest: +SKIP
        >>> public  # no bionty in the doctest instance  # doctest: +SKIP
        PublicOntology(entity='CellType', source='cl', version='v2026-03-26', organism='all')
        >>> public.lookup().t_cell.ontology_id  # bionty  # doctest: +SKIP
        'CL:0000084'
    """

    def __init__(self, info: SourceInfo, version: str, key: str, name_field: str) -> None:
        self.info = info
        self.entity = info.entity
        self.source = info.source
        self.organism = info.organism
        self.version = version
        self._key = key  # the column identifying a term: ontology_id, ensembl_gene_id
        self._name_field = name_field
        self._columns: dict[str, list[Any]] | None = None
        self._frame: pd.DataFrame | None = None
        self._cache: dict[Any, Any] = {}  # search texts, built on first use

    @classmethod
    def for_entity(
        cls, entity: str, organism: str | None = None, version: str | None = None
    ) -> PublicOntology:
        """The public ontology of a registry (``"CellType"``), for ``organism`` where it matters.

        One object per ontology, folder and version in a process: its table, synonym
        index and word index (~0.1–0.4 s to build for CL) serve every later call.

        Example:
            >>> PublicOntology.for_entity("Gene", organism="mouse").source
            'gencode'
        """
        return _shared(entity, organism, version, str(ontology_dir()))

    @classmethod
    def _build(cls, entity: str, organism: str | None, version: str | None) -> PublicOntology:
        if entity == "Gene":
            if organism not in organisms():
                raise InvalidArgument(
                    f"No gene list for organism {organism!r}; shipped: {sorted(organisms())}."
                )
            info = gene_source(organism)
            release = organisms()[organism]["gene_release"]
            return cls(info, release.split("-", 1)[1], "ensembl_gene_id", "symbol")
        if entity == "Organism":
            return cls(ORGANISM, "2026-05-13", "ontology_id", "name")
        if entity == "DevelopmentalStage":
            organism = organism or "human"
            if organism not in STAGES:
                raise InvalidArgument(
                    f"Developmental stages exist for {sorted(STAGES)}, not {organism!r}."
                )
            info = STAGES[organism]
        elif entity in SOURCES:
            info = SOURCES[entity]
        else:
            raise InvalidArgument(
                f"No public ontology for {entity!r}; there are for {_entities()}."
            )
        versions = ontology_versions(info.prefix)
        if not versions:
            raise ImportError(
                f"The {info.source_name} ({info.prefix}) is not installed: {_INSTALL}."
            )
        return cls(info, version or versions[0], "ontology_id", "name")

    def __repr__(self) -> str:
        return (
            f"PublicOntology(entity={self.entity!r}, source={self.source!r}, "
            f"version={self.version!r}, organism={self.organism!r})"
        )

    @property
    def columns(self) -> dict[str, list[Any]]:
        """The table of terms, by column (loaded once per object; no pandas needed)."""
        if self._columns is None:
            if self.entity == "Gene":
                table = gene_table(self.organism)
                self._columns = {c: table[c].tolist() for c in table.columns}
                self._columns["synonyms"] = gene_synonyms(self.organism, self._columns)
            elif self.entity == "Organism":
                self._columns = organism_table()
            else:
                self._columns = ontology_table(self.info.prefix, self.version)
        return self._columns

    @property
    def frame(self) -> pd.DataFrame:
        """The table of terms as a DataFrame (built on first use)."""
        if self._frame is None:
            import pandas as pd

            self._frame = pd.DataFrame(self.columns)
        return self._frame

    def __len__(self) -> int:
        return len(self.columns[self._key])

    def df(self) -> pd.DataFrame:
        """The terms, indexed by ontology id (genes: Ensembl id); ``parents`` as lists.

        Example:
            >>> bt.CellType.public().df().loc["CL:0000084", "name"]  # bionty  # doctest: +SKIP
            'T cell'
        """
        frame = self.frame.copy()
        if "parents" in frame.columns:
            frame["parents"] = [p.split("|") if p else [] for p in frame["parents"]]
        return frame.set_index(self._key)

    def _column(self, field: Any) -> str:
        name = _field_name(field) or self._name_field
        if name not in self.columns:
            raise InvalidArgument(
                f"The public {self.entity} table has no column {name!r}; "
                f"it has {list(self.columns)}."
            )
        return name

    def _synonyms(self, column: str) -> dict[str, list[str]]:
        """{synonym: [standard values]} (a synonym of several terms is ambiguous); built once."""
        if "synonyms" not in self.columns:
            return {}
        cached = self._cache.get(("synonyms", column))
        if cached is None:
            index: dict[str, list[str]] = {}
            pairs = zip(self.columns[column], self.columns["synonyms"], strict=True)
            for value, synonyms in pairs:
                if synonyms:
                    for synonym in synonyms.split("|"):
                        holders = index.setdefault(synonym, [])
                        if value not in holders:
                            holders.append(value)
            cached = self._cache[("synonyms", column)] = index
        return cached  # type: ignore[no-any-return]

    @property
    def normalizes(self) -> bool:
        """Whether values match terms after :func:`~lineagedb.bionty.terms.normalize`.

        Ontologies yes ("CD14+ Monocytes" is "CD14-positive monocyte"); genes
        and organisms no: a gene symbol is an identifier, matched exactly, by
        case and by its previous symbols and aliases.

        Example:
            >>> PublicOntology.for_entity("Gene", organism="human").normalizes
            False
        """
        return self.entity not in ("Gene", "Organism")

    def terms(self) -> TermIndex:
        """The normalised names and synonyms of the terms (built on first use).

        Example:
            >>> bt.CellType.public().terms().exact("NK cells")  # bionty  # doctest: +SKIP
            [1234]
        """
        cached = self._cache.get(("terms",))
        if cached is None:
            synonyms = self.columns.get("synonyms") or [None] * len(self)
            cached = self._cache[("terms",)] = TermIndex.build(
                self.columns[self._name_field],
                synonyms,
                ids=self.columns[self._key],
                parents=self.columns.get("parents"),
            )
        return cached  # type: ignore[no-any-return]

    def validate(self, values: Any, field: Any = None, mute: bool = False) -> Any:
        """One bool per value: is it a term's ``field`` (default: name), exactly?

        Example:
            >>> bt.CellType.public().validate(["T cell", "T-cell"])  # bionty  # doctest: +SKIP
            array([ True, False])
        """
        import numpy as np

        column = self._column(field)
        known = {v for v in self.columns[column] if v is not None}
        listed = [values] if isinstance(values, str) else list(values)
        result = np.array([not is_empty(v) and str(v) in known for v in listed], dtype=bool)
        if not mute:
            n_bad = len({str(v) for v, ok in zip(listed, result, strict=True) if not ok})
            logger.info(f"{n_bad} unique values are not public {self.entity} {column}s")
        return result[0] if isinstance(values, str) else result

    def inspect(self, values: Any, field: Any = None, mute: bool = False) -> InspectResult:
        """Which values are terms; which are synonyms or case variants of terms.

        Example:
            >>> bt.CellType.public().inspect(["T-cell"]).synonyms_mapper  # bionty  # doctest: +SKIP
            {'T-cell': 'T cell'}
        """
        column = self._column(field)
        listed = [values] if isinstance(values, str) else list(values)
        texts = [None if is_empty(v) else str(v) for v in listed]
        unique = [t for t in dict.fromkeys(texts) if t is not None]
        known_values = {v for v in self.columns[column] if v is not None}
        known = {v for v in unique if v in known_values}
        missing = [v for v in unique if v not in known]
        synonyms = self._synonyms(column) if missing else {}
        synonyms_mapper = {v: synonyms[v][0] for v in missing if len(synonyms.get(v, [])) == 1}
        ambiguous = {v: synonyms[v] for v in missing if len(synonyms.get(v, [])) > 1}
        rest = [v for v in missing if v not in synonyms_mapper]
        lowered: dict[str, str] = {}
        if rest:
            for value in self.columns[column]:
                if value is not None:
                    lowered.setdefault(value.lower(), value)
        case_mapper = {v: lowered[v.lower()] for v in rest if v.lower() in lowered}
        rest = [v for v in rest if v not in case_mapper]
        if rest and self.normalizes and column in (self._name_field, self._key):
            found, several = self._normalized(rest, column)
            synonyms_mapper.update(found)
            ambiguous.update(several)
        result = inspect_result(column, texts, known, synonyms_mapper, case_mapper)
        result.ambiguous = ambiguous  # type: ignore[attr-defined]
        if not mute:
            log_summary(
                f"bt.{self.entity}",
                column,
                unique,
                known,
                result.n_empty,
                synonyms_mapper,
                case_mapper,
            )
            if ambiguous:
                shown = ", ".join(f"{k!r} → {v}" for k, v in list(ambiguous.items())[:20])
                logger.warning(f"ambiguous synonyms (several terms have them): {shown}")
        return result

    def _normalized(
        self, values: list[str], column: str
    ) -> tuple[dict[str, str], dict[str, list[str]]]:
        """Values equal to one term's name or synonym once normalised; those equal to several.

        One term's name wins over other terms' synonyms; two names, or two
        synonyms and no name, are ambiguous: reported, never guessed.
        """
        index = self.terms()
        target = self.columns[column]
        found: dict[str, str] = {}
        several: dict[str, list[str]] = {}
        for value in values:
            holders = index.holders(value)
            names = [p for p, is_name in holders if is_name]
            chosen = names if names else [p for p, _ in holders]
            if len(chosen) == 1:
                found[value] = target[chosen[0]]
            elif chosen:
                several[value] = [target[p] for p in chosen]
        return found, several

    def standardize(
        self,
        values: Any,
        field: Any = None,
        return_field: Any = None,
        return_mapper: bool = False,
        case_sensitive: bool = False,
        mute: bool = False,
    ) -> Any:
        """Values mapped to the terms' own: synonyms (unambiguous ones) and, unless asked, case.

        Example:
            >>> bt.CellType.public().standardize(["T-cell", "t cell"])  # bionty  # doctest: +SKIP
            ['T cell', 'T cell']
        """
        column = self._column(field)
        result = self.inspect(values, field=column, mute=True)
        mapper = {v: v for v in result.validated}
        mapper.update(result.synonyms_mapper)
        if not case_sensitive:
            mapper.update(result.case_mapper)
        if return_field is not None:
            target = self._column(return_field)
            table = dict(zip(self.columns[column], self.columns[target], strict=True))
            mapper = {k: table[v] for k, v in mapper.items() if v in table}
        left = [v for v in result.non_validated if v not in mapper]
        if left and not mute:
            shown = ", ".join(repr(v) for v in left[:20])
            logger.warning(f"{len(left)} terms are not standardized (nothing matches): {shown}")
        if return_mapper:
            return {k: v for k, v in mapper.items() if k != v}
        listed = [values] if isinstance(values, str) else list(values)
        out = [mapper.get(str(v), v) if not is_empty(v) else v for v in listed]
        return out[0] if isinstance(values, str) else out

    def rows(self, values: Iterable[str], field: Any = None) -> dict[str, dict[str, Any]]:
        """{value: row as a dict} for the values that are terms' ``field``.

        Example (not run here: no bionty in the doctest instance):
            >>> bt.CellType.public().rows(["T cell"])["T cell"]["ontology_id"]  # doctest: +SKIP
            'CL:0000084'
        """
        column = self._column(field)
        wanted = set(values)
        names = list(self.columns)
        found: dict[str, dict[str, Any]] = {}
        for position, value in enumerate(self.columns[column]):
            if value in wanted and value not in found:
                found[value] = {name: self.columns[name][position] for name in names}
        return found

    def search(self, string: str, field: Any = None, limit: int = 20) -> pd.DataFrame:
        """Terms ranked by how well ``field`` (default: name, synonyms, id) matches ``string``.

        On an ontology, the words count first (:meth:`TermIndex.ranked`): an
        exact hit once normalised ("CD14+ Monocytes" → "CD14-positive
        monocyte") scores 100 (a synonym: 99), then the terms with every word
        of the query (70-90, fewer other words first), then those with some.
        Characters count next, below the words: a substring, then a typo
        (the terms sharing the most trigrams with ``string``, looked for
        only when fewer than ``limit`` terms contain it). An exact id or name
        is 100 either way. Gene symbols match by characters only.

        Example:
            >>> bt.CellType.public().search("NK cells").head(1)["name"].iloc[0]  # doctest: +SKIP
            'natural killer cell'
        """
        import pandas as pd

        columns = [self._column(field)] if field is not None else self._search_columns()
        text = string.strip() if isinstance(string, str) else ""
        by_words = self.normalizes and columns[0] == self._name_field
        ranked = self.terms().ranked(text, limit=max(limit, 50)) if text and by_words else []
        # Typos are looked for only where a word of the query is no word of any term.
        typos = not by_words or bool(self.terms().unknown_words(text))
        scores = self._character_scores(text, columns, limit, typos) if text else {}
        if by_words:
            # Characters rank below words: a substring match of a long name must not
            # outrank a term that has every word of the query.
            scores = {p: s if s == 100 else s * 0.69 for p, s in scores.items()}
            for score, p in ranked:
                scores[p] = max(score, scores.get(p, 0.0))
        top = sorted(((s, p) for p, s in scores.items()), key=lambda item: (-item[0], item[1]))
        top = top[:limit]
        result = self.frame.iloc[[p for _, p in top]].copy()
        result["score"] = [round(score, 1) for score, _ in top]
        return pd.DataFrame(result).set_index(self._key)

    def _character_scores(
        self, text: str, columns: list[str], limit: int, typos: bool = True
    ) -> dict[int, float]:
        """{term: score} by characters: substrings, then typos when fewer than ``limit``."""
        values = [self.columns[column] for column in columns]
        folded = self._folded(tuple(columns))
        needle = text.casefold()
        positions = [p for p, row in enumerate(folded) if needle in row]
        scores: dict[int, float] = {}
        for p in positions:
            row = [piece for column in values for piece in _pieces(column[p])]
            scores[p] = max(field_score(text, v, fuzzy=False) for v in row)
        if typos and len(scores) < limit:
            for p in _sharing_trigrams(folded, needle, set(positions)):
                row = [piece for column in values for piece in _pieces(column[p])]
                score = record_score(text, row)
                if score > 0:
                    scores[p] = score
        return scores

    def _search_columns(self) -> list[str]:
        wanted = [self._name_field, "synonyms", self._key]
        return [c for c in wanted if c in self.columns]

    def _folded(self, columns: tuple[str, ...]) -> list[str]:
        """Per term, the casefolded text of ``columns`` joined by newlines (searched at once)."""
        key = ("folded", *columns)
        cached = self._cache.get(key)
        if cached is None:
            lists = [self.columns[column] for column in columns]
            cached = self._cache[key] = [
                "\n".join(v.casefold() for v in row if isinstance(v, str))
                for row in zip(*lists, strict=True)
            ]
        return cached  # type: ignore[no-any-return]

    def lookup(self, field: Any = None) -> Lookup:
        """Terms by sanitized ``field`` (default: name), for tab completion; values are rows.

        Example:
            >>> bt.CellType.public().lookup().t_cell.ontology_id  # bionty  # doctest: +SKIP
            'CL:0000084'
        """
        from collections import namedtuple

        column = self._column(field)
        columns = self.columns
        Row = namedtuple(self.entity, list(columns))  # type: ignore[misc]

        def load(positions: list[int]) -> dict[int, Any]:
            return {p: Row(*(values[p] for values in columns.values())) for p in positions}

        items = ((value, position) for position, value in enumerate(columns[column]))
        return Lookup(self.entity, items, load=load)


@cache
def _shared(entity: str, organism: str | None, version: str | None, folder: str) -> PublicOntology:
    """The one PublicOntology per (entity, organism, version, ontology folder) of a process."""
    return PublicOntology._build(entity, organism, version)


def _field_name(field: Any) -> str | None:
    if field is None or isinstance(field, str):
        return field
    return getattr(getattr(field, "field", None), "name", None)


def _entities() -> list[str]:
    return sorted([*SOURCES, "DevelopmentalStage", "Gene", "Organism"])
