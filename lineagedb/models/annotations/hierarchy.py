"""Ontology-like hierarchies of a registry's records (``parents`` / ``children``): the
transitive queries and the graph, for ULabel and every bionty registry.

``query_parents()`` and ``query_children()`` are LaminDB's names: every
ancestor (descendant) as a QuerySet, found one level per query through the
parents link table, so it plugs into filters:
``ln.Artifact.filter(cell_types__in=t_cell.query_children())``.

Example:
    >>> animal = ln.ULabel(name="animal kind").save()
    >>> animal.children.add(ln.ULabel(name="flower kind").save())
    >>> animal.query_children().list("name")
    ['flower kind']
"""

from __future__ import annotations

from typing import Any

from lineagedb.models.query.validation import field_name


class Hierarchical:
    """Mixin of registries with a ``parents`` many-to-many to themselves."""

    def query_parents(self) -> Any:
        """Every ancestor of the record (parents, their parents, ...), as a QuerySet.

        Example:
            >>> plant = ln.ULabel(name="plant kind").save()
            >>> plant.children.add(ln.ULabel(name="tree kind").save())
            >>> ln.ULabel.get(name="tree kind").query_parents().list("name")
            ['plant kind']
        """
        return self._walk(upward=True)

    def query_children(self) -> Any:
        """Every descendant of the record (children, their children, ...), as a QuerySet.

        Example:
            >>> fungus = ln.ULabel(name="fungus kind").save()
            >>> fungus.children.add(ln.ULabel(name="mould kind").save())
            >>> fungus.query_children().count()
            1
        """
        return self._walk(upward=False)

    def _walk(self, upward: bool) -> Any:
        model = type(self)
        through = model.parents.through  # type: ignore[attr-defined]
        lower = model.__name__.lower()
        here, there = (f"from_{lower}_id", f"to_{lower}_id")
        if not upward:
            here, there = there, here
        seen: set[int] = set()
        frontier = {self.pk}  # type: ignore[attr-defined]
        while frontier:
            step = set(
                through.objects.filter(**{f"{here}__in": list(frontier)}).values_list(
                    there, flat=True
                )
            )
            frontier = step - seen - {self.pk}  # type: ignore[attr-defined]
            seen |= frontier
        return model.objects.filter(pk__in=sorted(seen))  # type: ignore[attr-defined]

    def view_parents(
        self, field: Any = None, with_children: bool = False, distance: int = 5
    ) -> Any:
        """A graph of the record's parents (up to ``distance`` levels), and children if asked.

        ``field`` names the nodes: a field name or a field (``ln.ULabel.name``).
        Returns a ``graphviz.Digraph``: SVG in Jupyter, ``.source`` is the DOT text.

        Example:
            >>> alga = ln.ULabel(name="alga kind").save()
            >>> alga.children.add(ln.ULabel(name="kelp kind").save())
            >>> "->" in alga.view_parents(ln.ULabel.name, with_children=True).source
            True
        """
        from lineagedb.display.lineage import parents_graph

        name = field_name(type(self), field)
        return parents_graph(
            self,
            lambda record: list(record.parents.all()),
            lambda record: getattr(record, name),
            distance,
            (lambda record: list(record.children.all())) if with_children else None,
        )
