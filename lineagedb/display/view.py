"""``ln.view()``: the latest records of every registry."""

from __future__ import annotations

REGISTRIES = ("Artifact", "Collection", "Run", "Storage", "Transform", "User")


def view(n: int = 7, registries: tuple[str, ...] = REGISTRIES) -> None:
    """Print the ``n`` newest records of each registry that has any.

    Example:
        >>> import lineagedb as ln
        >>> ln.view()  # doctest: +SKIP
        Artifact
        ...
    """
    import pandas as pd

    from lineagedb import models

    with pd.option_context("display.max_columns", None, "display.width", 250):
        for name in registries:
            registry = getattr(models, name)
            frame = registry.filter().order_by("-id")[:n].df()
            if len(frame):
                print(name)
                print(frame.to_string())
                print()
