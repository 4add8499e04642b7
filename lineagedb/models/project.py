"""Project and Reference (LaminDB 2): what a piece of work belongs to, and what it cites.

A project groups artifacts, collections, transforms, runs, labels, features and schemas
(``artifact.projects.add(project)``, ``ln.Artifact.filter(projects=project)``);
``ln.track(project="My project")`` links the run, its transform and everything the run
saves. A reference (a paper, a protocol, an ELN entry) links to artifacts, collections
and transforms the same way. Each link records who made it and when.

Example:
    >>> project = ln.Project(name="Atlas").save()
    >>> artifact.projects.add(project)
    >>> ln.Artifact.filter(projects=project).count()
    1
"""

from __future__ import annotations

from typing import Any

from django.db import models

from lineagedb._base.session import session
from lineagedb.errors import InvalidArgument, NotFound
from lineagedb.models import _uid
from lineagedb.models.record import Record

# What a project (a reference) links to: the registries' names, as the link tables name them.
PROJECT_HOSTS = ("Artifact", "Collection", "Transform", "Run", "ULabel", "Feature", "FeatureSet")
REFERENCE_HOSTS = ("Artifact", "Collection", "Transform")


def _uid12() -> str:
    return _uid.base62(12)


class Project(Record):
    """A project: a name, dates, a parent project, and the records that belong to it.

    Example:
        >>> atlas = ln.Project(name="Atlas", abbr="ATL").save()
        >>> liver = ln.Project(name="Atlas liver").save()
        >>> liver.parents.add(atlas)
        >>> [child.name for child in atlas.children.all()]
        ['Atlas liver']
    """

    _search_fields = ("name", "abbr", "description")
    _name_field = "name"
    _natural_keys = ("name",)
    _repr_exclude = ("created_at",)

    uid = models.CharField(max_length=12, unique=True, default=_uid12)
    name = models.CharField(max_length=150, unique=True)
    description = models.TextField(null=True, blank=True)
    abbr = models.CharField(max_length=32, null=True, blank=True, db_index=True)
    url = models.URLField(max_length=255, null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    parents = models.ManyToManyField("self", symmetrical=False, related_name="children", blank=True)
    predecessors = models.ManyToManyField(
        "self", symmetrical=False, related_name="successors", blank=True
    )
    artifacts = models.ManyToManyField(
        "Artifact", through="ArtifactProject", related_name="projects"
    )
    collections = models.ManyToManyField(
        "Collection", through="CollectionProject", related_name="projects"
    )
    transforms = models.ManyToManyField(
        "Transform", through="TransformProject", related_name="projects"
    )
    runs = models.ManyToManyField("Run", through="RunProject", related_name="projects")
    ulabels = models.ManyToManyField("ULabel", through="ULabelProject", related_name="projects")
    features = models.ManyToManyField("Feature", through="FeatureProject", related_name="projects")
    schemas = models.ManyToManyField(
        "FeatureSet", through="FeatureSetProject", related_name="projects"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_by = models.ForeignKey("User", models.PROTECT, related_name="+")


class Reference(Record):
    """A reference: a paper, a protocol, an ELN entry — by url, DOI, PubMed id or text.

    Example:
        >>> paper = ln.Reference(name="Tabula Sapiens", doi="10.1126/science.abl4896").save()
        >>> artifact.references.add(paper)
    """

    _search_fields = ("name", "abbr", "description", "doi", "text")
    _name_field = "name"
    _repr_exclude = ("created_at", "text")

    uid = models.CharField(max_length=12, unique=True, default=_uid12)
    name = models.CharField(max_length=255, db_index=True)
    description = models.TextField(null=True, blank=True)
    abbr = models.CharField(max_length=32, null=True, blank=True, db_index=True)
    url = models.URLField(max_length=255, null=True, blank=True)
    pubmed_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    doi = models.CharField(max_length=255, null=True, blank=True, db_index=True)
    text = models.TextField(null=True, blank=True)
    date = models.DateField(null=True, blank=True)
    artifacts = models.ManyToManyField(
        "Artifact", through="ArtifactReference", related_name="references"
    )
    collections = models.ManyToManyField(
        "Collection", through="CollectionReference", related_name="references"
    )
    transforms = models.ManyToManyField(
        "Transform", through="TransformReference", related_name="references"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_by = models.ForeignKey("User", models.PROTECT, related_name="+")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        doi = kwargs.get("doi")
        if doi is not None and not str(doi).startswith("10."):
            raise InvalidArgument(
                f"doi={doi!r} is not a DOI: a DOI starts with '10.' (e.g. "
                "'10.1126/science.abl4896'; drop a leading https://doi.org/)."
            )
        super().__init__(*args, **kwargs)


def _link_table(host: str, target: str) -> type[models.Model]:
    """The table linking ``host`` records to ``target`` ones, with who linked them and when."""
    host_field, target_field = host.lower(), target.lower()
    meta = type(
        "Meta",
        (),
        {
            "constraints": [
                models.UniqueConstraint(
                    fields=[host_field, target_field], name=f"unique_{host_field}_{target_field}"
                )
            ]
        },
    )
    fields = {
        "__module__": __name__,
        "__doc__": f"Links a {host_field} to a {target_field}: who linked them, and when.",
        host_field: models.ForeignKey(host, models.CASCADE, related_name=f"{target_field}_links"),
        target_field: models.ForeignKey(target, models.CASCADE, related_name=f"{host_field}_links"),
        "created_at": models.DateTimeField(auto_now_add=True),
        "created_by": models.ForeignKey(
            "User", models.PROTECT, related_name="+", default=_uid.current_user_id
        ),
        "Meta": meta,
    }
    return type(f"{host}{target}", (models.Model,), fields)


LINKS: dict[tuple[str, str], type[models.Model]] = {
    **{(host, "Project"): _link_table(host, "Project") for host in PROJECT_HOSTS},
    **{(host, "Reference"): _link_table(host, "Reference") for host in REFERENCE_HOSTS},
}
for (_host, _target), _table in LINKS.items():  # Django finds models by module attribute
    globals()[_table.__name__] = _table


def project_of(project: Project | str | None) -> Project | None:
    """A project by record, name or uid (``ln.track(project=...)``); it must exist.

    Example:
        >>> atlas = ln.Project(name="Atlas").save()
        >>> project_of("Atlas") == project_of(atlas.uid) == atlas
        True
    """
    if project is None or isinstance(project, Project):
        return project
    if not isinstance(project, str):
        raise InvalidArgument(f"project={project!r}: give a Project, or a project's name or uid.")
    found = Project.objects.filter(models.Q(name=project) | models.Q(uid=project)).first()
    if found is None:
        raise NotFound(
            f"No project is named {project!r}. Create it first: ln.Project(name={project!r}).save()"
        )
    return found


def link_to_tracked_project(records: list[Any]) -> None:
    """Link newly saved records of the tracked run to the project ``ln.track()`` was given
    (one INSERT for all of them; records of other runs are left alone)."""
    tracked = session.tracked
    project, run = tracked.project, tracked.run
    if project is None or run is None or not records:
        return
    model = type(records[0])
    if model._meta.label not in ("lineagedb.Artifact", "lineagedb.Collection"):
        return
    table = LINKS[(model.__name__, "Project")]
    field = model.__name__.lower()
    rows = [
        table(**{f"{field}_id": record.pk, "project_id": project.pk})
        for record in records
        if record.run_id == run.pk
    ]
    table.objects.bulk_create(rows, ignore_conflicts=True)
