"""Transform: the code (script, notebook, pipeline, app) that makes data."""

from __future__ import annotations

from typing import Any

from django.db import models

from lineagedb._base.logger import logger
from lineagedb.errors import InvalidArgument
from lineagedb.models import _uid
from lineagedb.models.versioning import VersionedRecord

TRANSFORM_TYPES = [(name, name) for name in ("notebook", "script", "pipeline", "app", "function")]


class Transform(VersionedRecord):
    """A data transformation: a notebook, script, pipeline or app.

    ``is_new_version_of=`` (alias ``revises=``) makes the next version of a
    transform: same 12-character uid stem, name, key and type unless given.

    Example:
        >>> import lineagedb as ln
        >>> ln.Transform(name="Normalise", version="1.2.0").save().type
        'pipeline'
    """

    _search_fields = ("name", "key")
    _name_field = "name"
    _repr_exclude = ("created_at", "is_latest")
    _stem_length = 12
    _delete_with_rules = True

    uid = models.CharField(max_length=16, unique=True, default=_uid.transform_uid)
    name = models.CharField(max_length=150, db_index=True)
    key = models.CharField(max_length=255, null=True, blank=True, db_index=True)
    version = models.CharField(max_length=30, null=True, blank=True, db_index=True)
    description = models.TextField(null=True, blank=True)
    type = models.CharField(
        max_length=20, choices=TRANSFORM_TYPES, default="pipeline", db_index=True
    )
    latest_report = models.ForeignKey(
        "Artifact", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_code = models.ForeignKey(
        "Artifact", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reference = models.CharField(max_length=255, null=True, blank=True)
    reference_type = models.CharField(max_length=25, null=True, blank=True)
    is_latest = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey("User", models.PROTECT, related_name="+")
    # Upstream transforms (LaminDB 0.70): set by hand (.parents.add/set), and added when a
    # run uses an output of another transform's run as its input.
    parents = models.ManyToManyField("self", symmetrical=False, related_name="children", blank=True)

    def __init__(
        self,
        *args: Any,
        is_new_version_of: Transform | None = None,
        revises: Transform | None = None,
        **fields: Any,
    ) -> None:
        if args:
            super().__init__(*args)  # raises: fields go by name
        previous = self._check_revises(is_new_version_of or revises, fields.get("version"))
        if previous is not None:
            for name in ("name", "key", "type", "description"):
                fields.setdefault(name, getattr(previous, name))
        elif "name" in fields and "uid" not in fields:
            existing = Transform.objects.filter(
                name=fields["name"], version=fields.get("version")
            ).first()
            if existing is not None:
                super().__init__()
                self._become(existing)
                logger.info(f"returning existing transform with same name and version: {self}")
                return
        super().__init__(**fields)
        if previous is not None:
            self._preview_version(previous)

    def view_parents(self, with_children: bool = False, distance: int = 5) -> Any:
        """A graph of the transforms upstream of this one (and downstream, if asked).

        Returns a ``graphviz.Digraph`` like ``view_lineage()``: SVG in
        Jupyter, ``.source`` is the DOT text.

        Example:
            >>> print(transform.view_parents().source)
            digraph parents {
                graph [rankdir=TB]
                node [fontsize=10]
                Transform_1 [label="My pipeline (v1.2.0)
            pipeline" fillcolor="#fde68a" shape=box style=filled]
            }
            <BLANKLINE>
        """
        from lineagedb.display.lineage import parents_graph

        def label(transform: Transform) -> str:
            version = f" (v{transform.version})" if transform.version else ""
            return f"{transform.name}{version}\n{transform.type}"

        return parents_graph(
            self,
            lambda t: list(t.parents.all()),
            label,
            distance,
            (lambda t: list(t.children.all())) if with_children else None,
        )

    def delete(self, force: bool = False) -> None:  # type: ignore[override]
        """Delete the transform, its runs, and their source code, reports and environments.

        Refuses, listing them, when its runs produced artifacts that are still
        registered; ``force=True`` deletes anyway and keeps those artifacts,
        unlinked from the deleted runs.

        Example:
            >>> transform.delete()
        """
        from django.db import transaction
        from django.db.models import Q

        from lineagedb.models.artifact import Artifact
        from lineagedb.models.run import Run

        runs = list(self.runs.all())
        bookkeeping = {self.source_code_id, self.latest_report_id}
        bookkeeping |= {run.report_id for run in runs} | {run.environment_id for run in runs}
        bookkeeping.discard(None)
        outputs = Artifact.objects.filter(run__in=runs).exclude(pk__in=bookkeeping)
        if outputs.exists() and not force:
            names = [a.key or a.description or a.uid for a in outputs[:5]]
            raise InvalidArgument(
                f"Transform {self.uid} has runs that produced {outputs.count()} registered "
                f"artifact(s), e.g. {', '.join(map(repr, names))}. Delete them first, or pass "
                "force=True to delete the transform and keep them."
            )
        stem = self.stem_uid
        with transaction.atomic():
            models.Model.delete(self)
        for artifact in Artifact.objects.filter(pk__in=bookkeeping):
            still_used = (
                Run.objects.filter(Q(environment=artifact) | Q(report=artifact)).exists()
                or Transform.objects.filter(
                    Q(source_code=artifact) | Q(latest_report=artifact)
                ).exists()
            )
            if not still_used:
                artifact._delete_permanently(storage=None)
        self._refresh_latest(stem)
        logger.success(f"deleted transform {self.uid} and its {len(runs)} run(s)")
