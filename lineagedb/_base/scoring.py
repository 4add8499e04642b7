"""Text scoring, pure: how well a value matches a query, the same for registries and public
ontologies (no database, no Django).

    exact match 100 > whole word 80-99 > prefix 70-79 > substring 50-69 > typo 0-49
"""

from __future__ import annotations

import difflib
import re

_FUZZY_THRESHOLD = 0.6

_TOKEN = re.compile(r"[0-9a-z]+(?:_[0-9a-z]+)*")

_WORD = re.compile(r"[0-9a-z]+")


def field_score(query: str, value: str | None, fuzzy: bool = True) -> float:
    """How well ``value`` matches ``query``, 0 (no match) to 100 (exact).

    Example:
        >>> field_score("meta", "meta"), field_score("meta", "study0/meta.csv") > 80
        (100.0, True)
        >>> 0 < field_score("metta", "study0/meta.csv") < 50
        True
    """
    if not value:
        return 0.0
    q, v = query.casefold(), value.casefold()
    if q == v:
        return 100.0
    coverage = len(q) / len(v)
    position = v.find(q)
    if position >= 0:
        before = v[position - 1] if position > 0 else ""
        after = v[position + len(q)] if position + len(q) < len(v) else ""
        if not before.isalnum() and not after.isalnum():
            return 80.0 + 19.0 * coverage
        if position == 0:
            return 70.0 + 9.0 * coverage
        return 50.0 + 19.0 * coverage
    if not fuzzy:
        return 0.0
    best = 0.0
    matcher = difflib.SequenceMatcher(None, b=q)
    for token in {*_TOKEN.findall(v), *_WORD.findall(v)}:
        matcher.set_seq1(token)
        # Cheap upper bounds first: most tokens are nowhere near the query.
        if matcher.real_quick_ratio() <= best or matcher.quick_ratio() <= best:
            continue
        best = max(best, matcher.ratio())
    return 49.0 * best if best >= _FUZZY_THRESHOLD else 0.0


def record_score(query: str, values: list[str | None]) -> float:
    """The best field score of a record; typo matching only if no field contains the query.

    Example:
        >>> record_score("liver", ["study1/R1.bam", "liver RNA-seq"]) > 80
        True
    """
    exact = max((field_score(query, value, fuzzy=False) for value in values), default=0.0)
    if exact > 0:
        return exact
    return max((field_score(query, value) for value in values), default=0.0)
