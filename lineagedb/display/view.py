"""``ln.view()``: the latest records of every registry."""

from __future__ import annotations

from typing import Any

REGISTRIES = (
    "Artifact",
    "Collection",
    "Run",
    "Storage",
    "Transform",
    "User",
    "ULabel",
    "Feature",
    "FeatureSet",
    "Project",
    "Reference",
    "Record",
)


def view(
    by_name: dict[str, Any], limit: int = 7, registries: list[str] | tuple[str, ...] | None = None
) -> None:
    """Print the ``limit`` newest records of each registry that has any.

    ``by_name`` maps registry names to registries (the caller's models), in
    the order to show them.
    Link tables are not shown. ``registries`` restricts the output, e.g.
    ``["Artifact", "Run"]``.

    Example:
        >>> import lineagedb as ln
        >>> ln.view()
        Artifact
        ...
    """
    import pandas as pd

    names = list(registries) if registries is not None else list(by_name)
    unknown = [name for name in names if name not in by_name]
    if unknown:
        from lineagedb.errors import InvalidArgument

        raise InvalidArgument(
            f"Unknown registry {', '.join(map(repr, unknown))}. Use some of {', '.join(by_name)}."
        )
    with pd.option_context(
        "display.max_columns", None, "display.width", 250, "display.max_colwidth", 40
    ):
        for name in names:
            registry = by_name[name]
            frame = registry.filter().order_by("-id")[:limit].df()
            if len(frame):
                print(name)
                print(frame.to_string())
                print()
