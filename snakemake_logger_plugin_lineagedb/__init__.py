"""Snakemake's logger plugin ``lineagedb``: ``snakemake --logger lineagedb --cores 1``.

Records the workflow and each job as runs in the connected lineagedb instance (see
``lineagedb.exchange.snakemake``). Needs ``pip install 'lineagedb[snakemake]'``.

Example:
    >>> LogHandler.__name__
    'LogHandler'
"""

# No `from __future__ import annotations`: Snakemake reads the settings' field types as
# classes to build its command-line options.
from dataclasses import dataclass, field
from logging import LogRecord
from typing import Any, Optional

from snakemake_interface_logger_plugins.base import LogHandlerBase
from snakemake_interface_logger_plugins.settings import LogHandlerSettingsBase

from lineagedb.exchange.snakemake import SnakemakeRecorder


@dataclass
class LogHandlerSettings(LogHandlerSettingsBase):
    """``--logger-lineagedb-name``: the workflow transform's name (default: its folder's)."""

    name: Optional[str] = field(  # noqa: UP045 (a class Snakemake can call, not a union)
        default=None,
        metadata={"help": "Name of the workflow's transform in lineagedb (default: its folder)."},
    )


class LogHandler(LogHandlerBase):
    """Hands Snakemake's events (workflow started, job info, finished, error) to lineagedb."""

    def __post_init__(self) -> None:
        import logging

        name = getattr(self.settings, "name", None)
        self.recorder = SnakemakeRecorder(name=name)
        self.recorder.prepare()  # in this (Snakemake's main) thread, not the listener's
        # Snakemake hands records to plugins through a queue (another thread): the job's
        # params are read where it logs the job, by a filter of its logger.
        logging.getLogger("snakemake.logging").addFilter(_with_rule_params)

    def emit(self, record: LogRecord) -> None:
        event = getattr(record, "event", None)
        if event is None:
            return
        data: dict[str, Any] = dict(record.__dict__)
        data["params"] = getattr(record, "lineagedb_params", None)
        self.recorder.handle(str(event), data)

    def close(self) -> None:
        self.recorder.close()
        super().close()

    @property
    def writes_to_stream(self) -> bool:
        return False

    @property
    def writes_to_file(self) -> bool:
        return False

    @property
    def has_filter(self) -> bool:
        return True  # it takes what it needs from every record

    @property
    def has_formatter(self) -> bool:
        return True

    @property
    def needs_rulegraph(self) -> bool:
        return False


def _with_rule_params(record: LogRecord) -> bool:
    """A filter of Snakemake's logger: job-info records get the job's params (kept: True)."""
    if str(getattr(record, "event", "")) == "job_info":
        record.lineagedb_params = _rule_params()
    return True


def _rule_params() -> dict[str, str] | None:
    """The ``params:`` of the job being logged: Snakemake's job-info record leaves them out,
    so they are read from the job whose ``log_info()`` is on the call stack (None when this
    Snakemake logs jobs otherwise)."""
    import sys

    frame: Any = sys._getframe(1)
    while frame is not None:
        job: Any = frame.f_locals.get("self")
        if frame.f_code.co_name == "log_info" and hasattr(job, "params"):
            try:
                return {str(name): str(value) for name, value in job.params.items()}
            except Exception:  # another Snakemake's jobs: no params rather than no run
                return None
        frame = frame.f_back
    return None
