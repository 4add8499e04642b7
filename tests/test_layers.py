"""Imports between lineagedb's own modules point down the layers, never up.

Every import counts, module-level or inside a function: a lazy import hides
a cycle from Python, not from the design. Only ``if TYPE_CHECKING:`` blocks
are left out (they never run).
"""

from __future__ import annotations

import ast
from pathlib import Path

import lineagedb

PACKAGE = Path(lineagedb.__file__).parent

# Top to bottom, as in docs/architecture.md: one folder per layer. A module
# may import its own layer or any layer below it.
LAYERS = [
    ["lineagedb.cli", "lineagedb.__main__"],
    ["lineagedb"],
    ["lineagedb.ui"],
    ["lineagedb.core"],
    ["lineagedb.setup"],
    ["lineagedb.exchange"],
    ["lineagedb.tracking"],
    ["lineagedb.datasets", "lineagedb.curators"],
    ["lineagedb.bionty"],
    ["lineagedb.models"],
    ["lineagedb.display"],
    ["lineagedb.arrays"],
    ["lineagedb.storage"],
    ["lineagedb._base"],
    ["lineagedb.errors"],
]
# What the package's top level holds besides the layers' folders.
TOP_LEVEL_FILES = {"__init__.py", "__main__.py", "errors.py", "py.typed"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int:
    best = None
    for rank, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            inside = module == prefix or module.startswith(prefix + ".")
            if inside and (best is None or len(prefix) > best[1]):
                best = (rank, len(prefix))
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best[0]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(path: Path) -> set[str]:
    """The lineagedb modules that ``path`` imports, anywhere but TYPE_CHECKING blocks."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub)
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names if a.name.startswith("lineagedb"))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                if base.startswith("lineagedb"):
                    for alias in child.names:
                        candidate = f"{base}.{alias.name}"
                        exists = (PACKAGE.parent / Path(*candidate.split("."))).with_suffix(
                            ".py"
                        ).exists() or (PACKAGE.parent / Path(*candidate.split("."))).is_dir()
                        found.add(candidate if exists else base)
            visit(child)

    visit(ast.parse(path.read_text()))
    return found


def test_the_top_level_holds_one_folder_per_layer() -> None:
    files = {p.name for p in PACKAGE.iterdir() if p.is_file()}
    folders = {f"lineagedb.{p.name}" for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert files <= TOP_LEVEL_FILES, f"loose modules at the top: {sorted(files - TOP_LEVEL_FILES)}"
    layered = {prefix for layer in LAYERS for prefix in layer}
    assert folders <= layered, f"folders in no layer: {sorted(folders - layered)}"


def test_imports_point_down_the_layers() -> None:
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        source = module_name(path)
        for target in sorted(imports_of(path)):
            if layer_of(target) < layer_of(source):
                upward.append(f"{source} -> {target}")
    assert upward == [], "imports that point up a layer:\n" + "\n".join(upward)


def test_no_import_cycles_between_modules() -> None:
    graph = {
        module_name(path): imports_of(path)
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts
    }

    # A package's __init__ re-exporting its submodules is not a cycle; nor are
    # the registries of the one Django app naming each other (foreign keys).
    def counts(source: str, target: str) -> bool:
        both_models = all(m.startswith("lineagedb.models") for m in (source, target))
        return target in graph and not source.startswith(target + ".") and not both_models

    edges = {source: {t for t in targets if counts(source, t)} for source, targets in graph.items()}
    cycles = []
    for start in sorted(edges):
        stack = [(start, [start])]
        seen: set[str] = set()
        while stack:
            node, trail = stack.pop()
            for target in edges[node]:
                if target == start:
                    cycles.append(" -> ".join([*trail, start]))
                elif target not in seen:
                    seen.add(target)
                    stack.append((target, [*trail, target]))
    assert cycles == [], "import cycles:\n" + "\n".join(sorted(set(cycles))[:30])


def test_a_layer_is_found_for_every_module() -> None:
    names = [module_name(p) for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]
    assert len(names) > 30
    assert {layer_of(name) for name in names} == set(range(len(LAYERS)))
