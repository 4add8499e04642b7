"""``ln.view()``: the latest records of every registry."""

from __future__ import annotations

REGISTRIES = ("Artifact", "Collection", "Run", "Storage", "Transform", "User")


def view(limit: int = 7, registries: list[str] | tuple[str, ...] | None = None) -> None:
    """Print the ``limit`` newest records of each registry that has any.

    Link tables are not shown. ``registries`` restricts the output, e.g.
    ``["Artifact", "Run"]``.

    Example:
        >>> import lineagedb as ln
        >>> ln.view()  # doctest: +SKIP
        Artifact
        ...
    """
    import pandas as pd

    from lineagedb import models

    names = list(registries) if registries is not None else list(REGISTRIES)
    unknown = [name for name in names if name not in REGISTRIES]
    if unknown:
        from lineagedb.errors import InvalidArgument

        raise InvalidArgument(
            f"Unknown registry {', '.join(map(repr, unknown))}. "
            f"Use some of {', '.join(REGISTRIES)}."
        )
    with pd.option_context(
        "display.max_columns", None, "display.width", 250, "display.max_colwidth", 40
    ):
        for name in names:
            registry = getattr(models, name)
            frame = registry.filter().order_by("-id")[:limit].df()
            if len(frame):
                print(name)
                print(frame.to_string())
                print()
