"""What the bionty registries add to a registry: public ontologies, hashed uids, parents.

A mixin of every bionty model (models.py): ``public()``, ``from_public()``
(LaminDB 2: ``from_source()``), ``from_values()`` that creates the missing
records from the public ontology, ``inspect()`` that reports the values the
public ontology has, and ``save(parents=...)`` that saves a term's ontology
ancestors with it.

Example (not run here: no bionty in the doctest instance):
    >>> bt.CellType.from_values(["T cell", "T-cell"], field=bt.CellType.name)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, ClassVar

from lineagedb._base.base62 import hashed_base62
from lineagedb._base.logger import logger
from lineagedb.bionty._settings import settings
from lineagedb.bionty.organisms import _model, _organism_from_ids, _organism_name, organism_record
from lineagedb.bionty.public import PublicOntology
from lineagedb.errors import InvalidArgument
from lineagedb.models.query.validation import field_name

# Public table column → record field, where they differ.
_RENAMED = {"definition": "description"}


class BioRegistry:
    """Mixin of the bionty registries (see the module docstring)."""

    # The fields a record's uid hashes: the first one set (a gene: its Ensembl id).
    _uid_fields: ClassVar[tuple[str, ...]] = ("ontology_id", "name")
    # Whether records belong to an organism that the public table needs (genes).
    _needs_organism: ClassVar[bool] = False

    _uid_length: ClassVar[int] = 8
    # The uid hashes the ontology id (or name): two creators of one term make one uid.
    _natural_keys: ClassVar[tuple[str, ...]] = ("uid",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) == 1 and hasattr(args[0], "_asdict"):  # a row of public().lookup()
            kwargs = {**type(self)._fields_of(args[0]._asdict()), **kwargs}
            args = ()
        if args or not kwargs:
            super().__init__(*args, **kwargs)  # type: ignore[call-arg]
            return
        cls = type(self)
        if cls._has_field("organism"):
            kwargs["organism"] = organism_record(kwargs.get("organism"), cls.__name__)
        if "uid" not in kwargs:
            kwargs["uid"] = cls._uid_of(kwargs)
        existing = None
        if kwargs.get("uid") and not kwargs.pop("_skip_existing", False):
            existing = cls.objects.filter(uid=kwargs["uid"]).first()  # type: ignore[attr-defined]
        kwargs.pop("_skip_existing", None)
        super().__init__(**kwargs)  # type: ignore[call-arg]
        if existing is not None:
            logger.info(f"loaded {cls.__name__} record with the same identity: {existing}")
            self._become(existing)  # type: ignore[attr-defined]

    # -- identity --------------------------------------------------------------------------

    @classmethod
    def _has_field(cls, name: str) -> bool:
        return name in {f.name for f in cls._meta.concrete_fields}  # type: ignore[attr-defined]

    @classmethod
    def _uid_of(cls, fields: dict[str, Any]) -> str:
        """md5-based uid: of the ontology id (Gene: Ensembl id, stable id or symbol), else name."""
        keys = cls._uid_fields
        for key in keys:
            if fields.get(key):
                return hashed_base62(str(fields[key]), cls._uid_length)
        names = " or ".join(keys)
        raise InvalidArgument(
            f"{cls.__name__}() needs {names}, e.g. {cls.__name__}({keys[-1]}='...')."
        )

    @classmethod
    def _fields_of(cls, row: dict[str, Any]) -> dict[str, Any]:
        """A public table row as record fields."""
        known = {f.name for f in cls._meta.concrete_fields}  # type: ignore[attr-defined]
        fields = {}
        for column, value in row.items():
            name = _RENAMED.get(column, column)
            if name in known and name not in ("organism", "source") and value is not None:
                fields[name] = value
        return fields

    # -- the public ontology ---------------------------------------------------------------

    @classmethod
    def public(
        cls, organism: Any = None, source: Any = None, version: str | None = None
    ) -> PublicOntology:
        """The public ontology of this registry, offline (``organism`` for genes and stages).

        Example:
            >>> bt.CellType.public().search("T cell").head()  # bionty  # doctest: +SKIP
            >>> bt.Gene.public(organism="mouse").validate(["ENSMUSG00000000001"], "ensembl_gene_id")
            ...  # no bionty in the doctest instance  # doctest: +SKIP
        """
        if source is not None and not isinstance(source, str):
            version, organism = source.version, organism or source.organism
        name = _organism_name(organism)
        if name is None and cls._needs_organism:
            name = _organism_name(organism_record(None, "Gene"))
        return PublicOntology.for_entity(cls.__name__, organism=name, version=version)

    @classmethod
    def from_public(cls, **kwargs: Any) -> Any:
        """A record (unsaved, or the saved one) of the public term with this field's value.

        Example:
            >>> bt.CellType.from_public(ontology_id="CL:0000084")  # bionty  # doctest: +SKIP
            CellType(uid='22LvKd01', name='T cell', ontology_id='CL:0000084', ...)
        """
        organism = kwargs.pop("organism", None)
        if len(kwargs) != 1:
            raise InvalidArgument(
                f"{cls.__name__}.from_public() takes one field, e.g. ontology_id='...'; "
                f"got {sorted(kwargs)}."
            )
        ((field, value),) = kwargs.items()
        public = cls.public(organism=organism)
        row = public.rows([value], field=field).get(value)
        if row is None:
            logger.warning(f"no public {cls.__name__} has {field}={value!r}")
            return None
        return cls._from_row(row, public, organism)

    from_source = from_public

    @classmethod
    def _from_row(cls, row: dict[str, Any], public: PublicOntology, organism: Any) -> Any:
        fields = cls._fields_of(row)
        if cls._has_field("organism"):
            fields["organism"] = organism_record(organism or public.organism, cls.__name__)
        fields["source"] = source_record(public)
        return cls(**fields)

    @classmethod
    def from_values(
        cls,
        values: Any,
        field: Any = None,
        organism: Any = None,
        create: bool = False,
        mute: bool = False,
        public_source: Any = None,
        source: Any = None,
    ) -> list[Any]:
        """Records for the values: saved ones first, the rest made from the public ontology.

        Synonyms, case variants and normalised spellings ("CD14+ Monocytes")
        map to their term (one that names several terms is reported, not
        guessed); values in neither are named, or with ``create=True`` get a
        plain record each. New records are unsaved: ``ln.save(records)``.

        Example:
            >>> records = bt.CellType.from_values(["T cell", "T-cell"], field=bt.CellType.name)
            ...  # no bionty in the doctest instance  # doctest: +SKIP
            >>> ln.save(records)  # no bionty in the doctest instance  # doctest: +SKIP
        """
        from lineagedb.models.query.standardization import from_values as saved_records
        from lineagedb.models.query.validation import is_empty

        name = field_name(cls, field)
        query = cls.objects.all()  # type: ignore[attr-defined]
        if organism is not None and cls._has_field("organism"):
            query = query.filter(organism=organism_record(organism, cls.__name__))
        listed = [values] if isinstance(values, str) else list(values)
        texts = [str(v) for v in dict.fromkeys(listed) if not is_empty(v)]
        found = saved_records(query, texts, name, mute=True)
        have = {getattr(record, name) for record in found}
        synonyms = {s for r in found for s in (getattr(r, "synonyms", None) or "").split("|")}
        missing = [v for v in texts if v not in have and v not in synonyms]
        if not missing:
            return found
        if organism is None and cls._needs_organism:
            organism = _organism_from_ids(missing) if name == "ensembl_gene_id" else None
        public = cls.public(organism=organism, source=source or public_source)
        result = public.inspect(missing, field=name, mute=True)
        standard = {v: v for v in result.validated}
        standard.update(result.synonyms_mapper)
        standard.update(result.case_mapper)
        rows = public.rows(set(standard.values()), field=name)
        made: dict[str, Any] = {}
        source = source_record(public)
        extra = {}
        if cls._has_field("organism"):
            extra["organism"] = organism_record(organism or public.organism, cls.__name__)
        uids = {value: cls._uid_of(cls._fields_of(row)) for value, row in rows.items()}
        saved = {r.uid: r for r in cls.objects.filter(uid__in=list(uids.values()))}  # type: ignore[attr-defined]
        for value, row in rows.items():
            made[value] = saved.get(uids[value]) or cls(
                **cls._fields_of(row),
                source=source,
                uid=uids[value],
                _skip_existing=True,
                **extra,
            )
        new = [made[standard[v]] for v in missing if v in standard]
        ambiguous = getattr(result, "ambiguous", {})
        left = [v for v in missing if v not in standard and v not in ambiguous]
        if create and left:
            new += [cls(**{name: value, **extra}) for value in left]
            left = []
        if mute:
            return list({id(r): r for r in [*found, *new]}.values())
        mapped = {**result.synonyms_mapper, **result.case_mapper}
        if mapped:
            shown = ", ".join(f"{k!r} → {v!r}" for k, v in list(mapped.items())[:20])
            logger.info(f"mapped {len(mapped)} synonyms: {shown}")
        if ambiguous:
            shown = ", ".join(f"{k!r} → {v}" for k, v in list(ambiguous.items())[:20])
            logger.warning(f"not created, ambiguous synonyms (name the term): {shown}")
        if new:
            logger.info(
                f"created {len({id(r) for r in new})} {cls.__name__} records from public "
                f"source {public.source} {public.version} for {name}"
            )
        if left:
            shown = ", ".join(repr(v) for v in left[:20])
            logger.warning(
                f"did not create {cls.__name__} records for {len(left)} {name}s: {shown}"
            )
        return list({id(r): r for r in [*found, *new]}.values())

    @classmethod
    def inspect(
        cls,
        values: Any,
        field: Any = None,
        mute: bool = False,
        organism: Any = None,
        public_aware: bool = True,
        source: Any = None,
    ) -> Any:
        """Validated values (saved records); of the others, which the public ontology has.

        ``result.public_validated`` lists the values that are public terms
        (add them with ``from_values`` and ``ln.save``); ``result.public_mapper``
        the values that name a public term another way (``standardize``).

        Example (not run here: no bionty in the doctest instance):
            >>> bt.CellType.inspect(["T cell", "my cell"]).public_validated  # doctest: +SKIP
            ['T cell']
        """
        from lineagedb.bionty import curation

        return curation.inspect(cls, values, field, mute, organism, public_aware, source)

    @classmethod
    def standardize(
        cls, values: Any, field: Any = None, organism: Any = None, **options: Any
    ) -> Any:
        """Values mapped to the registry's terms, then (``public_aware``) the public ontology's.

        Example (not run here: no bionty in the doctest instance):
            >>> bt.CellType.standardize(["CD14+ Monocytes", "NK cells"])  # doctest: +SKIP
            ['CD14-positive monocyte', 'natural killer cell']
        """
        from lineagedb.bionty import curation

        options.setdefault("source", options.pop("public_source", None))
        return curation.standardize(cls, values, field, organism=organism, **options)

    @classmethod
    def validate(
        cls, values: Any, field: Any = None, mute: bool = False, organism: Any = None
    ) -> Any:
        """Whether each value names a saved record (of ``organism``): exact, no synonyms.

        Example (not run here: no bionty in the doctest instance):
            >>> bt.CellType.validate(["T cell"])  # doctest: +SKIP
            array([ True])
        """
        from lineagedb.bionty import curation

        result = curation.registry_query(cls, organism).validate(values, field, mute=True)
        if not mute:  # the summary says which of the others the public ontology has
            curation.inspect(cls, values, field, mute=False, organism=organism)
        return result

    # -- saving ----------------------------------------------------------------------------

    def save(self, *args: Any, parents: bool | None = None, **kwargs: Any) -> Any:
        """Save the record and, by default, its ontology ancestors (``parents=False``: not).

        Example:
            >>> bt.CellType.from_public(name="T cell").save()  # bionty  # doctest: +SKIP
        """
        from django.db import transaction

        if parents is None:
            parents = settings.auto_save_parents
        if self._state.adding:  # type: ignore[attr-defined]
            from lineagedb.bionty.curation import warn_if_not_public

            warn_if_not_public(self)
        # One transaction: a term is never saved without the parents its ontology gives.
        with transaction.atomic():
            super().save(*args, **kwargs)  # type: ignore[misc]
            if parents:
                save_ancestors(type(self), [self])
        return self

    @classmethod
    def _organism(cls, organism: Any) -> Any:
        """The Organism record of a name or record, created from the public list if missing."""
        return organism_record(organism, cls.__name__)

    @classmethod
    def _after_bulk_save(cls, records: list[Any], parents: bool | None = None) -> None:
        """``ln.save(records)``: their ancestors too, unless ``parents=False`` (default:
        ``bt.settings.auto_save_parents``)."""
        if settings.auto_save_parents if parents is None else parents:
            save_ancestors(cls, records)

    @property
    def public_source(self) -> Any:
        """The record's ``bt.Source`` (LaminDB 0.70's name of ``.source``).

        Example:
            >>> bt.CellType.from_public(name="T cell").public_source.source  # doctest: +SKIP
            'cl'
        """
        return self.source  # type: ignore[attr-defined]


def save_ancestors(cls: Any, records: list[Any]) -> None:
    """Save the ontology ancestors of ``records`` and link every parent edge among them.

    Example:
        >>> save_ancestors(bt.CellType, [t_cell])  # bionty  # doctest: +SKIP
    """
    if not cls._has_field("ontology_id") or "parents" not in {
        f.name for f in cls._meta.get_fields()
    }:
        return
    by_source: dict[Any, list[Any]] = {}
    for record in records:
        if record.ontology_id:
            by_source.setdefault(record.source_id, []).append(record)
    sources = _model("Source").objects.in_bulk([pk for pk in by_source if pk is not None])
    for source_id, terms in by_source.items():
        # A record's own source (its organism and version) gives its ancestors: a mouse
        # stage's parents come from the mouse table, never the human one.
        try:
            public = cls.public(source=sources.get(source_id))
        except (ImportError, InvalidArgument):
            continue
        _save_ancestors_from(cls, terms, public)


def _save_ancestors_from(cls: Any, terms: list[Any], public: PublicOntology) -> None:
    from django.db import transaction

    table = public.columns
    parents_of = dict(zip(table["ontology_id"], table["parents"], strict=True))
    wanted: set[str] = set()
    todo = [r.ontology_id for r in terms]
    while todo:
        term = todo.pop()
        for parent in (parents_of.get(term) or "").split("|"):
            if parent and parent not in wanted and parent in parents_of:
                wanted.add(parent)
                todo.append(parent)
    with transaction.atomic():
        by_id = {r.ontology_id: r for r in cls.objects.filter(ontology_id__in=list(wanted))}
        rows = public.rows([t for t in wanted if t not in by_id], field="ontology_id")
        source = source_record(public)
        new = [
            cls(**cls._fields_of(row), source=source, _skip_existing=True) for row in rows.values()
        ]
        cls.objects.bulk_create(new, ignore_conflicts=True)
        by_id = {r.ontology_id: r for r in cls.objects.filter(ontology_id__in=list(wanted))}
        for record in terms:
            by_id[record.ontology_id] = record
        through = cls.parents.through
        start, end = f"from_{cls.__name__.lower()}_id", f"to_{cls.__name__.lower()}_id"
        links = [
            through(**{start: by_id[child].pk, end: by_id[parent].pk})
            for child in by_id
            for parent in (parents_of.get(child) or "").split("|")
            if parent in by_id
        ]
        through.objects.bulk_create(links, ignore_conflicts=True)
    if new:
        logger.info(f"saved {len(new)} parent {cls.__name__} records")


def source_record(public: PublicOntology) -> Any:
    """The ``bt.Source`` row of a public ontology (created the first time it is used).

    Example:
        >>> source_record(bt.CellType.public()).version  # bionty  # doctest: +SKIP
        'v2026-03-26'
    """
    Source = _model("Source")
    info = public.info
    key = {
        "entity": info.entity,
        "source": info.source,
        "organism": public.organism,
        "version": public.version,
    }
    found = Source.objects.filter(**key).first()
    if found is not None:
        return found
    record = Source(
        **key,
        source_name=info.source_name,
        source_website=info.website,
        license=info.license,
        currently_used=not Source.objects.filter(
            entity=info.entity, organism=public.organism, currently_used=True
        ).exists(),
    )
    return record.save()


def write_sources() -> int:
    """Create the ``bt.Source`` rows of every source installed here (on init); how many are new.

    Example:
        >>> write_sources()  # no bionty in the doctest instance  # doctest: +SKIP
        26
    """
    from lineagedb.bionty.sources import SOURCES, STAGES, organisms

    publics = []
    for entity in SOURCES:
        try:
            publics.append(PublicOntology.for_entity(entity))
        except ImportError:  # the ontologies' package is missing: genes and organisms still work
            continue
    for organism in STAGES:
        try:
            publics.append(PublicOntology.for_entity("DevelopmentalStage", organism=organism))
        except ImportError:
            continue
    publics.append(PublicOntology.for_entity("Organism"))
    publics += [PublicOntology.for_entity("Gene", organism=name) for name in organisms()]
    source_model = _model("Source")
    before = source_model.objects.count()
    for public in publics:
        source_record(public)
    return int(source_model.objects.count() - before)
