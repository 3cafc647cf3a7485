"""Structured logs: one JSON object per line, carrying the id of the request being served.

The API's request middleware sets :data:`request_id_var` for the duration of a request, so every log line
written while serving it (in the event loop or in a worker thread, which copies the context) carries the
request id without passing it around. Keys, passwords and request bodies are never logged.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from contextvars import ContextVar
from typing import IO, Any

request_id_var: ContextVar[str | None] = ContextVar("graph_service_request_id", default=None)

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is worth emitting.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's ANSI-coloured copy of msg
}


class JsonFormatter(logging.Formatter):
    """Format a record as JSON: ts, level, logger, msg, request_id, then any ``extra=`` fields.

    Access lines add ``route``, ``method``, ``status`` and ``duration_ms`` through ``extra=``.
    """

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD_ATTRS and name not in payload:
                payload[name] = value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


class _JsonHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marker class so :func:`configure_logging` can replace its own handler and leave others alone."""


def configure_logging(level: str | int = "INFO", stream: IO[str] | None = None) -> None:
    """Send every log record (uvicorn's included) to ``stream`` (stderr) as JSON lines.

    Idempotent: calling it again replaces the handler it installed before instead of adding a second one.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _JsonHandler):
            root.removeHandler(handler)
    handler = _JsonHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    # uvicorn installs its own handlers unless told otherwise; let its records reach ours instead.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
