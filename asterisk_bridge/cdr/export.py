"""Streaming export of CDR rows as CSV or JSON, in constant memory whatever the row count.

Rows come through a server-side cursor (``stream_results`` + ``yield_per``) and are written as
they arrive; JSON is one array written element by element, so a million rows never sit in
memory. Times are ISO 8601 UTC (``Z``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import Engine

from asterisk_bridge.cdr.choices import FORMATS
from asterisk_bridge.cdr.query import CdrFilter, stream_cdrs
from asterisk_bridge.cdr.sealing import ROLES
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.store.models.cdr import CdrRecord
from asterisk_bridge.subjects.vault import SubjectVault

COLUMNS = [c.name for c in CdrRecord.__table__.columns if c.name not in ROLES]


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() + "Z" if isinstance(v, datetime) else v) for k, v in row.items()}


def export(engine: Engine, vault: SubjectVault, flt: CdrFilter, fmt: str, out: TextIO) -> int:
    """Write every selected row to ``out`` in ``fmt``, personal values opened (an erased
    person's read as empty); return the row count."""
    if fmt not in FORMATS:
        raise ValidationError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
    return write(stream_cdrs(engine, vault, flt), fmt, out)


def write(rows: Iterable[dict[str, Any]], fmt: str, out: TextIO) -> int:
    """Write *rows* (as the store returns them) to ``out`` in ``fmt``; return the count."""
    plain = (_plain(r) for r in rows)
    return _csv(plain, out) if fmt == "csv" else _json(plain, out)


def _csv(rows: Iterator[dict[str, Any]], out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def _json(rows: Iterator[dict[str, Any]], out: TextIO) -> int:
    out.write("[")
    n = 0
    for n, row in enumerate(rows, 1):
        out.write(("\n" if n == 1 else ",\n") + json.dumps(row, ensure_ascii=False))
    out.write("\n]\n" if n else "]\n")
    return n
