"""Public-aware curation of the bionty registries: standardize and inspect consult the
public ontology after the registry, so one input gives one result in a fresh instance
and in a populated one.

The registry answers first (its records, synonyms and case); what it lacks
goes to the public ontology (names, synonyms, case, the normalisation of
:mod:`lineagedb.bionty.terms`, and for human genes their previous symbols and
aliases). A value neither knows is named with the closest public terms.
LaminDB 0.70's keywords are accepted: ``public_aware=`` (default True),
``organism=``, ``source=``/``public_source=``.

Example (not run here: no bionty in the doctest instance):
    >>> bt.CellType.standardize(["CD14+ Monocytes", "NK cells"])  # doctest: +SKIP
    ['CD14-positive monocyte', 'natural killer cell']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lineagedb._base.logger import logger
from lineagedb.errors import InvalidArgument
from lineagedb.models.query.standardization import registry_mapper
from lineagedb.models.query.validation import (
    InspectResult,
    field_name,
    is_empty,
    qualified_name,
    text_of,
)

if TYPE_CHECKING:
    from lineagedb.bionty.public import PublicOntology

SHOWN = 20


def registry_query(cls: Any, organism: Any) -> Any:
    """The registry's records, those of ``organism`` where records have one (genes).

    Example:
        >>> registry_query(bt.Gene, "human").count()  # bionty  # doctest: +SKIP
        0
    """
    from lineagedb.bionty.organisms import organism_record

    query = cls.objects.all()
    if organism is not None and cls._has_field("organism"):
        query = query.filter(organism=organism_record(organism, cls.__name__))
    return query


def public_of(
    cls: Any, organism: Any, source: Any = None, values: Any = ()
) -> PublicOntology | None:
    """The public ontology to consult, or None (not installed, none for this registry).

    An organism the registry needs and nobody named is an error that says
    how to name it, unless Ensembl ids name it (``ENSG`` human, ``ENSMUSG`` mouse);
    callers check first that ``organism`` and the ids agree (``check_organism``).

    Example:
        >>> public_of(bt.CellType, None)  # bionty  # doctest: +SKIP
        PublicOntology(entity='CellType', source='cl', ...)
    """
    from lineagedb.bionty.organisms import _organism_from_ids

    if cls._needs_organism:  # gene lists ship: a missing or unknown organism is an error
        organism = organism or _organism_from_ids([str(v) for v in values])
        return cls.public(organism=organism, source=source)  # type: ignore[no-any-return]
    try:
        return cls.public(organism=organism, source=source)  # type: ignore[no-any-return]
    except (ImportError, InvalidArgument) as error:  # the ontologies' package is missing
        logger.debug(f"no public check for {cls.__name__}: {error}")
        return None


def check_organism(cls: Any, organism: Any, values: Any) -> None:
    """Refuse an ``organism`` that the values (Ensembl ids) contradict, before any write.

    Example:
        >>> check_organism(bt.Gene, "human", ["ENSG00000081059"])  # bionty  # doctest: +SKIP
    """
    from lineagedb.bionty.organisms import _organism_from_ids, _organism_name

    if organism is None or not cls._needs_organism:
        return
    listed = [values] if isinstance(values, str) else list(values)
    named = _organism_from_ids([str(v) for v in listed[:1000]])
    given = _organism_name(organism)
    if named is not None and given != named:
        raise InvalidArgument(
            f"organism={given!r}, but the values are {named} Ensembl ids; pass "
            f"organism={named!r}, or leave organism out (the ids name it)."
        )


def standardize(
    cls: Any,
    values: Any,
    field: Any = None,
    return_field: Any = None,
    return_mapper: bool = False,
    case_sensitive: bool = False,
    mute: bool = False,
    public_aware: bool = True,
    keep: str = "first",
    organism: Any = None,
    source: Any = None,
) -> Any:
    """``values`` mapped to the registry's terms, then to the public ontology's.

    Example (not run here: no bionty in the doctest instance):
        >>> bt.Gene.standardize(["FAM46C", "SEPT2"], field="symbol", organism="human")
        ...  # doctest: +SKIP
        ['TENT5C', 'SEPTIN2']
    """
    name = field_name(cls, field)
    target = field_name(cls, return_field) if return_field is not None else name
    listed = [values] if isinstance(values, str) else list(values)
    check_organism(cls, organism, listed)
    unique = list(dict.fromkeys(text_of(v) for v in listed if not is_empty(v)))
    query = registry_query(cls, organism)
    in_registry, mapper = registry_mapper(query, unique, name, target, case_sensitive, keep)
    rest = [v for v in unique if v not in in_registry and v not in mapper]
    public = public_of(cls, organism, source, rest) if public_aware and rest else None
    from_public: dict[str, str] = {}
    ambiguous: dict[str, list[str]] = {}
    if public is not None:
        found = public.inspect(rest, field=name, mute=True)
        from_public = {v: v for v in found.validated}
        from_public.update(found.synonyms_mapper)
        if not case_sensitive:
            from_public.update(found.case_mapper)
        if target != name:
            rows = public.rows(set(from_public.values()), field=name)
            from_public = {
                k: str(rows[v][target])
                for k, v in from_public.items()
                if rows.get(v, {}).get(target) is not None
            }
        ambiguous = getattr(found, "ambiguous", {})
        mapper.update(from_public)
    left = [v for v in unique if v not in in_registry and v not in mapper]
    if not mute:
        _log_standardized(cls, name, unique, mapper, from_public, left, public, ambiguous)
    if return_mapper:
        return {k: v for k, v in mapper.items() if k != v}
    out = [mapper.get(text_of(v), v) if not is_empty(v) else v for v in listed]
    return out[0] if isinstance(values, str) else out


def _log_standardized(
    cls: Any,
    name: str,
    unique: list[str],
    mapper: dict[str, str],
    from_public: dict[str, str],
    left: list[str],
    public: PublicOntology | None,
    ambiguous: dict[str, list[str]],
) -> None:
    registry = qualified_name(cls)
    changed = {k: v for k, v in mapper.items() if k != v}
    if not changed and not left:
        logger.info(
            f"nothing to standardize: the {len(unique)} unique values are {registry} {name}s "
            f"already → validate them with {registry}.validate(values), or add the records "
            f"they name: ln.save({registry}.from_values(values))"
        )
        return
    if changed:
        shown = ", ".join(f"{k!r} → {v!r}" for k, v in list(changed.items())[:SHOWN])
        via = ""
        by_public = sum(1 for k in changed if k in from_public)
        if public is not None and by_public:
            via = f" ({by_public} by the public {public.source} {public.version})"
        logger.success(f"standardized {len(changed)}/{len(unique)} terms{via}: {shown}")
    if ambiguous:
        shown = ", ".join(f"{k!r} → {v}" for k, v in list(ambiguous.items())[:SHOWN])
        logger.warning(
            f"{len(ambiguous)} terms name several public terms, so they are left as they are: "
            f"{shown}\n   → name the term you mean (or its id) instead"
        )
    left = [v for v in left if v not in ambiguous]
    if left:
        hints = [_with_closest(v, public) for v in left[:SHOWN]]
        more = ", ..." if len(left) > SHOWN else ""
        where = "the registry nor the public ontology" if public is not None else "the registry"
        logger.warning(
            f"{len(left)} terms are not standardized (in neither {where}): "
            f"{', '.join(hints)}{more}\n"
            f"   → pick a term: {registry}.public().search('...'), or create records: "
            f"ln.save([{registry}({name}=value) for value in values])"
        )


def _with_closest(value: str, public: PublicOntology | None) -> str:
    closest = closest_terms(public, value, 1) if public is not None else []
    if not closest:
        return repr(value)
    term, term_id = closest[0]
    return f"{value!r} (closest: {term} {term_id})" if term_id else f"{value!r} (closest: {term})"


def closest_terms(public: PublicOntology, value: str, n: int = 3) -> list[tuple[str, str]]:
    """(name, id) of the ``n`` public terms that best match ``value`` (score 50 and up).

    Example:
        >>> closest_terms(bt.CellType.public(), "CD4 T cells", 1)  # bionty  # doctest: +SKIP
        [('CD4-positive, alpha-beta T cell', 'CL:0000624')]
    """
    try:
        hits = public.search(value, limit=n)
    except InvalidArgument:
        return []
    name = public._name_field
    return [
        (str(row[name]), str(term_id)) for term_id, row in hits.iterrows() if row["score"] >= 50
    ]


def inspect(
    cls: Any,
    values: Any,
    field: Any = None,
    mute: bool = False,
    organism: Any = None,
    public_aware: bool = True,
    source: Any = None,
) -> InspectResult:
    """Which values the registry has; of the others, which the public ontology has.

    ``result.public_validated`` lists the values that are public terms (add
    them with ``from_values`` and ``ln.save``); ``result.public_mapper`` maps
    the public synonyms, case variants and normalised spellings to their
    terms (``standardize`` first). The log counts the three groups.

    Example (not run here: no bionty in the doctest instance):
        >>> bt.CellType.inspect(["T cell", "my cell"]).public_validated  # doctest: +SKIP
        ['T cell']
    """
    name = field_name(cls, field)
    listed = [values] if isinstance(values, str) else list(values)
    check_organism(cls, organism, listed)
    query = registry_query(cls, organism)
    result = query.inspect(listed, name, mute=True)
    result.public_validated = []  # type: ignore[attr-defined]
    result.public_mapper = {}  # type: ignore[attr-defined]
    rest = [
        v
        for v in result.non_validated
        if v not in result.synonyms_mapper and v not in result.case_mapper
    ]
    public = public_of(cls, organism, source, rest) if public_aware and rest else None
    if public is not None:
        found = public.inspect(rest, field=name, mute=True)
        result.public_validated = list(found.validated)  # type: ignore[attr-defined]
        result.public_mapper = {**found.synonyms_mapper, **found.case_mapper}  # type: ignore[attr-defined]
    if not mute:
        _log_inspected(cls, name, result, rest, public)
    return result  # type: ignore[no-any-return]


def _log_inspected(
    cls: Any, name: str, result: Any, rest: list[str], public: PublicOntology | None
) -> None:
    registry = qualified_name(cls)
    n = result.n_unique
    empty = f" ({result.n_empty} empty values skipped)" if result.n_empty else ""
    if not result.non_validated:
        logger.success(f"{n} unique terms (100.00%) are validated for {name}{empty}")
        return
    logger.success(
        f"{len(result.validated)} of {n} unique terms ({result.frac_validated:.2f}%) are "
        f"validated for {name} (in {registry}){empty}"
    )
    mapped = {**result.synonyms_mapper, **result.case_mapper}
    if mapped:
        shown = ", ".join(f"{k!r} → {v!r}" for k, v in list(mapped.items())[:SHOWN])
        logger.info(
            f"{len(mapped)} are synonyms or case variants of {registry} records: {shown}\n"
            f"   → standardize them with {registry}.standardize(values)"
        )
    if public is not None and result.public_validated:
        shown = ", ".join(repr(v) for v in result.public_validated[:SHOWN])
        logger.info(
            f"{len(result.public_validated)} are terms of the public {public.source} "
            f"{public.version}: {shown}\n"
            f"   → add them: ln.save({registry}.from_values(values, field='{name}'))"
        )
    if public is not None and result.public_mapper:
        shown = ", ".join(f"{k!r} → {v!r}" for k, v in list(result.public_mapper.items())[:SHOWN])
        logger.info(
            f"{len(result.public_mapper)} name public terms another way: {shown}\n"
            f"   → standardize them with {registry}.standardize(values), then add them"
        )
    known = set(result.public_validated) | set(result.public_mapper)
    neither = [v for v in rest if v not in known]
    if neither:
        hints = [_with_closest(v, public) for v in neither[:SHOWN]]
        more = ", ..." if len(neither) > SHOWN else ""
        where = f"{registry} nor the public ontology" if public is not None else registry
        logger.warning(
            f"{len(neither)} are in neither {where}: {', '.join(hints)}{more}\n"
            f"   → create records: ln.save([{registry}({name}=value) for value in values])"
        )


def suggestions(
    cls: Any, result: InspectResult, organism: Any = None, field: Any = None
) -> dict[str, str]:
    """{non-validated value: what to do with it}, as the CLI prints it after an ``inspect``.

    A value the public ontology has another way: "→ <term> (<id>)"; a public
    term: "public term: add it"; one in neither: "closest: <term> <id>".

    Example (not run here: no bionty in the doctest instance):
        >>> result = bt.CellType.inspect(["CD14+ Monocytes"], mute=True)  # doctest: +SKIP
        >>> suggestions(bt.CellType, result)  # doctest: +SKIP
        {'CD14+ Monocytes': '→ CD14-positive monocyte (CL:0001054)'}
    """
    name = field_name(cls, field)
    public_mapper: dict[str, str] = getattr(result, "public_mapper", {})
    public_validated: list[str] = getattr(result, "public_validated", [])
    rest = [v for v in result.non_validated if v not in result.synonyms_mapper]
    rest = [v for v in rest if v not in result.case_mapper]
    public = public_of(cls, organism, None, rest) if rest else None
    out: dict[str, str] = {}
    ids: dict[str, Any] = {}
    if public is not None and public_mapper:
        rows = public.rows(set(public_mapper.values()), field=name)
        ids = {value: row.get(public._key) for value, row in rows.items()}
    for value in result.non_validated:
        mapped = result.synonyms_mapper.get(value) or result.case_mapper.get(value)
        if mapped is not None:
            out[value] = f"→ {mapped}"
        elif value in public_mapper:
            term = public_mapper[value]
            out[value] = f"→ {term} ({ids[term]})" if ids.get(term) else f"→ {term}"
        elif value in public_validated:
            out[value] = "public term: add it with from_values()"
        elif public is not None:
            closest = closest_terms(public, value, 1)
            out[value] = f"closest: {closest[0][0]} ({closest[0][1]})" if closest else ""
    return out


def warn_if_not_public(record: Any) -> None:
    """Warn when a new record of an ontology registry names no public term, with the closest.

    A record made by hand (``bt.CellType(name="Classical Mono")``) is allowed;
    the warning says which public terms it may mean, so the instance keeps
    the ontology's names and ids where it can.

    Example (not run here: no bionty in the doctest instance):
        >>> bt.CellType(name="Classical Mono").save()  # doctest: +SKIP
        ❗ bt.CellType 'Classical Mono' is no term of the public cl v2026-03-26; ...
    """
    cls = type(record)
    name = getattr(record, "name", None)
    has_id = "ontology_id" in {f.name for f in cls._meta.concrete_fields}
    if not has_id or record.ontology_id or record.source_id or not name or cls._needs_organism:
        return
    public = public_of(cls, None)
    if public is None or public.validate([name], mute=True)[0]:
        return
    closest = closest_terms(public, name, 3)
    shown = ", ".join(f"{term} ({term_id})" for term, term_id in closest) or "none close"
    registry = qualified_name(cls)
    logger.warning(
        f"{registry} {name!r} is no term of the public {public.source} {public.version}; "
        f"closest: {shown}\n   → to keep the ontology's name and id: "
        f"{registry}.from_public(ontology_id='...').save()"
    )
