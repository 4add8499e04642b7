"""What people write for ontology terms, normalised: the matching behind public search,
standardize and inspect (pure: no database, no Django).

Cell-type labels in real data are written "CD14+ Monocytes", "NK cells",
"CD4 T cells"; the ontology says "CD14-positive monocyte", "natural killer
cell" (synonym "NK cell"), "CD4-positive, alpha-beta T cell". Both sides go
through :func:`normalize` — case, dashes, ``+`` ↔ ``-positive``, a marker's
trailing ``-`` ↔ ``-negative``, punctuation, plural words — so an exact
normalised hit is found by a dictionary look-up, and a partial one by the
words it shares.

Example:
    >>> normalize("CD14+ Monocytes") == normalize("CD14-positive monocyte")
    True
    >>> normalize("CD16- NK cells")
    'cd16 negative nk cell'
"""

from __future__ import annotations

import bisect
import heapq
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

# Typographic dashes and the minus sign as plain hyphens: "CD16−" is "CD16-".
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-"))
# "cd14+", "cd14-positive", "cd14 positive": the marker alone (positive is the default
# reading of a marker in a name, as "CD4 T cells" means CD4-positive T cells).
_POSITIVE = re.compile(r"(?<=[0-9a-z])(?:\+|[- ]positive\b)")
# "cd16-" (a word with a digit, a hyphen, then no letter): a negative marker; so is the
# first of "cd4-cd8-" (two negative markers written together).
_MARKER = r"[a-z]*[0-9][0-9a-z]*"
_NEGATIVE = re.compile(rf"\b({_MARKER})-(?![0-9a-z])")
_NEGATIVE_PAIR = re.compile(rf"\b({_MARKER})-(?={_MARKER}-(?![0-9a-z]))")
_WORD = re.compile(r"[0-9a-z]+")
_KEEP_S = ("ss", "us", "is")  # "class", "villus", "pelvis" are not plurals


def normalize(text: str) -> str:
    """``text`` as the words it matches on: lower case, singular, markers spelled one way.

    Example:
        >>> normalize("Dendritic cells"), normalize("T-cell"), normalize("Meg/E progenitor")
        ('dendritic cell', 't cell', 'meg e progenitor')
        >>> normalize("FCGR3A+ Monocytes"), normalize("CD4-negative CD8− T cells")
        ('fcgr3a monocyte', 'cd4 negative cd8 negative t cell')
        >>> normalize("CD4-CD8- T cell")
        'cd4 negative cd8 negative t cell'
    """
    lowered = text.translate(_DASHES).casefold()
    lowered = _POSITIVE.sub(" ", lowered)
    lowered = _NEGATIVE_PAIR.sub(r"\1 negative ", lowered)
    lowered = _NEGATIVE.sub(r"\1 negative ", lowered)
    return " ".join(_singular(word) for word in _WORD.findall(lowered))


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) >= 3 and word.endswith("s") and not word.endswith(_KEEP_S) and word[-2].isalpha():
        return word[:-1]
    return word


@dataclass
class TermIndex:
    """Every term's name and synonyms, normalised: exact look-ups and word postings.

    ``texts[p]`` lists the pieces of term ``p`` (its name first, then its
    synonyms); ``parents[p]`` its direct parents' positions. Built once per
    public ontology (CL: ~20,000 pieces, ~80 ms).

    Example:
        >>> index = TermIndex.build(["T cell", "B cell"], ["T-cell|T lymphocyte", None])
        >>> index.exact("t cells")
        [0]
        >>> [p for _, p in index.ranked("lymphocytes T")]
        [0]
    """

    texts: list[list[str]] = field(default_factory=list)
    by_text: dict[str, list[tuple[int, bool]]] = field(default_factory=dict)
    postings: dict[str, set[int]] = field(default_factory=dict)
    parents: list[list[int]] = field(default_factory=list)
    _vocabulary: list[str] = field(default_factory=list)  # the words, sorted: prefix look-ups

    @classmethod
    def build(
        cls,
        names: Iterable[str | None],
        synonyms: Iterable[str | None],
        ids: list[str] | None = None,
        parents: Iterable[str | None] | None = None,
    ) -> TermIndex:
        """The index of terms given by their names, ``|``-joined synonyms and parents' ids.

        Example:
            >>> len(TermIndex.build(["T cell"], ["T-cell"]).texts)
            1
        """
        index = cls()
        for position, (name, joined) in enumerate(zip(names, synonyms, strict=True)):
            pieces = [name or "", *((joined or "").split("|") if joined else [])]
            texts = []
            for piece_number, piece in enumerate(pieces):
                text = normalize(piece) if piece else ""
                texts.append(text)
                if not text:
                    continue
                holders = index.by_text.setdefault(text, [])
                if all(p != position for p, _ in holders):
                    holders.append((position, piece_number == 0))
                for word in text.split():
                    index.postings.setdefault(word, set()).add(position)
            index.texts.append(texts)
        if ids is not None and parents is not None:
            at = {term: position for position, term in enumerate(ids)}
            index.parents = [
                [at[t] for t in (joined or "").split("|") if t in at] for joined in parents
            ]
        return index

    def exact(self, value: str) -> list[int]:
        """The terms whose name or a synonym equals ``value`` once both are normalised.

        A hit on a name comes first: a synonym another term also has never
        outranks that term's own name.

        Example:
            >>> TermIndex.build(["NK cell", "x"], [None, "NK cells"]).exact("nk cells")
            [0, 1]
        """
        return [p for p, _ in sorted(self.holders(value), key=lambda h: not h[1])]

    def holders(self, value: str) -> list[tuple[int, bool]]:
        """(term, whether by its name) of the terms ``value`` equals once normalised.

        Example:
            >>> TermIndex.build(["NK cell"], [None]).holders("NK cells")
            [(0, True)]
        """
        return list(self.by_text.get(normalize(value), []))

    def ranked(self, query: str, limit: int = 20) -> list[tuple[float, int]]:
        """(score, term) of the terms sharing words with ``query``, best first.

        Exact normalised hits score 100 (a name) or 99 (a synonym). Other
        terms score by the share of the query's words they have (a prefix of
        a word counts 0.8), less a point for each other word of theirs (a
        synonym: one more): every word lands in 70-90, some words below 70.
        Among the terms with every word, the more general rank higher (more
        of the others descend from them): "CD8 T cells" is the CD8-positive
        T cell, before its regulatory, exhausted and memory kinds.

        Example:
            >>> index = TermIndex.build(["monocyte", "CD14-positive monocyte"], [None, None])
            >>> index.ranked("CD14+ Monocytes")
            [(100.0, 1), (54.5, 0)]
        """
        text = normalize(query)
        words = text.split()
        if not words:
            return []
        wanted = set(words)
        scores: dict[int, float] = {}
        for position, is_name in self.by_text.get(text, []):
            scores[position] = 100.0 if is_name else 99.0
        matched: dict[int, dict[str, float]] = {}
        total: dict[int, float] = {}
        for word in wanted:
            weights = dict.fromkeys(self.postings.get(word, ()), 1.0)
            if len(word) >= 2 and len(weights) < 200:
                for other in self._words_starting(word):
                    for p in self.postings[other]:
                        weights.setdefault(p, 0.8)
            for position, weight in weights.items():
                matched.setdefault(position, {})[word] = weight
                total[position] = total.get(position, 0.0) + weight
        # Only the terms with the most query words can rank: score a few hundred, not all.
        best_first = heapq.nsmallest(max(8 * limit, 200), total, key=lambda p: (-total[p], p))
        for position in best_first:
            if position not in scores:
                best = max(
                    (
                        _piece_score(wanted, matched[position], piece, is_name=number == 0)
                        for number, piece in enumerate(self.texts[position])
                        if piece
                    ),
                    default=0.0,
                )
                if best > 0:
                    scores[position] = best
        self._prefer_general(scores)
        ranked = sorted(((s, p) for p, s in scores.items()), key=lambda item: (-item[0], item[1]))
        return ranked[:limit]

    def _prefer_general(self, scores: dict[int, float]) -> None:
        """Raise each full-coverage term by log2(1 + how many of the others descend from it)."""
        if not self.parents:
            return
        full = {p for p, s in scores.items() if 70 <= s < 99}
        below: dict[int, int] = {}
        for position in full:
            seen: set[int] = set()
            todo = list(self.parents[position])
            while todo:
                parent = todo.pop()
                if parent in seen:
                    continue
                seen.add(parent)
                todo.extend(self.parents[parent])
                if parent in full:
                    below[parent] = below.get(parent, 0) + 1
        for position, n in below.items():
            scores[position] = round(min(98.0, scores[position] + math.log2(1 + n)), 1)

    def unknown_words(self, query: str) -> list[str]:
        """The words of ``query`` that no term has, whole or as a prefix: typos, likely.

        Example:
            >>> TermIndex.build(["T cell"], [None]).unknown_words("T cwll ce")
            ['cwll']
        """
        words = normalize(query).split()
        return [w for w in words if w not in self.postings and not self._words_starting(w)]

    def _words_starting(self, prefix: str) -> list[str]:
        if len(self._vocabulary) != len(self.postings):
            self._vocabulary = sorted(self.postings)
        start = bisect.bisect_left(self._vocabulary, prefix)
        found = []
        for word in self._vocabulary[start:]:
            if not word.startswith(prefix):
                break
            if word != prefix:
                found.append(word)
        return found


def _piece_score(
    wanted: set[str], matched: dict[str, float], piece: str, is_name: bool = True
) -> float:
    """A term piece's score: the query words it has (weights), less its other words."""
    words = set(piece.split())
    got = 0.0
    for word, weight in matched.items():
        if word in words:
            got += 1.0
        elif weight < 1.0 and any(w.startswith(word) for w in words):
            got += weight
    if got == 0:
        return 0.0
    extra = len(words - wanted) + (0 if is_name else 1)
    if "negative" in words and "negative" not in wanted:
        extra += 15  # a marker the term lacks contradicts the query: "CD4-CD8- T cell"
    share = got / len(wanted)
    base = 90.0 if share == 1.0 else 40.0 + 29.0 * share
    return round(max(1.0, base - min(extra, 20) * (1.0 if share == 1.0 else 0.5)), 1)


def _pieces(value: Any) -> list[str | None]:
    """A value, or each synonym of a ``|``-joined synonyms value, on its own."""
    if isinstance(value, str):
        return list(value.split("|"))
    return [None]


def _sharing_trigrams(folded: list[str], needle: str, taken: set[int]) -> list[int]:
    """Up to 100 terms sharing the most trigrams with ``needle``, leaving out ``taken``.

    The terms' texts are searched as one string (C speed); a hit's offset
    gives its term by bisection.
    """
    import bisect

    joined, starts = _joined(tuple(folded))
    grams = {needle[i : i + 3] for i in range(len(needle) - 2)} or {needle}
    counts: dict[int, int] = {}
    for gram in grams:
        seen: set[int] = set()
        offset = joined.find(gram)
        while offset >= 0:
            position = bisect.bisect_right(starts, offset) - 1
            seen.add(position)
            offset = joined.find(
                gram, starts[position + 1] if position + 1 < len(starts) else len(joined)
            )
        for position in seen - taken:
            counts[position] = counts.get(position, 0) + 1
    enough = max(1, len(grams) // 2)  # like the databases' trigram similarity threshold
    ranked = sorted((p for p, n in counts.items() if n >= enough), key=lambda p: -counts[p])
    return ranked[:100]


@cache
def _joined(folded: tuple[str, ...]) -> tuple[str, list[int]]:
    """The texts joined by NUL, and where each starts."""
    starts, offset = [], 0
    for text in folded:
        starts.append(offset)
        offset += len(text) + 1
    return "\x00".join(folded), starts
