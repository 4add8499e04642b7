"""Feature values of runs (LaminDB 2): ``run.features.add_values({...})``, ``get_values()``,
and ``ln.Run.filter(<feature>=...)`` — a run's settings, metrics and conditions, shared
with artifacts' values (one FeatureValue per value of a feature).

Example:
    >>> _ = ln.Feature(name="learning_rate", dtype="num").save()
    >>> run.features.add_values({"learning_rate": 0.01})
    >>> ln.Run.filter(learning_rate__lt=0.1).one() == run
    True
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from lineagedb.errors import InvalidArgument, WrongType
from lineagedb.models.annotations.feature import Feature
from lineagedb.models.annotations.links import RunFeatureValue
from lineagedb.models.annotations.values import stored_values, value_rows


class RunFeatures:
    """``run.features``: the run's feature values (numbers, text, flags, dates, dicts).

    Example:
        >>> _ = ln.Feature(name="epochs", dtype="int").save()
        >>> run.features.add_values({"epochs": 3})
        >>> run.features.get_values()
        {'epochs': 3}
    """

    def __init__(self, run: Any) -> None:
        self._run = run

    def add_values(self, values: dict[str, Any]) -> None:
        """Annotate the run with values of registered features; each is checked first.

        Example:
            >>> _ = ln.Feature(name="batch_size", dtype="int").save()
            >>> run.features.add_values({"batch_size": "big"})
            Traceback (most recent call last):
            lineagedb.errors.InvalidArgument: Feature 'batch_size' has type 'number'; ...
        """
        if self._run._state.adding:
            raise InvalidArgument("Save the run first: run.save(), then add its values.")
        with transaction.atomic():
            links = [
                RunFeatureValue(run_id=self._run.pk, featurevalue=value)
                for value in stored_values(checked_rows(values))
            ]
            RunFeatureValue.objects.bulk_create(links, ignore_conflicts=True)

    def remove_values(self, feature: Feature | str) -> None:
        """Remove the run's values of ``feature`` (a record or a name).

        Example:
            >>> run.features.remove_values("epochs")
        """
        name = feature if isinstance(feature, str) else feature.name
        RunFeatureValue.objects.filter(
            run_id=self._run.pk, featurevalue__feature__name=name
        ).delete()

    def get_values(self) -> dict[str, Any]:
        """The run's values by feature name (a list where a feature has several).

        Example:
            >>> run.features.get_values()
            {}
        """
        found: dict[str, list[Any]] = {}
        pairs = RunFeatureValue.objects.filter(run_id=self._run.pk).values_list(
            "featurevalue__feature__name", "featurevalue__value"
        )
        for name, value in pairs:
            found.setdefault(name, []).append(value)
        return {
            name: (sorted(items, key=str) if len(items) > 1 else items[0])
            for name, items in sorted(found.items())
        }


def checked_rows(values: Any) -> list[Any]:
    """The value rows of ``values`` ({feature name: value}), every one checked; nothing is
    written (``ln.track(features=...)`` checks them before it starts the run).

    Example:
        >>> checked_rows({"nothing": 1})
        Traceback (most recent call last):
        lineagedb.errors.InvalidArgument: No Feature is named ['nothing']; ...
    """
    if not isinstance(values, dict):
        raise WrongType(f"Run features are a dict {{feature name: value}}, not {values!r}.")
    features = {f.name: f for f in Feature.objects.filter(name__in=list(values))}
    missing = [name for name in values if name not in features]
    if missing:
        raise InvalidArgument(
            f"No Feature is named {missing}; register them first, e.g. "
            f"ln.Feature(name={missing[0]!r}, dtype='num').save()."
        )
    rows = []
    for name, value in values.items():
        if features[name].type == "category":
            raise InvalidArgument(
                f"Feature {name!r} is a category: runs hold values (numbers, text, flags, "
                "dates, dicts), not labels. Use a feature of dtype 'str' for it."
            )
        rows.extend(value_rows(features[name], value))
    return rows
