"""``view_lineage()``: the graph from a record up through the runs that made it.

Only the asked record's ancestry is drawn — its run, that run's inputs,
their runs, and so on up to records no tracked run made — so the cost
grows with the depth of the history, not with how many outputs a run had.
"""

from __future__ import annotations

import shutil
from typing import Any

from lineagedb._base.logger import logger


def _label(record: Any) -> str:
    # Each registry names its node (_lineage_label) and its shape (_lineage_shape).
    return str(record._lineage_label()).replace('"', "'")


def _node_id(record: Any) -> str:
    return f"{type(record).__name__}_{record.pk}"


def lineage_graph(record: Any, downstream: int = 0, upstream: int | None = None) -> Any:
    """A graphviz Digraph of ``record`` and its upstream runs and inputs.

    ``upstream`` limits how many runs back it goes (``None``: to the start);
    ``downstream`` adds that many hops the other way: the runs that used the
    record as an input and what they made (the UI's pages ask for one).

    Records draw themselves: ``_lineage_label()`` names a node,
    ``_lineage_shape`` is its Graphviz shape, ``_provenance_run()`` is the run
    that made it (a Run's is itself).

    Example:
        >>> graph = lineage_graph(artifact)
        >>> print(graph.source)
        digraph lineage {
            graph [rankdir=TB]
            node [fontsize=10]
            Artifact_1 [label="iris_studies/study0_raw_images/meta.csv" fillcolor="#fde68a" ...]
        }
        <BLANKLINE>
    """
    graph = _new_graph("lineage")
    seen: set[str] = set()

    def node(item: Any, highlight: bool = False) -> str:
        identifier = _node_id(item)
        if identifier not in seen:
            seen.add(identifier)
            style = {"style": "filled", "fillcolor": "#fde68a"} if highlight else {}
            graph.node(identifier, _label(item), shape=item._lineage_shape, **style)
            graph.records[identifier] = item
        return identifier

    pending: list[tuple[Any, int]] = []  # a run, and how many runs back it is
    start = node(record, highlight=True)
    if record._provenance_run() is record:  # a Run
        pending.append((record, 1))
    elif record.run_id is not None and upstream != 0:
        graph.edge(node(record.run), start)
        pending.append((record.run, 1))
    done: set[int] = set()
    while pending:
        run, back = pending.pop(0)  # breadth first: the nearest runs first
        if run.pk in done or (upstream is not None and back > upstream):
            continue
        done.add(run.pk)
        inputs = [
            *run.input_artifacts.select_related("run__transform"),
            *run.input_collections.select_related("run__transform"),
        ]
        for item in inputs:
            graph.edge(node(item), node(run))
            if item.run_id is not None and (upstream is None or back < upstream):
                graph.edge(node(item.run), node(item))
                pending.append((item.run, back + 1))
    frontier = [record]
    for _ in range(downstream):
        frontier = _down_one_hop(graph, frontier, node)
    if shutil.which("dot") is None:
        logger.hint(
            "graphviz's dot is not installed: Jupyter shows the graph laid out by lineagedb "
            "(graph.svg()); install it for Graphviz's layout: apt-get install graphviz."
        )
    return graph


def _down_one_hop(graph: Any, records: list[Any], node: Any, limit: int = 50) -> list[Any]:
    """Edges from records to the runs that used them, and on to those runs' outputs."""
    reached: list[Any] = []
    for item in records:
        is_run = hasattr(item, "output_artifacts") and not hasattr(item, "input_of_runs")
        users = [item] if is_run else list(item.input_of_runs.all()[:limit])
        for run in users:
            if run is not item:
                graph.edge(node(item), node(run))
            outputs = [*run.output_artifacts.all()[:limit], *run.output_collections.all()[:limit]]
            for output in outputs:
                graph.edge(node(run), node(output))
                reached.append(output)
    return reached


def parents_graph(
    record: Any,
    parents_of: Any,
    label: Any,
    distance: int = 5,
    children_of: Any = None,
) -> Any:
    """A graphviz Digraph of ``record``, its parents (up to ``distance`` levels) and children.

    ``parents_of(r)``/``children_of(r)`` list a record's neighbours;
    ``label(r)`` names a node. Edges point from parent to child.

    Example:
        >>> graph = parents_graph(transform, lambda t: list(t.parents.all()), lambda t: t.name)
        >>> print(graph.source)
        digraph parents {
            graph [rankdir=TB]
            node [fontsize=10]
            Transform_1 [label="My pipeline" fillcolor="#fde68a" shape=box style=filled]
        }
        <BLANKLINE>
    """
    graph = _new_graph("parents")
    seen: set[Any] = set()

    def node(item: Any, highlight: bool = False) -> str:
        identifier = f"{type(item).__name__}_{item.pk}"
        if identifier not in seen:
            seen.add(identifier)
            style = {"style": "filled", "fillcolor": "#fde68a"} if highlight else {}
            graph.node(identifier, str(label(item)).replace('"', "'"), shape="box", **style)
            graph.records[identifier] = item
        return identifier

    start = node(record, highlight=True)
    level, visited = [record], {record.pk}
    for _ in range(distance):
        upper = []
        for child in level:
            for parent in parents_of(child):
                graph.edge(node(parent), node(child))
                if parent.pk not in visited:
                    visited.add(parent.pk)
                    upper.append(parent)
        level = upper
    if children_of is not None:
        for child in children_of(record):
            graph.edge(start, node(child))
    return graph


def _new_graph(name: str) -> Any:
    import graphviz

    class Graph(graphviz.Digraph):  # type: ignore[misc]
        """Renders as SVG: by Graphviz's ``dot`` where it exists, else laid out in Python.

        It keeps its nodes and edges (``layout_nodes``, ``layout_edges``) and each
        node's record (``records``), for ``svg()`` and the UI's links.
        """

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.layout_nodes: dict[str, list[Any]] = {}
            self.layout_edges: list[tuple[str, str]] = []
            self.records: dict[str, Any] = {}

        def node(self, name: str, label: str | None = None, **attrs: Any) -> None:
            super().node(name, label, **attrs)
            highlighted = attrs.get("fillcolor") is not None
            self.layout_nodes[name] = [label or name, attrs.get("shape", "box"), highlighted, None]

        def edge(
            self, tail_name: str, head_name: str, label: str | None = None, **attrs: Any
        ) -> None:
            super().edge(tail_name, head_name, label, **attrs)
            self.layout_edges.append((tail_name, head_name))

        def svg(self, link: Any = None) -> str:
            """The graph as SVG, laid out in Python; ``link(record)`` gives a node's href.

            Example:
                >>> artifact.view_lineage().svg().startswith("<svg")
                True
            """
            from lineagedb.display.layout import layout_svg

            nodes = {
                name: (label, shape, highlighted, link(self.records[name]) if link else None)
                for name, (label, shape, highlighted, _) in self.layout_nodes.items()
                if not link or name in self.records
            }
            return layout_svg(nodes, self.layout_edges)

        def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> Any:
            if shutil.which("dot") is None:
                return {"image/svg+xml": self.svg(), "text/plain": self.source}
            return super()._repr_mimebundle_(include, exclude, **kwargs)

    return Graph(name=name, graph_attr={"rankdir": "TB"}, node_attr={"fontsize": "10"})
