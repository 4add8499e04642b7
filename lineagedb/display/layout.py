"""A lineage graph laid out in pure Python, as SVG: for Jupyter without Graphviz's ``dot``,
and for the UI's pages (nodes link to their records).

Layers top to bottom by longest path from the sources (a record is drawn below
everything that made it), each layer ordered by the mean position of its
parents (one barycentre sweep), edges as straight arrows. A layer wider than
``MAX_PER_LAYER`` nodes is drawn with its first ones and one "… N more" node, so a
run with 10,000 outputs stays a readable picture.

Example:
    >>> nodes = {"a": ("raw.csv", "box", False, None), "b": ("run", "ellipse", True, None)}
    >>> svg = layout_svg(nodes, [("a", "b")])
    >>> svg.startswith("<svg") and "raw.csv" in svg
    True
"""

from __future__ import annotations

from html import escape
from typing import Any

MAX_PER_LAYER = 12
WIDTH, HEIGHT, GAP_X, GAP_Y = 180, 36, 24, 56
# (label, shape, highlighted, link) per node id.
Node = tuple[str, str, bool, Any]


def layers_of(nodes: dict[str, Node], edges: list[tuple[str, str]]) -> list[list[str]]:
    """Node ids by layer: a node's layer is the longest path to it from a source.

    Example:
        >>> layers_of({"a": ("", "", False, None), "b": ("", "", False, None)}, [("a", "b")])
        [['a'], ['b']]
    """
    parents: dict[str, list[str]] = {node: [] for node in nodes}
    for start, end in edges:
        if start in nodes and end in nodes and start != end:
            parents[end].append(start)
    depth: dict[str, int] = {}

    def depth_of(node: str, trail: frozenset[str]) -> int:
        if node in depth:
            return depth[node]
        known = [depth_of(p, trail | {node}) for p in parents[node] if p not in trail]
        depth[node] = 1 + max(known) if known else 0
        return depth[node]

    for node in nodes:
        depth_of(node, frozenset())
    layers: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for node in nodes:  # insertion order first; then by the parents' mean position
        layers[depth[node]].append(node)
    position: dict[str, float] = {}
    for layer in layers:
        first = {node: float(index) for index, node in enumerate(layer)}
        centres = {node: _centre(node, parents, position, first) for node in layer}
        layer.sort(key=centres.__getitem__)
        for index, node in enumerate(layer):
            position[node] = float(index)
    return layers


def _centre(
    node: str, parents: dict[str, list[str]], position: dict[str, float], first: dict[str, float]
) -> float:
    """The mean position of a node's parents in the layer above (else its own place)."""
    above = [position[p] for p in parents[node] if p in position]
    return sum(above) / len(above) if above else first[node]


def layout_svg(nodes: dict[str, Node], edges: list[tuple[str, str]]) -> str:
    """The graph as an SVG document (links on nodes that have one).

    Example:
        >>> "<line" in layout_svg({"a": ("a", "box", False, None), "b": ("b", "box", False, None)},
        ...                       [("a", "b")])
        True
    """
    layers = layers_of(nodes, edges)
    shown: dict[str, tuple[float, float]] = {}
    extra_nodes: list[tuple[float, float, int]] = []
    widest = max((min(len(layer), MAX_PER_LAYER + 1) for layer in layers), default=1)
    total_width = widest * (WIDTH + GAP_X) + GAP_X
    for row, layer in enumerate(layers):
        visible = layer[:MAX_PER_LAYER]
        count = len(visible) + (1 if len(layer) > MAX_PER_LAYER else 0)
        left = (total_width - count * (WIDTH + GAP_X) + GAP_X) / 2
        y = GAP_Y / 2 + row * (HEIGHT + GAP_Y)
        for column, node in enumerate(visible):
            shown[node] = (left + column * (WIDTH + GAP_X), y)
        if len(layer) > MAX_PER_LAYER:
            extra_nodes.append(
                (left + len(visible) * (WIDTH + GAP_X), y, len(layer) - len(visible))
            )
    height = GAP_Y + len(layers) * (HEIGHT + GAP_Y)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {total_width:.0f} {height:.0f}" class="lineage" font-family="sans-serif" '
        'font-size="11">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#6b7280"/></marker></defs>',
    ]
    for start, end in edges:
        if start in shown and end in shown:
            (x1, y1), (x2, y2) = shown[start], shown[end]
            parts.append(
                f'<line x1="{x1 + WIDTH / 2:.0f}" y1="{y1 + HEIGHT:.0f}" x2="{x2 + WIDTH / 2:.0f}" '
                f'y2="{y2:.0f}" stroke="#6b7280" marker-end="url(#arrow)"/>'
            )
    for node, (x, y) in shown.items():
        label, shape, highlighted, link = nodes[node]
        parts.append(_node(x, y, label, shape, highlighted, link))
    for x, y, hidden in extra_nodes:
        parts.append(_node(x, y, f"… {hidden} more", "box", False, None))
    parts.append("</svg>")
    return "".join(parts)


def _node(x: float, y: float, label: str, shape: str, highlighted: bool, link: Any) -> str:
    label = " · ".join(part for part in label.replace("\\n", "\n").split("\n") if part)
    fill = "#fde68a" if highlighted else "#ffffff"
    radius = HEIGHT / 2 if shape in ("ellipse", "oval") else 4
    text = escape(label if len(label) <= 28 else label[:27] + "…")
    middle_x, middle_y = x + WIDTH / 2, y + HEIGHT / 2 + 4
    box = (
        f'<rect x="{x:.0f}" y="{y:.0f}" width="{WIDTH}" height="{HEIGHT}" rx="{radius:.0f}" '
        f'fill="{fill}" stroke="#374151"/><text x="{middle_x:.0f}" y="{middle_y:.0f}" '
        f'text-anchor="middle"><title>{escape(label)}</title>{text}</text>'
    )
    return f'<a href="{escape(str(link))}">{box}</a>' if link else box
