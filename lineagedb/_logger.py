"""Messages to the user, filtered by ``ln.settings.verbosity``.

Messages go to standard error so that standard output stays free for data
(``lineagedb ls --json | jq``).
"""

from __future__ import annotations

import sys

VERBOSITY_LEVELS = {"error": 0, "warning": 1, "success": 2, "info": 3, "hint": 4, "debug": 5}

_PREFIX = {"error": "✗", "warning": "❗", "success": "✓", "info": "•", "hint": "💡", "debug": "🐛"}


class Logger:
    """Prints messages whose level is within the current verbosity.

    Example:
        >>> logger.level = "info"
        >>> logger.info("connected lineagedb: anonymous/demo")  # doctest: +SKIP
    """

    def __init__(self, level: str = "info") -> None:
        self.level = level

    @property
    def level(self) -> str:
        """The most detailed level that is printed."""
        return self._level

    @level.setter
    def level(self, value: str) -> None:
        if value not in VERBOSITY_LEVELS:
            from lineagedb.errors import InvalidArgument

            raise InvalidArgument(
                f"Verbosity {value!r} is not known. Use one of {', '.join(VERBOSITY_LEVELS)}."
            )
        self._level = value

    def _emit(self, level: str, message: str) -> None:
        if VERBOSITY_LEVELS[level] <= VERBOSITY_LEVELS[self._level]:
            print(f"{_PREFIX[level]} {message}", file=sys.stderr)

    def error(self, message: str) -> None:
        """Print an error message."""
        self._emit("error", message)

    def warning(self, message: str) -> None:
        """Print a warning: something the user should know and may act on."""
        self._emit("warning", message)

    def success(self, message: str) -> None:
        """Print that something was done."""
        self._emit("success", message)

    def info(self, message: str) -> None:
        """Print what is happening."""
        self._emit("info", message)

    def hint(self, message: str) -> None:
        """Print a hint on what to do next."""
        self._emit("hint", message)

    def debug(self, message: str) -> None:
        """Print a detail useful when debugging."""
        self._emit("debug", message)


logger = Logger()
