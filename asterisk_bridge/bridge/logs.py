"""Structured logs for the bridge: one JSON object per line on stderr.

Callers pass fields with ``extra=fields(...)``; secrets are never passed, and URLs are logged
without their query string (the ARI websocket URL would otherwise carry credentials). Call
parties never reach the output: every handler :func:`configure` installs carries the
:class:`~asterisk_bridge.bridge.redact.PartyRedactor` filter.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from asterisk_bridge.bridge.redact import PartyRedactor

LOGGER_NAME = "voco.bridge"
_FIELDS = "voco_fields"


def get_logger(part: str) -> logging.Logger:
    """The logger of one part of the bridge (``ami``, ``ari``, ``dispatch``, ...)."""
    return logging.getLogger(f"{LOGGER_NAME}.{part}")


def fields(**values: Any) -> dict[str, Any]:
    """Structured fields for ``logger.info(event, extra=fields(...))``."""
    return {_FIELDS: values}


class JsonFormatter(logging.Formatter):
    """``{"ts": ..., "level": ..., "logger": ..., "event": ..., **fields}``."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        doc.update(getattr(record, _FIELDS, {}))
        if record.exc_text:
            doc["exception"] = record.exc_text
        elif record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return json.dumps(doc, default=str)


def redactor() -> PartyRedactor:
    """The filter every Voco log handler carries (structured fields included)."""
    return PartyRedactor(_FIELDS)


QUIET = ("httpx", "httpcore", "websockets", "panoramisk", "asyncio")


def configure(level: int = logging.INFO) -> None:
    """Send every log of the ``voco bridge run`` process (capabilities' too) to stderr as JSON
    lines. Libraries are held at WARNING: httpx would log every ARI request, and panoramisk logs
    whole actions."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(redactor())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
