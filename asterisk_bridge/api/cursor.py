"""Opaque cursors for keyset pagination: the position after the last item of a page.

A cursor is base64url JSON of a small list; anything else is refused with 400, so a client
cannot smuggle a value into a query through it.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from asterisk_bridge.api.problems import ApiProblem

MAX_CURSOR = 200


def encode(*parts: Any) -> str:
    """A cursor holding *parts* (datetimes as ISO text)."""
    plain = [p.isoformat() if isinstance(p, datetime) else p for p in parts]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _parts(cursor: str, count: int) -> list[Any]:
    """The *count* JSON values a cursor holds, or ApiProblem 400."""
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError
        parts = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(parts, list) or len(parts) != count:
            raise ValueError
        return parts
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise _bad() from None


def _bad() -> ApiProblem:
    return ApiProblem(400, "cursor: not a cursor this API handed out; start again without one")


def _time(value: Any) -> datetime:
    try:
        when = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise _bad() from None
    if when.tzinfo is not None:
        raise _bad()
    return when


def decode_keyset(cursor: str) -> tuple[datetime, int]:
    """A ``(start, id)`` keyset (a CDR page), or ApiProblem 400."""
    start, row_id = _parts(cursor, 2)
    if not isinstance(row_id, int) or isinstance(row_id, bool) or row_id <= 0:
        raise _bad()
    return _time(start), row_id


def decode_time(cursor: str) -> datetime:
    """A single time (the start of the last call of a page), or ApiProblem 400."""
    [start] = _parts(cursor, 1)
    return _time(start)


def decode_text_keyset(cursor: str) -> tuple[str, str]:
    """A ``(started_at, id)`` keyset of two strings (a recordings page), or ApiProblem 400."""
    parts = _parts(cursor, 2)
    if not all(isinstance(p, str) and 0 < len(p) <= 128 for p in parts):
        raise _bad()
    return parts[0], parts[1]
