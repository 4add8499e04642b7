"""Registries by the names people type: ``artifact``, ``ULabel``, ``bionty.CellType``,
``bt.CellType`` — one resolver for the command line and the UI.

Example:
    >>> registry_by_name("ulabel").__name__
    'ULabel'
    >>> [m.__name__ for m in every_registry()][:3]
    ['Artifact', 'Collection', 'Run']
"""

from __future__ import annotations

from typing import Any

from lineagedb.display.view import REGISTRIES
from lineagedb.errors import NotFound

CORE = REGISTRIES  # the core registries, in the order views list them
_MODULES = {"bt": "bionty"}  # LaminDB's short name of the bionty module


def registry_by_name(name: str) -> Any:
    """The registry a name stands for: a core one in any case, or ``module.Registry``.

    Example:
        >>> registry_by_name("Artifact").__name__
        'Artifact'
    """
    from django.apps import apps

    by_lower = {core.lower(): core for core in CORE}
    if name.lower() in by_lower:
        return apps.get_model("lineagedb", by_lower[name.lower()])
    module, _, class_name = name.partition(".")
    try:
        return apps.get_model(_MODULES.get(module, module), class_name)
    except (LookupError, ValueError):
        known = [qualified(m) for m in every_registry()]
        raise NotFound(
            f"No registry {name!r} in this instance; it has {', '.join(known)}."
        ) from None


def module_registries() -> list[Any]:
    """The registries of the instance's schema modules (bionty's, a lab's own).

    Example:
        >>> module_registries()  # the doctest instance has no module
        []
    """
    from django.apps import apps

    return [
        model
        for model in apps.get_models()
        if model._meta.app_label not in ("lineagedb", "contenttypes", "auth")
        and getattr(model, "_name_field", None)
    ]


def every_registry() -> list[Any]:
    """The core registries, then every module registry.

    Example:
        >>> len(every_registry()) >= 9
        True
    """
    return [registry_by_name(name) for name in CORE] + module_registries()


def qualified(model: Any) -> str:
    """The name the UI and the CLI give a registry: ``Artifact``, ``bionty.CellType``.

    Example:
        >>> qualified(registry_by_name("ulabel"))
        'ULabel'
    """
    label = model._meta.app_label
    return str(model.__name__) if label == "lineagedb" else f"{label}.{model.__name__}"
