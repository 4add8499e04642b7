"""What each page of ``lineagedb ui`` shows, as plain data: the HTML renders it, and its
JSON twin (``?format=json``, ``/api/...``) is it.

Every query is read-only and pages by id (``before=``), so a page deep into a large
table costs what the first one does; trashed records stay hidden unless ``trash=1``.

Example:
    >>> home()["counts"]["Artifact"] >= 1
    True
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from lineagedb._base.session import session
from lineagedb.errors import InvalidArgument, NotFound
from lineagedb.models.query.fields import public_columns
from lineagedb.models.registry_names import every_registry, qualified, registry_by_name

PAGE = 50
MAX_HOPS = 10  # of lineage, either way, on a record's page
_RESERVED = {"q", "before", "limit", "format", "trash", "token", "order"}


def home() -> dict[str, Any]:
    """The instance, its storage and modules, counts per registry, the latest artifacts and runs.

    Example:
        >>> sorted(home())[:3]
        ['counts', 'instance', 'latest_artifacts']
    """
    from lineagedb.models import Artifact, Run

    instance = session.instance
    return {
        "instance": {
            "name": instance.name,
            "db": instance.db_display,  # a server's password is never shown
            "storage": session.storage_record.root,
            "modules": list(instance.modules),
        },
        "counts": {qualified(model): _visible(model).count() for model in every_registry()},
        "latest_artifacts": rows(Artifact, _visible(Artifact).order_by("-id")[:10]),
        "latest_runs": rows(Run, Run.objects.order_by("-id")[:10]),
    }


def table(name: str, params: dict[str, str]) -> dict[str, Any]:
    """A page of a registry: search (``q``), filters by field, label or feature, sorting, paging.

    ``before`` pages by id (newest first); ``order`` sorts by a field (``-size``)
    and pages by offset. Other parameters filter: ``suffix=.csv``,
    ``cell_type=T cell`` (a feature), ``ulabels__name=study0``.

    Example:
        >>> table("artifact", {"suffix": ".csv"})["rows"][0]["suffix"]
        '.csv'
    """
    model = registry_by_name(name)
    limit = _number(params.get("limit"), PAGE, "limit")
    query = _visible(model, params.get("trash") == "1")
    filters = {k: v for k, v in params.items() if k not in _RESERVED and v != ""}
    if filters:
        query = query.filter(**filters)
    columns = [c for c in public_columns(model) if c != "id"]
    if params.get("q"):
        found = query.search(params["q"], limit=limit, return_queryset=True)
        return _page(model, name, columns, list(found), params, next_before=None)
    order = params.get("order")
    if order:
        query = query.order_by(order, "-id")
        offset = _number(params.get("before"), 0, "before")
        records = list(query[offset : offset + limit + 1])
        more = offset + limit if len(records) > limit else None
        return _page(model, name, columns, records[:limit], params, next_before=more)
    if params.get("before"):
        query = query.filter(id__lt=_number(params["before"], 0, "before"))
    records = list(query.order_by("-id")[: limit + 1])
    more = records[limit - 1].pk if len(records) > limit else None
    return _page(model, name, columns, records[:limit], params, next_before=more)


def _page(
    model: Any,
    name: str,
    columns: list[str],
    records: list[Any],
    params: dict[str, str],
    next_before: int | None,
) -> dict[str, Any]:
    return {
        "registry": qualified(model),
        "slug": name,
        "columns": columns,
        "rows": rows(model, records, columns),
        "next_before": next_before,
        "params": {k: v for k, v in params.items() if k not in ("format", "token")},
    }


def record(name: str, uid: str, params: dict[str, str] | None = None) -> dict[str, Any]:
    """One record: its fields, its describe() text and what links to it.

    Artifacts add their collections, versions, labels and a preview; runs
    their inputs and outputs, report and environment; transforms their runs
    and parents; features their values. The lineage goes ``up=`` runs back
    (default: to the start) and ``down=`` hops forward (default 1).

    Example:
        >>> record("artifact", artifact.uid)["fields"]["uid"] == artifact.uid
        True
    """
    from lineagedb.models.annotations.summary import describe_text

    params = params or {}
    model = registry_by_name(name)
    found = model.objects.filter(uid=uid).first() if "uid" in public_columns(model) else None
    if found is None:
        raise NotFound(f"No {qualified(model)} has uid {uid!r}.")
    up = _number(params["up"], 0, "up", most=MAX_HOPS) if params.get("up") else None
    down = _number(params.get("down"), 1, "down", most=MAX_HOPS)
    page: dict[str, Any] = {
        "registry": qualified(model),
        "slug": name,
        "uid": uid,
        "title": str(getattr(found, model._name_field, None) or uid),
        "fields": rows(model, [found])[0],
        "describe": describe_text(found),
        "links": _links(found),
        "lineage_svg": _graph_svg(found, up, down),
        "hops": {"up": up, "down": down},
    }
    if model._meta.label == "lineagedb.Transform" and found.source_code_id is not None:
        page["source_code"] = _text_lines(found.source_code)
    columns = public_columns(model)
    for name in ("report", "latest_report", "environment", "source_code"):
        if f"{name}_id" in columns and getattr(found, f"{name}_id") is not None:
            page.setdefault("artifacts", {})[name] = getattr(found, name).uid
    report = page.get("artifacts", {})
    if "report" in report or "latest_report" in report:  # shown inline, sandboxed
        page["report_uid"] = report.get("report") or report["latest_report"]
    if model._meta.label == "lineagedb.Run" and found.environment_id is not None:
        page["environment"] = _text_lines(found.environment)
    if model._meta.label == "lineagedb.Feature":
        page["values"] = _feature_values(found)
    if model._meta.label in ("lineagedb.Artifact", "lineagedb.Collection", "lineagedb.Transform"):
        page["versions"] = rows(
            model, found.versions.order_by("-id")[:50], ["uid", "version", "created_at"]
        )
    if model._meta.label == "lineagedb.Artifact":
        from lineagedb.models import Collection
        from lineagedb.ui.preview import preview

        holding = Collection.filter(links__artifact=found).order_by("-id")[:20]
        page["collections"] = rows_of(holding)
        page["preview"] = preview(found)
    return page


def _feature_values(feature: Any, limit: int = 100) -> list[dict[str, Any]]:
    """A feature's values (not labels) and how many artifacts have each, most used first."""
    from django.db.models import Count

    values = (
        feature.values.annotate(n_artifacts=Count("artifact_links"))
        .order_by("-n_artifacts", "id")
        .values("value", "n_artifacts")[:limit]
    )
    return [
        {"value": plain(v["value"]), "text": _filter_text(v["value"]), "n": v["n_artifacts"]}
        for v in values
    ]


def _filter_text(value: Any) -> str | None:
    """The value as ``?feature=`` takes it, where a table can filter by it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def _text_lines(artifact: Any) -> list[str]:
    """The first lines of a text artifact (a script's source code), as its preview shows."""
    from lineagedb.ui.preview import preview

    shown = preview(artifact)
    return list(shown["lines"]) if shown.get("kind") == "text" else []


def _graph_svg(found: Any, up: int | None, down: int) -> str | None:
    """The record's lineage (artifacts, collections, runs: ``up`` runs back, ``down`` hops
    forward) or hierarchy (transforms, labels) as SVG laid out in Python, each node
    linking to its page."""
    if type(found).__name__ in ("Artifact", "Collection", "Run") and hasattr(
        found, "_lineage_shape"
    ):
        from lineagedb.display.lineage import lineage_graph

        graph = lineage_graph(found, downstream=down, upstream=up)
    elif hasattr(found, "view_parents"):
        graph = found.view_parents(with_children=True)
    else:
        return None
    return str(graph.svg(link=lambda item: f"/record/{qualified(type(item))}/{item.uid}"))


def _links(found: Any) -> dict[str, list[dict[str, Any]]]:
    """The records the page links to, by relation: runs' inputs and outputs, a transform's
    runs and parents, a label's parents, children and artifacts."""
    names = {
        "Run": ("input_artifacts", "output_artifacts", "output_collections"),
        "Transform": ("runs", "parents", "children"),
        "Collection": ("artifacts", "ulabels"),
        "ULabel": ("parents", "children", "artifacts"),
        "Feature": (),
    }.get(type(found).__name__, ("parents", "children", "artifacts"))
    links = {}
    for relation in names:
        manager = getattr(found, relation, None)
        if manager is None or not hasattr(manager, "all"):
            continue
        links[relation] = rows_of(manager.all()[:50])
    return links


def rows_of(records: Any) -> list[dict[str, Any]]:
    """Records of any registry as short rows: registry, uid and a name to show.

    Example:
        >>> rows_of([artifact])[0]["registry"]
        'Artifact'
    """
    out = []
    for item in records:
        model = type(item)
        out.append(
            {
                "registry": qualified(model),
                "uid": getattr(item, "uid", None),
                "name": str(
                    getattr(item, model._name_field, None)
                    or getattr(item, "key", None)
                    or getattr(item, "description", None)
                    or item.uid
                ),
            }
        )
    return out


def rows(model: Any, records: Any, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """Records as JSON-ready dicts of their columns (datetimes as ISO text).

    Example:
        >>> rows(ln.User, ln.User.filter(handle="anonymous"), ["handle"])
        [{'handle': 'anonymous'}]
    """
    names = columns or [c for c in public_columns(model) if c != "id"]
    return [{name: plain(getattr(item, name, None)) for name in names} for item in records]


def plain(value: Any) -> Any:
    """A field value as JSON takes it.

    Example:
        >>> plain(Decimal("1.5")), plain(None)
        (1.5, None)
    """
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return str(value)


def _visible(model: Any, trash: bool = False) -> Any:
    """The registry's records; trashed ones only when asked (``trash=1``)."""
    if trash and any(f.name == "visibility" for f in model._meta.concrete_fields):
        return model.filter(visibility=None)
    return model.filter()


def _number(text: str | None, default: int, name: str, most: int = 10_000_000_000) -> int:
    if text in (None, ""):
        return default
    try:
        value = int(text)  # type: ignore[arg-type]
    except ValueError:
        raise InvalidArgument(f"{name}={text!r} is not a whole number.") from None
    if value < 0 or value > most:
        raise InvalidArgument(f"{name}={text!r} is out of range (0 to {most}).")
    return value
