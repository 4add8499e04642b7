"""Run: one execution of a transform, with its inputs."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from lineagedb.errors import InvalidArgument, WrongType
from lineagedb.models import _uid
from lineagedb.models.record import Record


class Run(Record):
    """An execution of a Transform; knows its status, parameters, report, environment and inputs.

    ``status`` is ``started``, ``completed``, ``errored`` or ``aborted`` for a
    run of ``ln.track()``; ``params`` holds ``ln.track(params=...)``.

    Example:
        >>> import lineagedb as ln
        >>> ln.Run.filter(transform__name="My pipeline").count()
        1
        >>> ln.Run.filter(params__normalisation="log", status="completed").count()
        0
    """

    _repr_exclude = ("created_at", "json")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from lineagedb.models.transform import Transform

        if len(args) > 1:
            raise WrongType(
                f"Run() takes one positional argument, the transform; got {len(args)}. "
                "Pass the others by keyword: ln.Run(transform, params={...})."
            )
        transform = kwargs.pop("transform", args[0] if args else None)
        if transform is None:
            raise WrongType(
                "Run() needs the transform it executes: ln.Run(transform) or "
                "ln.Run(transform=transform)."
            )
        if not isinstance(transform, Transform):
            raise WrongType(
                f"Run() takes a Transform, not a {type(transform).__name__} ({transform!r})."
            )
        transform._check_instance()
        if transform._state.adding:
            raise InvalidArgument(
                f"Transform {transform.name!r} (uid {transform.uid}) is not saved; "
                "save it first: transform.save()."
            )
        super().__init__(transform=transform, **kwargs)

    uid = models.CharField(max_length=20, unique=True, default=_uid.run_uid)
    transform = models.ForeignKey("Transform", models.CASCADE, related_name="runs")
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_by = models.ForeignKey("User", models.PROTECT, related_name="+")
    json = models.JSONField(null=True, blank=True)
    report = models.ForeignKey("Artifact", models.SET_NULL, null=True, blank=True, related_name="+")
    environment = models.ForeignKey(
        "Artifact", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_consecutive = models.BooleanField(null=True, blank=True)
    # started → completed | errored (an uncaught exception) | aborted (killed or
    # interrupted; found on the next connect). None: a run made without ln.track().
    status = models.CharField(max_length=16, null=True, blank=True, db_index=True)
    params = models.JSONField(null=True, blank=True)
    # "<host>:<pid>" of the tracking process, while it runs: how connect finds aborted runs.
    _process = models.CharField(max_length=255, null=True, blank=True)
    reference = models.CharField(max_length=255, null=True, blank=True)
    reference_type = models.CharField(max_length=25, null=True, blank=True)
    # The run that started this one: a flow's (or a tracked script's) for a step (LaminDB 2).
    initiated_by_run = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="initiated_runs"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    input_artifacts = models.ManyToManyField("Artifact", related_name="input_of_runs", blank=True)
    input_collections = models.ManyToManyField(
        "Collection", related_name="input_of_runs", blank=True
    )

    @property
    def features(self) -> Any:
        """The run's feature values (LaminDB 2): ``add_values({...})``, ``get_values()``.

        Example:
            >>> _ = ln.Feature(name="seed", dtype="int").save()
            >>> run = ln.Run(ln.Transform(name="Train").save()).save()
            >>> run.features.add_values({"seed": 42})
            >>> run.features.get_values()
            {'seed': 42}
        """
        from lineagedb.models.run_features import RunFeatures

        return RunFeatures(self)

    _lineage_shape = "ellipse"

    def _lineage_label(self) -> str:
        when = self.started_at.strftime("%Y-%m-%d %H:%M")
        return f"{self.transform.name}\\n{self.transform.type} run {when}"

    def _provenance_run(self) -> Run:
        return self
