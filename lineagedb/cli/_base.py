"""The ``lineagedb`` group: global options, error handling, and what the commands share.

Example:
    >>> from lineagedb.cli._base import main
    >>> main.name
    'main'
"""

from __future__ import annotations

import json
from typing import Any

import click

from lineagedb.display.table import json_value
from lineagedb.errors import LineageDBError, NotFound

REGISTRIES = (
    "artifact",
    "collection",
    "run",
    "storage",
    "transform",
    "user",
    "ulabel",
    "feature",
    "featureset",
    "project",
    "reference",
    "record",
)
# What `ls` shows of each registry unless --columns says otherwise: what tells
# records apart, in 80-120 columns; JSON fields (run parameters) stay out of cells.
DEFAULT_COLUMNS = {
    "artifact": ("uid", "key", "description", "suffix", "size", "version", "created_at"),
    "collection": ("uid", "name", "version", "description", "created_at"),
    "run": ("uid", "transform__key", "status", "started_at", "finished_at"),
    "transform": ("uid", "key", "name", "version", "type", "created_at"),
    "storage": ("uid", "root", "type", "region"),
    "user": ("uid", "handle", "name"),
    "ulabel": ("uid", "name", "description"),
    "feature": ("uid", "name", "type", "unit"),
    "featureset": ("uid", "name", "n", "type", "registry"),
    "project": ("uid", "name", "abbr", "start_date", "end_date", "created_at"),
    "reference": ("uid", "name", "doi", "url", "date", "created_at"),
    "record": ("uid", "name", "type__name", "is_type", "created_at"),
}


def _ln() -> Any:
    import lineagedb

    return lineagedb


def _at_most(default: int, what: str, minimum: int = 0) -> dict[str, Any]:
    """Settings of a --limit option: a whole number, refused below ``minimum``."""
    return {
        "default": default,
        "show_default": True,
        "type": click.IntRange(min=minimum),
        "help": f"At most this many {what}.",
    }


class RegistryName(click.ParamType):
    """A registry as the command line names it: a core one in any case (``ulabel``), or a
    module's as ``module.Registry`` (``bionty.CellType``, ``bt.CellType``, ``mylab.Sample``).

    Module registries are checked once the instance is connected (``_registry``).
    """

    name = "registry"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[" + "|".join(REGISTRIES) + "|module.Registry]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if text.lower() in REGISTRIES:
            return text.lower()
        module, dot, name = text.partition(".")
        if dot and module and name.isidentifier():
            return text
        self.fail(
            f"{text!r} is no registry: use one of {', '.join(REGISTRIES)}, "
            "or a module's as module.Registry (bionty.CellType)",
            param,
            ctx,
        )


REGISTRY = RegistryName()


def _registry(name: str) -> Any:
    """The registry class a command-line name stands for (connects for module registries)."""
    _ln().Artifact  # noqa: B018 - connects the instance, so its modules' registries load
    from lineagedb.models.registry_names import registry_by_name

    return registry_by_name(name)


# Where `describe`, `lineage` and `restore` look for a uid (or key, or name), in this order.
_FINDABLE = {"artifact": "key", "collection": "name", "run": None, "transform": "key"}


def _record(uid_or_key: str, registry: str | None = None, *, trash: bool = True) -> Any:
    """A record of any findable registry by uid, uid prefix, key or name (latest version).

    Keys and names find trashed records too unless ``trash=False``; a uid always does.
    """
    from lineagedb._base.identifiers import refuse_blank
    from lineagedb.errors import MultipleFound

    names = [registry.lower()] if registry else list(_FINDABLE)
    refuse_blank(uid_or_key, "uid or key", names[0])
    for name in names:
        model = _registry(name)
        by_name = _FINDABLE.get(name, model._name_field)
        if by_name is not None:
            fields = {f.name for f in model._meta.concrete_fields}
            with_trash = {"visibility": None} if trash and "visibility" in fields else {}
            query = model.filter(**{by_name: uid_or_key}, **with_trash)
            if "is_latest" in fields:
                query = query.order_by("-is_latest", "-id")
            found = query.first()
            if found is not None:
                return found
        try:
            return model.get(uid_or_key)
        except NotFound:
            continue
        except MultipleFound:
            raise NotFound(
                f"{uid_or_key!r} starts several {model.__name__} uids; give more characters."
            ) from None
    where = ", ".join(names)
    raise NotFound(
        f"No {where} has uid or key/name {uid_or_key!r}. List them with: lineagedb ls {names[0]}"
    )


def _artifact(uid_or_key: str) -> Any:
    """An artifact by uid, unique uid prefix, or key (the latest version for a key)."""
    return _record(uid_or_key, "artifact", trash=False)


def _quiet() -> bool:
    """Whether -q was given (before or after the subcommand)."""
    return bool(click.get_current_context().find_root().params.get("quiet"))


def _rows(frame: Any) -> list[dict[str, Any]]:
    import pandas as pd

    def plain(value: Any) -> Any:
        # NaN and <NA> are null; numpy scalars become Python ones (integers stay integers).
        if not isinstance(value, (list, dict)) and pd.isna(value):
            return None
        return value.item() if hasattr(value, "item") else json_value(value)

    records = frame.reset_index().to_dict(orient="records")
    return [{key: plain(value) for key, value in row.items()} for row in records]


def _print_table(frame: Any, as_json: bool) -> None:
    if as_json:
        for row in _rows(frame):
            click.echo(json.dumps(row, default=str))
        return
    import pandas as pd

    with pd.option_context(
        "display.max_columns", None, "display.width", 250, "display.max_colwidth", 60
    ):
        click.echo(frame.to_string() if len(frame) else "(no records)")


# Options of the whole command that may also come after the subcommand.
GLOBAL_FLAGS = ("--debug", "--quiet", "-q")


class Group(click.Group):
    """Turns lineagedb errors into one line on stderr and exit code 1.

    ``--debug`` and ``-q`` work after the subcommand too (``lineagedb ls -q``), and
    ``--json`` before it (``lineagedb --json ls``).
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" in args:
            head, tail = args[: args.index("--")], args[args.index("--") :]
        else:
            head, tail = args, []
        hoisted = [arg for arg in head if arg in GLOBAL_FLAGS]
        rest = [arg for arg in head if arg not in GLOBAL_FLAGS]
        # --json before the subcommand (lineagedb --json ls) goes to the subcommand.
        if rest and rest[0] == "--json" and len(rest) > 1 and rest[1] in self.commands:
            rest = [rest[1], "--json", *rest[2:]]
        return super().parse_args(ctx, hoisted + rest + tail)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LineageDBError as error:
            if ctx.params.get("debug"):
                raise
            click.echo(f"error: {error}", err=True)
            ctx.exit(1)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
@click.option("--quiet", "-q", is_flag=True, help="Print errors and results only.")
@click.version_option(package_name="lineagedb")
def main(debug: bool, quiet: bool) -> None:
    """lineagedb: a registry of data files with provenance.

    Example:

        lineagedb init --storage ./lamin-tutorial && lineagedb save meta.csv
    """
    if quiet:
        _ln().settings.verbosity = "error"
    from lineagedb._base.session import session

    # Each command connects to the last instance: say so on init/connect only.
    session.reconnect = _quiet_reconnect
    session.tracked.said_untracked = True  # files registered from a shell: no script to track


def _quiet_reconnect() -> None:
    from lineagedb.setup._connect import reconnect

    reconnect(quiet=True)
