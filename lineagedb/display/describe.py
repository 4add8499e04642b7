"""``record.describe()``: the record, then the records it links to."""

from __future__ import annotations

from typing import Any

from lineagedb.display.format import format_value

MAX_INPUTS = 10
# Foreign keys shown under "Provenance:", in this order, when set.
PROVENANCE_FIELDS = ("storage", "transform", "run", "created_by")


def summary(record: Any, *, with_updated_at: bool = False) -> str:
    """A record as one line: its non-empty own fields, no foreign keys.

    Example:
        >>> summary(artifact)  # doctest: +SKIP
        "Artifact(uid='Jcs76l0nQW6Oi1go0aeP', key='meta.csv', suffix='.csv', ...)"
    """
    parts = []
    for field in record._meta.concrete_fields:
        if field.is_relation or field.name in ("id", "updated_at", *record._repr_exclude):
            continue
        value = record.__dict__.get(field.attname)
        if value is not None:
            parts.append(f"{field.name}={format_value(value)}")
    if with_updated_at and record.__dict__.get("updated_at") is not None:
        parts.append(f"updated_at={format_value(record.updated_at)}")
    return f"{type(record).__name__}({', '.join(parts)})"


def describe(record: Any) -> str:
    """The text ``describe()`` prints: the record, then its provenance.

    Works on unsaved records too: links that are not set are left out.

    Example:
        >>> print(describe(artifact))  # doctest: +SKIP
    """
    lines = [summary(record, with_updated_at=True)]
    linked = []
    for name in PROVENANCE_FIELDS:
        if not any(field.name == name for field in record._meta.concrete_fields):
            continue
        if getattr(record, f"{name}_id") is None:
            continue
        linked.append(f"  📎 {name}: {summary(getattr(record, name))}")
    if linked:
        lines += ["", "Provenance:", *linked]
    run = record if type(record).__name__ == "Run" else getattr(record, "run", None)
    if run is not None and run.pk is not None:
        inputs = [
            *run.input_artifacts.all()[:MAX_INPUTS],
            *run.input_collections.all()[:MAX_INPUTS],
        ]
        if inputs:
            lines += ["", "Inputs of the run:" if run is not record else "Inputs:"]
            lines += [f"  ⬇ {summary(item)}" for item in inputs]
    return "\n".join(lines)


def print_describe(record: Any) -> None:
    """Print :func:`describe` with rich: highlighted in terminals and Jupyter, plain when piped.

    Example:
        >>> print_describe(artifact)  # doctest: +SKIP
    """
    from rich.console import Console

    Console(soft_wrap=True).print(describe(record), markup=False)
