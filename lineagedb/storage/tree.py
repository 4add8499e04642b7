"""``UPath.view_tree()``: a folder's files as a tree, as in the tutorial."""

from __future__ import annotations

from collections import Counter
from typing import Any


def view_tree(path: Any, max_files_per_folder: int = 6, max_lines: int = 1000) -> None:
    """Print the tree below ``path``: counts and suffixes first, then each folder's files.

    At most ``max_files_per_folder`` files are listed per folder (then ``...``
    and the folder's last file); listings come from one recursive listing.

    Example (not run here: a public bucket):
        >>> import lineagedb as ln
        >>> ln.UPath("s3://lamindb-dev-datasets/iris_studies").view_tree()  # doctest: +SKIP
        iris_studies (3 sub-directories & 151 files with suffixes '.csv', '.jpg'):
        ├── study0_raw_images
        │   ├── iris-0337d20a3b72.jpg
        ...
    """
    from lineagedb.storage.paths import is_local, local_path

    base = local_path(path).resolve().as_posix() if is_local(path) else path.path.rstrip("/")
    names = sorted(str(name) for name in path.fs.find(base))
    relative = [name[len(base) + 1 :] for name in names if name.startswith(base + "/")]
    print_tree(path.name, relative, max_files_per_folder, max_lines)


def print_tree(
    title: str, relative: list[str], max_files_per_folder: int = 6, max_lines: int = 1000
) -> None:
    """Print sorted relative POSIX paths as a tree under ``title`` (counts and suffixes first).

    Example:
        >>> print_tree("keys", ["a/x.csv", "a/y.csv", "b.txt"])
        keys (1 sub-directories & 3 files with suffixes '.csv', '.txt'):
        ├── a
        │   ├── x.csv
        │   └── y.csv
        └── b.txt
    """
    relative = sorted(relative)
    folders = sorted(
        {"/".join(r.split("/")[:i]) for r in relative for i in range(1, r.count("/") + 1)}
    )
    suffixes = Counter("." + r.rsplit(".", 1)[1] for r in relative if "." in r.rsplit("/", 1)[-1])
    listed = ", ".join(repr(s) for s in sorted(suffixes))
    print(
        f"{title} ({len(folders)} sub-directories & {len(relative)} files"
        + (f" with suffixes {listed}" if listed else "")
        + "):"
    )
    lines = 0
    tree: dict[str | None, Any] = {}
    for name in relative:
        node = tree
        for part in name.split("/")[:-1]:
            node = node.setdefault(part + "/", {})
        node.setdefault(None, []).append(name.rsplit("/", 1)[-1])

    def show(node: dict[str | None, Any], prefix: str) -> None:
        nonlocal lines
        files = node.get(None, [])
        if len(files) > max_files_per_folder + 1:
            files = [*files[:max_files_per_folder], "...", files[-1]]
        entries = [*(k for k in node if k is not None), *files]
        for index, entry in enumerate(entries):
            if lines >= max_lines:
                return
            last = index == len(entries) - 1
            if entry == "...":
                print(f"{prefix}...")
            else:
                print(f"{prefix}{'└── ' if last else '├── '}{entry.rstrip('/')}")
            lines += 1
            if entry in node and entry is not None and entry.endswith("/"):
                show(node[entry], prefix + ("    " if last else "│   "))

    show(tree, "")


def install() -> None:
    """Give UPath its ``view_tree()`` method (as LaminDB does).

    Example:
        >>> install()
    """
    from upath import UPath

    # Local and cloud UPaths share this mixin (universal-pathlib 0.3); older
    # releases derive every path from UPath itself.
    base: Any = UPath
    try:
        from upath.core import _UPathMixin

        base = _UPathMixin
    except ImportError:
        pass
    if not hasattr(base, "view_tree"):
        base.view_tree = view_tree
