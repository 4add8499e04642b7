"""Schema modules: the registries an instance has beyond the core ones.

``ln.setup.init(storage=..., schema="bionty,mylab")`` (LaminDB 2 spells it
``modules=``) names them. Each name is a Django app: ``bionty`` is
lineagedb's own (``lineagedb.bionty``); any other name is the importable
package ``lnschema_<name>`` or ``<name>`` (dashes become underscores). The
names are stored with the instance; connecting loads the same apps, and each
app's migrations run on the instance's database.

Example:
    >>> parse("bionty, mylab")
    ['bionty', 'mylab']
    >>> resolve("bionty").package
    'lineagedb.bionty'
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from lineagedb.errors import InvalidArgument

# Modules that ship with lineagedb: name → package.
BUILTIN = {"bionty": "lineagedb.bionty"}
# Names no module may have: the core app's label, and Django's own.
_RESERVED = {"lineagedb", "django", "lnschema_core"}
# What the built-in modules need beyond lineagedb itself: module → (import name, extra).
_NEEDS = {"bionty": ("cellxgene_ontology_guide", "bionty")}


@dataclass(frozen=True)
class Module:
    """A schema module: its name as stored with the instance and its Django app package.

    Example:
        >>> Module(name="mylab", package="lnschema_mylab").label
        'lnschema_mylab'
    """

    name: str
    package: str

    @property
    def label(self) -> str:
        """The Django app label: the package's last component (``bionty`` for ours)."""
        return self.package.rsplit(".", 1)[-1]


def parse(schema: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """The module names in ``schema`` ("bionty,mylab" or a list), in order, without ``core``.

    Example:
        >>> parse(["core", "bionty", "bionty"])
        ['bionty']
    """
    if schema is None:
        return []
    if isinstance(schema, str):
        items = schema.split(",")
    elif isinstance(schema, (list, tuple)):
        items = list(schema)
    else:
        raise InvalidArgument(
            f"schema must be a comma-separated string such as 'bionty,mylab' or a list of "
            f"names, not {type(schema).__name__}."
        )
    names = []
    for item in items:
        if not isinstance(item, str):
            raise InvalidArgument(f"A schema module is named by a string, not {item!r}.")
        name = item.strip()
        if name and name != "core" and name not in names:
            names.append(name)
    return names


def _importable(package: str) -> bool:
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):  # a parent package that is missing or broken
        return False


def resolve(name: str, extras: bool = True) -> Module:
    """The module called ``name``; ImportError naming the packages tried if none is installed.

    ``extras=False`` skips the check for what a built-in module needs beyond
    lineagedb (connecting to an instance works without bionty's ontologies;
    only ``public()`` of an ontology needs them, and says so).

    Example:
        >>> resolve("no-such-module")
        Traceback (most recent call last):
        ...
        ImportError: Python package for 'no-such-module' is not installed, tried two package names: ['lnschema_no_such_module', 'no_such_module']. Install it, or write one with `lineagedb module new no-such-module`.
    """  # noqa: E501
    if name in BUILTIN:
        needed, extra = _NEEDS[name]
        if extras and not _importable(needed):
            raise ImportError(
                f"The {name!r} module needs its public ontologies (the package "
                f"{needed.replace('_', '-')}): pip install 'lineagedb[{extra}]'."
            )
        return Module(name=name, package=BUILTIN[name])
    normalized = name.replace("-", "_")
    if normalized in _RESERVED:
        raise InvalidArgument(
            f"{name!r} is not a schema module: lineagedb's core registries are always there "
            "(core), and a module may not take the name of lineagedb or Django."
        )
    tried = [f"lnschema_{normalized}", normalized]
    for package in tried:
        if _importable(package):
            if not _importable(f"{package}.models"):
                # json, numpy, ...: importable, but no registries to add.
                raise InvalidArgument(
                    f"The package {package!r} is not a schema module: it has no 'models' "
                    f"module of registries. Write one with `lineagedb module new {name}`."
                )
            return Module(name=name, package=package)
    raise ImportError(
        f"Python package for {name!r} is not installed, tried two package names: {tried}. "
        f"Install it, or write one with `lineagedb module new {name}`."
    )


def name_of_label(label: str) -> str:
    """The module name of a Django app label (``lnschema_mylab`` → ``mylab``).

    Example:
        >>> name_of_label("lnschema_mylab"), name_of_label("bionty")
        ('mylab', 'bionty')
    """
    return label.removeprefix("lnschema_")


def resolve_all(names: list[str] | tuple[str, ...], extras: bool = True) -> list[Module]:
    """Every module of ``names``, resolved before anything is created.

    Example:
        >>> [module.label for module in resolve_all(["bionty"])]
        ['bionty']
    """
    return [resolve(name, extras) for name in names]
