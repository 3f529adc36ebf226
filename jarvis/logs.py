"""Traced structured logging, configured once per process.

Every line carries ``trace_id``, ``device_id``, ``session_id`` and ``mission_id`` (null when not
applicable). Each lives in its own context variable, so a value bound around an ``await`` follows
the task that runs it and never leaks into a sibling task.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal, TextIO

import structlog

TRACE_KEYS = ("trace_id", "device_id", "session_id", "mission_id")

_context: dict[str, ContextVar[str | None]] = {
    key: ContextVar(f"jarvis_{key}", default=None) for key in TRACE_KEYS
}


@contextmanager
def traced(**ids: str | None) -> Iterator[None]:
    """Bind some of the four trace keys for the code (and tasks started) inside the block."""
    unknown = set(ids) - set(TRACE_KEYS)
    if unknown:
        raise TypeError(f"not a trace key: {', '.join(sorted(unknown))}")
    tokens = [(_context[key], _context[key].set(value)) for key, value in ids.items()]
    try:
        yield
    finally:
        for variable, token in reversed(tokens):
            variable.reset(token)


def current_trace() -> dict[str, str | None]:
    """The trace keys bound right now (for putting on the wire)."""
    return {key: variable.get() for key, variable in _context.items()}


def add_trace_ids(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: put the four trace keys on every line, explicit values winning."""
    for key, variable in _context.items():
        event_dict.setdefault(key, variable.get())
    return event_dict


def configure_logging(
    level: str | None = "info",
    output: Literal["auto", "json", "console"] = "auto",
    stream: TextIO | None = None,
    *,
    json_default: str = "warning",
) -> None:
    """Set up structlog (and route stdlib logging through it) for this process.

    ``level`` None means the person did not ask: a console gets warnings and errors only, JSON
    lines (read by a log collector) ``json_default``."""
    stream = stream or sys.stderr
    as_json = output == "json" or (output == "auto" and not stream.isatty())
    level = level or (json_default if as_json else "warning")
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=stream.isatty())
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        add_trace_ids,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(stream),
        # Not cached: tests and `jarvis` subcommands reconfigure, and loggers must follow.
        cache_logger_on_first_use=False,
    )
    # Libraries (aiohttp, asyncio) log through the standard library: same format, same keys.
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiohttp's access log is one line per request: useful, but only at debug.
    logging.getLogger("aiohttp.access").setLevel(logging.DEBUG if level == "debug" else "WARNING")
    # The embedded PostgreSQL narrates every pg_ctl call, and on a failure prints its whole
    # log; Jarvis reports such failures itself, in one line naming the log file.
    logging.getLogger("pgserver").setLevel(logging.DEBUG if level == "debug" else "CRITICAL")
