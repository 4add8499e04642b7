"""Messages to the user, through stdlib ``logging`` (logger ``lineagedb``).

Users can silence or route them like any library's
(``logging.getLogger("lineagedb").setLevel(logging.ERROR)``), tests can read
them with ``caplog``, and ``ln.settings.verbosity`` sets the logger's level.
A handler of our own prints them in the tutorial's shape (``• connected
...``) to standard error, so that standard output stays free for data
(``lineagedb ls --json | jq``); they also propagate to the root logger's
handlers, if the application configured any.

Two levels are added between the standard ones: ``success`` (25, something
was done) and ``hint`` (15, what to do next).
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

SUCCESS, HINT = 25, 15
VERBOSITY_LEVELS = {
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "success": SUCCESS,
    "info": logging.INFO,
    "hint": HINT,
    "debug": logging.DEBUG,
}
_PREFIX = {
    logging.ERROR: "✗",
    logging.WARNING: "❗",
    SUCCESS: "✓",
    logging.INFO: "•",
    HINT: "💡",
    logging.DEBUG: "🐛",
}
logging.addLevelName(SUCCESS, "SUCCESS")
logging.addLevelName(HINT, "HINT")


class _TutorialHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes ``<symbol> <message>`` to the standard error of the moment."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(symbol)s %(message)s"))

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        # Looked up on every message: pytest's capsys, click's CliRunner and
        # notebooks replace sys.stderr after import.
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass

    def emit(self, record: logging.LogRecord) -> None:
        record.symbol = _PREFIX.get(record.levelno, "•")
        super().emit(record)


class Logger:
    """The ``lineagedb`` logger, with the tutorial's levels as methods.

    Example:
        >>> logger.level = "info"
        >>> logger.info("connected lineagedb: anonymous/demo")  # prints with rich  # doctest: +SKIP
        • connected lineagedb: anonymous/demo
    """

    def __init__(self, level: str = "info") -> None:
        self.logger = logging.getLogger("lineagedb")
        if not any(isinstance(h, _TutorialHandler) for h in self.logger.handlers):
            self.logger.addHandler(_TutorialHandler())
        self.level = level

    @property
    def level(self) -> str:
        """The most detailed level that is printed."""
        names = {number: name for name, number in VERBOSITY_LEVELS.items()}
        return names.get(self.logger.level, logging.getLevelName(self.logger.level).lower())

    @level.setter
    def level(self, value: str) -> None:
        if value not in VERBOSITY_LEVELS:
            from lineagedb.errors import InvalidArgument

            raise InvalidArgument(
                f"Verbosity {value!r} is not known. Use one of {', '.join(VERBOSITY_LEVELS)}."
            )
        self.logger.setLevel(VERBOSITY_LEVELS[value])

    def error(self, message: str) -> None:
        """Print an error message."""
        self.logger.error(message)

    def warning(self, message: str) -> None:
        """Print a warning: something the user should know and may act on."""
        self.logger.warning(message)

    def success(self, message: str) -> None:
        """Print that something was done."""
        self.logger.log(SUCCESS, message)

    def info(self, message: str) -> None:
        """Print what is happening."""
        self.logger.info(message)

    def hint(self, message: str) -> None:
        """Print a hint on what to do next."""
        self.logger.log(HINT, message)

    def debug(self, message: str) -> None:
        """Print a detail useful when debugging."""
        self.logger.debug(message)


logger = Logger()
