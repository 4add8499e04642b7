"""lineagedb: a queryable, versioned registry of files, folders and arrays, with provenance.

Importing lineagedb is cheap and connects to nothing: Django, pandas and
fsspec load on first use, and the registries (``ln.Artifact``, …) connect
to the last used instance when first touched.

Example (not run here: the tutorial's own session):
    >>> import lineagedb as ln
    >>> ln.setup.init(storage="./lamin-tutorial")  # the tutorial's own session  # doctest: +SKIP
    >>> ln.Artifact("lamin-tutorial/iris_studies/study0/meta.csv").save()  # doctest: +SKIP
    >>> ln.Artifact.df()  # the tutorial's own session  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lineagedb import errors
from lineagedb._base.session import session as _current_session
from lineagedb._base.settings import settings

if TYPE_CHECKING:
    from upath import UPath

    from lineagedb import core, curators, datasets, setup
    from lineagedb.curators import Annotate
    from lineagedb.models import (
        Artifact,
        Collection,
        Feature,
        FeatureSet,
        Project,
        Reference,
        Run,
        Schema,
        Storage,
        Transform,
        ULabel,
        User,
        save,
    )
    from lineagedb.models import (
        SheetRecord as Record,
    )
    from lineagedb.setup import connect
    from lineagedb.tracking import finish, flow, step, track

__version__ = "0.1.0"

__all__ = [
    "Annotate",
    "Artifact",
    "Collection",
    "Feature",
    "FeatureSet",
    "Project",
    "Record",
    "Reference",
    "Run",
    "Schema",
    "Storage",
    "Transform",
    "ULabel",
    "UPath",
    "User",
    "connect",
    "core",
    "curators",
    "datasets",
    "errors",
    "finish",
    "flow",
    "save",
    "settings",
    "setup",
    "step",
    "track",
    "ui",
    "view",
]

_REGISTRIES = {
    "Artifact",
    "Collection",
    "Feature",
    "FeatureSet",
    "Project",
    "Record",
    "Reference",
    "Run",
    "Schema",
    "Storage",
    "Transform",
    "ULabel",
    "User",
    "save",
}


def view(limit: int = 7, schema: str | None = None, registries: list[str] | None = None) -> None:
    """Print the newest records of each registry of the connected instance.

    Args:
        limit: How many records per registry.
        schema: The schema module whose registries to show: ``"core"``, one of
            the instance's modules (``"bionty"``), or None for all.
        registries: Which registries, e.g. ``["Artifact", "Run"]``; all by default.

    Example:
        >>> import lineagedb as ln
        >>> ln.view(limit=3, registries=["Artifact"])  # session  # doctest: +SKIP
        >>> ln.view(schema="bionty")  # the tutorial's own session  # doctest: +SKIP
    """
    from lineagedb._base.session import session

    session.ensure_connected()
    instance = session.instance
    assert instance is not None
    if schema not in (None, "core", *instance.modules):
        raise errors.InvalidArgument(
            f"ln.view(schema={schema!r}): this instance has the schema modules "
            f"{['core', *instance.modules]}."
        )
    from django.apps import apps

    from lineagedb import models
    from lineagedb.display.view import REGISTRIES
    from lineagedb.display.view import view as print_view
    from lineagedb.setup._modules import resolve

    by_name: dict[str, Any] = {}
    if schema in (None, "core"):
        by_name.update({name: apps.get_model("lineagedb", name) for name in REGISTRIES})
    for name in instance.modules:
        if schema in (None, name):
            for model in apps.get_app_config(resolve(name, extras=False).label).get_models():
                if issubclass(model, models.SQLRecord):
                    by_name[model.__name__] = model
    print_view(by_name, limit, registries)


def _reconnect() -> None:
    from lineagedb.setup._connect import reconnect

    reconnect()


def _open_other(name: str) -> str:
    from lineagedb.setup._other import other_database

    return other_database(name)


def _default_storage() -> Any:
    from lineagedb.setup._storage import default_storage_path

    return default_storage_path()


def _switch_storage(root: Any) -> None:
    from lineagedb.setup._storage import switch_default_storage

    switch_default_storage(root)


# Records and ln.track() in a new process connect to the last used instance;
# importing setup (and Django) waits until then.
_current_session.reconnect = _reconnect
_current_session.open_other = _open_other
settings._storage_hooks = (_default_storage, _switch_storage)


def __getattr__(name: str) -> Any:
    if name in _REGISTRIES:
        from lineagedb.setup import settings as setup_settings

        setup_settings._ensure_connected()  # imports setup: it connects on first use
        models = importlib.import_module("lineagedb.models")
        value = getattr(models, "SheetRecord" if name == "Record" else name)
        return value  # not cached: every access checks the connection
    if name in ("setup", "datasets", "core"):
        value = importlib.import_module(f"lineagedb.{name}")
    elif name in ("curators", "Annotate"):
        from lineagedb.setup import settings as setup_settings

        setup_settings._ensure_connected()  # curators use the registries
        curators = importlib.import_module("lineagedb.curators")
        return curators if name == "curators" else curators.Annotate
    elif name == "connect":
        from lineagedb.setup import connect as value
    elif name == "ui":
        from lineagedb.ui import serve as value
    elif name in ("track", "finish", "flow", "step"):
        value = getattr(importlib.import_module("lineagedb.tracking"), name)
    elif name == "UPath":
        from upath import UPath as value

        from lineagedb.storage.tree import install

        install()
    else:
        raise AttributeError(f"module 'lineagedb' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
