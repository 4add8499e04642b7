"""How field values appear in reprs and descriptions."""

from __future__ import annotations

import datetime
from typing import Any


def format_value(value: Any) -> str:
    """How a field value appears in a record's repr.

    Example:
        >>> format_value(datetime.datetime(2024, 4, 19, 17, 40, 9, tzinfo=datetime.UTC))
        '2024-04-19 17:40:09 UTC'
    """
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return repr(value)
