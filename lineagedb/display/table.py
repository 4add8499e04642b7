"""Plain-text tables for the command line, without pandas (it costs ~1 s to import).

Columns keep their order; when the table is wider than the terminal, the
widest columns are cut (with ``…``) until it fits, never below a few
characters each.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from collections.abc import Sequence
from typing import Any

MIN_WIDTH = 6
GAP = "  "


def cell(value: Any) -> str:
    """A value as table text: '' for None, ISO time to the second, compact JSON.

    Example:
        >>> cell(None), cell(3), cell({"a": 1})
        ('', '3', '{"a":1}')
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), default=str)
    return str(value).replace("\n", " ")


def json_value(value: Any) -> Any:
    """A value as JSON keeps it: integers stay integers, times become ISO text.

    Example:
        >>> json_value(1), json_value(None)
        (1, None)
    """
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def format_table(
    rows: Sequence[Sequence[Any]],
    columns: Sequence[str],
    width: int | None = None,
) -> str:
    """Rows under a header, cut to ``width`` (default: the terminal's, ``COLUMNS`` honoured).

    Output that is not a terminal (a pipe, a file) is not cut unless ``COLUMNS``
    asks: whole uids and keys, for the next program to read.

    Example:
        >>> print(format_table([("a1", 3)], ["uid", "size"], width=40))
        uid  size
        a1   3
    """
    if width is None:
        asked = sys.stdout.isatty() or bool(os.environ.get("COLUMNS"))
        width = shutil.get_terminal_size((100, 24)).columns if asked else 1 << 30
    texts = [[cell(value) for value in row] for row in rows]
    widths = [max([len(name), *(len(row[i]) for row in texts)]) for i, name in enumerate(columns)]
    limit = max(width, len(GAP) * len(columns) + MIN_WIDTH * len(columns))
    while sum(widths) + len(GAP) * (len(widths) - 1) > limit:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= MIN_WIDTH:
            break
        widths[widest] -= 1
    lines = [_line(columns, widths)]
    lines += [_line(row, widths) for row in texts]
    return "\n".join(line.rstrip() for line in lines)


def _line(values: Sequence[str], widths: list[int]) -> str:
    return GAP.join(
        (value if len(value) <= w else value[: w - 1] + "…").ljust(w)
        for value, w in zip(values, widths, strict=True)
    )
