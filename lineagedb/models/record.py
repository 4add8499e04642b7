"""The base of every registry: uid, timestamps, queries, repr."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models

from lineagedb._base.identifiers import text_problem
from lineagedb._base.logger import logger
from lineagedb._base.session import session
from lineagedb.display.format import format_value
from lineagedb.errors import InvalidArgument, OtherInstance, UnknownField
from lineagedb.models._uid import current_user_id
from lineagedb.models.query.fields import field_names
from lineagedb.models.query.lookup import Lookup
from lineagedb.models.query.queryset import QuerySet
from lineagedb.models.synonyms import Synonyms

READ_ONLY = "read-only"  # the instance key's mark of a record read through connect()

if TYPE_CHECKING:
    import pandas as pd


class Record(Synonyms, models.Model):
    """A row of a registry; subclasses are the registries (Artifact, Run, …).

    Example:
        >>> import lineagedb as ln
        >>> ln.Storage.filter(type="local").df().type.tolist()
        ['local']
    """

    objects = QuerySet.as_manager()

    # The text fields search() looks at; subclasses override it.
    _search_fields: ClassVar[tuple[str, ...]] = ()
    # The field that names records in lookup(); subclasses override it.
    _name_field: ClassVar[str] = "uid"
    # Fields left out of repr() besides id and None values.
    _repr_exclude: ClassVar[tuple[str, ...]] = ("created_at",)
    # Unique fields that say what a record *is* (ULabel.name, an ontology term's hashed
    # uid): a concurrent creator that loses the race on one gets the winner's record.
    _natural_keys: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args:
            raise InvalidArgument(
                f"{type(self).__name__}() takes its fields by name, "
                f"e.g. {type(self).__name__}({self._name_field}=...)."
            )
        self._check_field_names(kwargs)
        if (
            "created_by" not in kwargs
            and "created_by_id" not in kwargs
            and any(field.name == "created_by" for field in self._meta.concrete_fields)
        ):
            kwargs["created_by_id"] = current_user_id()
        super().__init__(**kwargs)
        self.__dict__["_instance_key"] = session.instance_key

    @classmethod
    def _check_field_names(cls, names: Any) -> None:
        unknown = sorted(set(names) - field_names(cls))
        if unknown:
            raise UnknownField(
                f"{cls.__name__} has no field {', '.join(map(repr, unknown))}. "
                f"Fields: {', '.join(f.name for f in cls._meta.concrete_fields)}."
            )

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Record:
        # Rows from the database skip the user-facing constructor, whose
        # arguments (a path, a list of artifacts) differ from the fields.
        concrete = cls._meta.concrete_fields
        if len(values) != len(concrete):
            given = iter(values)
            values = [
                next(given) if field.attname in field_names else models.DEFERRED
                for field in concrete
            ]
        record = cls.__new__(cls)
        models.Model.__init__(record, *values)
        record._state.adding = False
        record._state.db = db
        if db in (None, "default"):
            record.__dict__["_instance_key"] = session.instance_key
        else:  # read through Registry.connect("name"): that instance's, read-only here
            name = next((n for n, alias in session.other_aliases.items() if alias == db), db)
            record.__dict__["_instance_key"] = f"{name}|{READ_ONLY}"
        return record

    def _check_instance(self) -> None:
        """Refuse to use a record of another instance than the connected one."""
        loaded_in = self.__dict__.get("_instance_key")
        if loaded_in is None or loaded_in == session.instance_key:
            return
        name = loaded_in.split("|", 1)[0]
        current = (session.instance_key or "none|").split("|", 1)[0]
        if loaded_in.endswith(f"|{READ_ONLY}"):
            raise OtherInstance(
                f"{type(self).__name__} {getattr(self, 'uid', self.pk)} was read from instance "
                f"{name!r} with connect({name!r}), which is read-only: it can be neither "
                f"changed nor linked into {current!r}. An artifact's save() transfers it: "
                f"the same bytes registered in {current!r} with its labels and values."
            )
        raise OtherInstance(
            f"{type(self).__name__} {getattr(self, 'uid', self.pk)} belongs to instance "
            f"{name!r}, but {current!r} is connected now. Connect back with "
            f"ln.connect({name!r}), or get the record anew from {current!r}."
        )

    @staticmethod
    def check_instances(records: Any) -> None:
        """Refuse records loaded from another instance than the connected one (OtherInstance).

        Every call that links records (labels, features, collection members)
        asks this first: linking by integer id would link whatever record has
        that id in the connected instance.

        Example:
            >>> Record.check_instances([artifact, study_name])
        """
        for record in records:
            if isinstance(record, Record):
                record._check_instance()

    def _become(self, existing: Record) -> None:
        """Turn this unsaved record into ``existing`` (constructors that dedupe)."""
        models.Model.__init__(
            self, *[getattr(existing, f.attname) for f in self._meta.concrete_fields]
        )
        self._state.adding = False
        self._state.db = existing._state.db
        self.__dict__["_instance_key"] = existing.__dict__.get("_instance_key")

    def save(self, *args: Any, **kwargs: Any) -> Record:  # type: ignore[override]
        """Write the record to the database and return it.

        Example:
            >>> ln.Transform(name="QC", version="1.2.0").save().version
            '1.2.0'
        """
        self._check_instance()
        self._check_text_fields()
        if not (self._state.adding and self._natural_keys):
            super().save(*args, **kwargs)
            return self
        from django.db import IntegrityError, connection, transaction

        try:
            if connection.in_atomic_block:
                with transaction.atomic():  # a savepoint: the caller's transaction stays usable
                    super().save(*args, **kwargs)
            else:  # autocommit: a failed INSERT leaves nothing to roll back
                super().save(*args, **kwargs)
        except IntegrityError:
            existing = self.saved_twin()
            if existing is None:
                raise
            logger.info(f"another process saved {existing} first: loaded it")
            self._become(existing)
        return self

    def saved_twin(self) -> Record | None:
        """The saved record with one of this unsaved record's natural keys (its name), or None.

        Example:
            >>> ln.ULabel(name="a label nobody saved").saved_twin() is None
            True
        """
        from django.db.models import Q

        condition = Q()
        for name in self._natural_keys:
            value = getattr(self, name, None)
            if value is not None:
                condition |= Q(**{name: value})
        if not condition:
            return None
        return type(self)._base_manager.filter(condition).first()

    def delete(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """Delete the record (registries with a trash override this).

        Example:
            >>> _ = ln.ULabel(name="tmp").save().delete()
            >>> ln.ULabel.filter(name="tmp").exists()
            False
        """
        from lineagedb.models.annotations.usage import refuse_if_used

        self._check_instance()
        refuse_if_used(self)
        return super().delete(*args, **kwargs)

    def _check_text_fields(self) -> None:
        """Refuse text that a database cannot store: too long, NUL characters, lone surrogates.

        One rule on both databases: SQLite would store a value longer than
        its column, PostgreSQL would refuse it with a raw DataError.
        """
        for field in self._meta.concrete_fields:
            value = self.__dict__.get(field.attname)
            if not isinstance(value, str):
                continue
            limit = getattr(field, "max_length", None)
            if limit is not None and len(value) > limit:
                raise InvalidArgument(
                    f"{type(self).__name__}.{field.name} is {len(value)} characters long "
                    f"({value[:40]!r}...); the limit is {limit}. Shorten it and save again."
                )
            problem = text_problem(value)
            if problem:
                raise InvalidArgument(
                    f"{type(self).__name__}.{field.name} {value[:40]!r} contains {problem}. "
                    "Remove them and save again."
                )

    # -- queries on the registry -------------------------------------------------

    @classmethod
    def filter(cls, *args: Any, **kwargs: Any) -> QuerySet:
        """Records matching Django lookups; trashed records only with ``visibility=None``.

        Example:
            >>> ln.Artifact.filter(key__startswith="iris_studies/study0").df().key.tolist()
            ['iris_studies/study0_raw_images/meta.csv']
        """
        query: QuerySet = cls.objects.all()
        if any(f.name == "visibility" for f in cls._meta.concrete_fields):
            if "visibility" not in kwargs:
                kwargs["visibility"] = 1
            elif kwargs["visibility"] is None:
                del kwargs["visibility"]
        return query.filter(*args, **kwargs)

    @classmethod
    def connect(cls, instance: str) -> QuerySet:
        """The records of this registry in another instance, read-only (LaminDB 2's name;
        0.70's is ``using``), without switching the connected one.

        Queries, ``get()``, ``df()`` and ``count()`` work as here; nothing read through it
        can be changed, deleted or linked to this instance's records.

        Example:
            >>> ln.Artifact.connect("lab-archive").filter(suffix=".h5ad").count()  # doctest: +SKIP
            12
        """
        session.ensure_connected()
        assert session.open_other is not None  # set by lineagedb.setup
        query: QuerySet = cls.objects.using(session.open_other(instance)).all()
        return query

    using = connect

    @classmethod
    def get(cls, idlike: int | str | None = None, **kwargs: Any) -> Any:
        """The record with this uid, unique uid prefix or integer id (trash included).

        Example:
            >>> ln.Artifact.get(artifact.uid[:8]) == artifact
            True
        """
        query: QuerySet = cls.objects.all()
        return query.get(idlike, **kwargs) if idlike is not None else query.get(**kwargs)

    @classmethod
    def df(cls, include: str | list[str] | None = None) -> pd.DataFrame:
        """All visible records as a DataFrame indexed by id, newest first.

        ``include`` adds related values, e.g. ``["ulabels__name"]`` or ``"features"``.

        Example:
            >>> ln.Artifact.df(include="features").study_name.tolist()
            [None, None, 'study0']
        """
        return cls.filter().df(include=include)

    to_dataframe = df

    @classmethod
    def view_tree(cls, max_files_per_folder: int = 6, max_lines: int = 1000) -> None:
        """Print the keys of the registry's visible records as a folder tree.

        Example:
            >>> ln.Artifact.view_tree()
            Artifact (3 sub-directories & 3 files with suffixes '.csv', '.h5ad', '.parquet'):
            ├── iris
            │   └── study1.parquet
            ├── iris_studies
            │   └── study0_raw_images
            │       └── meta.csv
            └── pbmc.h5ad
        """
        cls.filter().view_tree(max_files_per_folder, max_lines)

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
        """The existing records whose ``field`` (default: the name field) is in ``values``.

        Exact matches first, then synonyms; empty values (None, NaN, "") are
        skipped; values not found are named, or with ``create=True`` get an
        unsaved record each (``ln.save(records)``). ``organism`` and the
        sources, LaminDB's keywords of bionty registries, do not apply here.

        Example:
            >>> ln.ULabel.from_values(["setosa", "virginica", "rose"])
            [ULabel(uid='...', name='setosa', ...), ULabel(uid='...', name='virginica', ...)]
        """
        from lineagedb.models.query.validation import _texts, field_name

        found = cls.objects.all().from_values(values, field, mute=mute or create)
        if not create:
            return found  # type: ignore[no-any-return]
        name = field_name(cls, field)
        have = {str(getattr(record, name)) for record in found}
        have |= {s for r in found for s in (getattr(r, "synonyms", None) or "").split("|")}
        listed = [values] if isinstance(values, str) else list(values)
        texts = [t for t in dict.fromkeys(_texts(listed)) if t is not None and t not in have]
        return [*found, *(cls(**{name: text}) for text in texts)]

    @classmethod
    def validate(
        cls, values: Any, field: Any = None, mute: bool = False, organism: Any = None
    ) -> Any:
        """Whether each value equals ``field`` of a record: exact, case-sensitive, no synonyms.

        A list gives one bool per position (empty values are never
        validated); a single string gives one bool.

        Example:
            >>> ln.ULabel.validate(["setosa", "rose"], field="name")
            array([ True, False])
        """
        return cls.objects.all().validate(values, field, mute)

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
        """Validated and non-validated values, with the synonyms and case variants among them.

        Example:
            >>> ln.ULabel.inspect(["setosa", "Setosa", None]).non_validated
            ['Setosa']
        """
        return cls.objects.all().inspect(values, field, mute)

    @classmethod
    def standardize(cls, values: Any, field: Any = None, **options: Any) -> Any:
        """Values mapped to the registry's own (synonyms, and case unless ``case_sensitive``).

        Example:
            >>> ln.Feature.standardize(["Temp", "temperature"])
            ['temperature', 'temperature']
        """
        for keyword in ("organism", "public_aware", "source", "public_source"):
            options.pop(keyword, None)  # LaminDB's bionty keywords: nothing to do here
        return cls.objects.all().standardize(values, field, **options)

    @classmethod
    def search(
        cls, string: str, field: Any = None, limit: int = 20, return_queryset: bool = False
    ) -> Any:
        """Visible records ranked by how well their text fields match ``string``.

        Returns a DataFrame indexed by uid with the searched fields and a
        ``score`` (0-100), best first; or, with ``return_queryset=True``, a
        QuerySet in that order. Exact > whole word > prefix > substring >
        one-typo matches.

        Example:
            >>> ln.Artifact.search("meta").key.tolist()
            ['iris_studies/study0_raw_images/meta.csv']
        """
        return cls.filter().search(string, field, limit, return_queryset)

    @classmethod
    def lookup(cls, field: Any = None) -> Lookup:
        """A namespace with one attribute per visible record, for tab completion.

        Example:
            >>> ln.User.lookup().anonymous.handle
            'anonymous'
        """
        return cls.filter().lookup(field)

    # -- display -----------------------------------------------------------------

    def __repr__(self) -> str:
        # Own fields first, then foreign keys as <name>_id, as LaminDB prints them.
        own: list[str] = []
        links: list[str] = []
        for field in self._meta.concrete_fields:
            if field.name == "id" or field.name in self._repr_exclude or field.name[0] == "_":
                continue  # private fields (a leading _) are lineagedb's bookkeeping
            value = self.__dict__.get(field.attname)
            if value is not None:
                (links if field.is_relation else own).append(
                    f"{field.attname}={format_value(value)}"
                )
        return f"{type(self).__name__}({', '.join(own + links)})"

    __str__ = __repr__

    def describe(self) -> None:
        """Print the record and the records it links to (its provenance).

        Example:
            >>> artifact.describe()
            Artifact(uid='...', key='iris_studies/study0_raw_images/meta.csv', ...)
            <BLANKLINE>
            Provenance:
              📎 storage: Storage(uid='...', root='.../lamin-tutorial', type='local')
              📎 created_by: User(uid='00000000', handle='anonymous')
            <BLANKLINE>
            Features:
              external: FeatureSet(uid='...', n=1, registry='core.Feature')
                🔗 study_name (1, core.ULabel): 'study0'
            <BLANKLINE>
            Labels:
              📎 ulabels (1, core.ULabel): 'study0'
        """
        from lineagedb.display.describe import print_describe
        from lineagedb.models.annotations.summary import describe_text

        print_describe(describe_text(self))

    def _provenance_run(self) -> Any:
        """The run whose inputs ``describe()`` lists: the one that made this record."""
        return getattr(self, "run", None)

    def view_lineage(self) -> Any:
        """The graph of this record, the run that made it, its inputs and their runs.

        Returns a ``graphviz.Digraph``: it renders as SVG in Jupyter, and
        ``.source`` is the DOT text. Never opens a viewer.

        Example:
            >>> "->" in artifact.view_lineage().source
            False
        """
        from lineagedb.display.lineage import lineage_graph

        if not hasattr(self, "_lineage_shape"):  # Artifact, Collection and Run draw themselves
            raise InvalidArgument(
                f"{type(self).__name__} records have no lineage; use it on an Artifact, "
                "Collection or Run."
            )
        return lineage_graph(self)
