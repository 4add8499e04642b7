"""Which registries label artifacts and collections, and through which link tables.

ULabel always does; a schema module's registries do when they link to
artifacts or collections (``artifacts = ManyToManyField("lineagedb.Artifact",
through=...)``). Only the connected instance's modules count: the registries
come from Django's app registry, which holds that instance's apps.

Example:
    >>> [link.accessor for link in label_links(ln.Artifact)]  # with bionty: cell_types, ...
    ['ulabels', 'records']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lineagedb.errors import WrongType


@dataclass(frozen=True)
class LabelLink:
    """How one label registry links to one host registry (Artifact or Collection).

    Example:
        >>> link_for(ln.Artifact, ln.ULabel).label_field
        'ulabel'
    """

    model: Any  # the label registry
    through: Any  # the link table's model
    host_field: str  # its foreign key to the host: "artifact"
    label_field: str  # its foreign key to the label: "ulabel", "celltype"
    has_feature: bool  # whether a link records the feature it is under
    accessor: str  # the host's attribute: "ulabels", "cell_types"

    @property
    def name_field(self) -> str:
        """The label registry's naming field (``name``; ``symbol`` for genes)."""
        return str(self.model._name_field)


def registry_name(model: Any) -> str:
    """The "name with schema" of a registry: ``core.ULabel``, ``bionty.CellType``, …

    Example:
        >>> registry_name(ln.ULabel)
        'core.ULabel'
    """
    label = model._meta.app_label
    module = "core" if label == "lineagedb" else label.removeprefix("lnschema_")
    return f"{module}.{model.__name__}"


def label_links(host_model: Any) -> list[LabelLink]:
    """Every label registry of ``host_model``, ULabel first.

    Example:
        >>> label_links(ln.Collection)[0].model.__name__
        'ULabel'
    """
    links = []
    for field in host_model._meta.get_fields():
        if not field.many_to_many:
            continue
        model = field.related_model
        through = field.through if field.auto_created else field.remote_field.through
        foreign = {
            f.related_model: f.name
            for f in through._meta.concrete_fields
            if f.is_relation and f.related_model in (host_model, model)
        }
        names = {f.name for f in through._meta.concrete_fields}
        is_module = model._meta.app_label != "lineagedb"
        if model is host_model or len(foreign) != 2 or not ("feature" in names or is_module):
            continue
        if model._meta.app_label == "lineagedb" and not getattr(model, "_is_label", False):
            continue  # feature sets, values, runs: not labels
        links.append(
            LabelLink(
                model=model,
                through=through,
                host_field=foreign[host_model],
                label_field=foreign[model],
                has_feature="feature" in names,
                accessor=field.get_accessor_name() if field.auto_created else field.name,
            )
        )
    # ULabel first (the labels of a feature that names no registry), then the other core
    # registries (typed records), then the schema modules'.
    links.sort(
        key=lambda link: (
            link.model._meta.label != "lineagedb.ULabel",
            link.model._meta.app_label != "lineagedb",
        )
    )
    return links


def link_for(host_model: Any, model: Any) -> LabelLink:
    """The link of label registry ``model`` to ``host_model``, or a clear error.

    Example:
        >>> link_for(ln.Artifact, ln.ULabel).accessor  # bt.CellType: 'cell_types'
        'ulabels'
    """
    for link in label_links(host_model):
        if link.model is model:
            return link
    known = ", ".join(link.model.__name__ for link in label_links(host_model))
    raise WrongType(
        f"{model.__name__} records do not label {host_model.__name__.lower()}s; registries that "
        f"do: {known}."
    )


def registry_and_type(entry: str) -> tuple[str, str | None]:
    """A feature's registry entry split into the registry and the type its values must have
    (LaminDB 2's ``cat[ULabel[CellType]]``, ``cat[Record[Sample]]``).

    Example:
        >>> registry_and_type("core.Record[Sample]"), registry_and_type("bionty.CellType")
        (('core.Record', 'Sample'), ('bionty.CellType', None))
    """
    entry = entry.strip()
    if entry.endswith("]") and "[" in entry:
        registry, _, type_name = entry[:-1].partition("[")
        return registry, type_name
    return entry, None


def feature_registries(feature: Any) -> dict[str, str | None]:
    """{registry name: type name or None} of a category feature (ULabel's when it names none).

    Example:
        >>> feature_registries(ln.Feature(name="sample", dtype="cat[Record[Sample]]"))
        {'core.Record': 'Sample'}
    """
    entries = (getattr(feature, "registries", None) or "core.ULabel").split("|")
    return dict(registry_and_type(entry) for entry in entries if entry.strip())


def label_rows(
    links: list[LabelLink], hosts: Any, under_feature: bool = False
) -> list[tuple[LabelLink, int, int | None, str | None, Any]]:
    """(link, host id, feature id, feature name, label name) of the labels of ``hosts`` (a
    host record, or a list of host ids) in the link tables of ``links``: one query over all
    of them (``UNION ALL``), not one per label registry. ``under_feature``: only labels
    linked under a feature.

    Example:
        >>> [row[4] for row in label_rows(label_links(ln.Artifact), artifact)]
        ['study0']
    """
    from django.db.models import CharField, F, IntegerField, Value

    queries = []
    for index, link in enumerate(links):
        if under_feature and not link.has_feature:
            continue
        if isinstance(hosts, list):
            query = link.through.objects.filter(**{f"{link.host_field}_id__in": hosts})
        else:
            query = link.through.objects.filter(**{link.host_field: hosts})
        if link.has_feature:
            if under_feature:
                query = query.filter(feature__isnull=False)
            feature = {"fid": F("feature_id"), "fname": F("feature__name")}
        else:
            feature = {"fid": Value(None, IntegerField()), "fname": Value(None, CharField())}
        query = query.annotate(
            lnk=Value(index, IntegerField()),
            hst=F(f"{link.host_field}_id"),
            lbl=F(f"{link.label_field}__{link.name_field}"),
            **feature,
        )
        queries.append(query.values_list("lnk", "hst", "fid", "fname", "lbl"))
    if not queries:
        return []
    rows = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
    return [(links[i], host, fid, fname, label) for i, host, fid, fname, label in rows]
