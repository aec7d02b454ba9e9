"""Reading Asterisk's own durable CDR file, ``cdr-csv/Master.csv`` (cdr_csv, newcdrcolumns).

cdr_csv appends one line per record (open, write, close, under a lock), doubling any ``"`` inside
a quoted field; fields may hold commas (``Local/bob@phone/n,30``). Python's csv module reads that
dialect exactly. Only complete lines are read: a record Asterisk is still writing is left for the
next pass, which starts at the byte offset this one stopped at. A line that does not parse into
a CDR (wrong field count, bad time) is reported, never silently dropped.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from asterisk_bridge.cdr import rows
from asterisk_bridge.errors import ValidationError

log = logging.getLogger(__name__)

MASTER = "Master.csv"


@dataclass
class CsvRead:
    """What one pass over a file produced."""

    rows: list[rows.Row] = field(default_factory=list)
    end_offset: int = 0  # byte offset just past the last complete line read
    malformed: list[str] = field(default_factory=list)  # "<file>:<line>: <why>"


def read_records(path: Path, node: str, offset: int = 0) -> CsvRead:
    """Parse every complete record of ``path`` from byte ``offset`` on."""
    with path.open("rb") as fh:
        fh.seek(offset)
        data = fh.read()
    cut = data.rfind(b"\n") + 1  # 0 when no complete line yet
    result = CsvRead(end_offset=offset + cut)
    text = data[:cut].decode("utf-8", errors="replace")
    for lineno, fields in _records(text):
        try:
            result.rows.append(rows.from_csv(fields, node))
        except ValidationError as exc:
            result.malformed.append(f"{path.name}:{lineno}: {exc}")
    for problem in result.malformed:
        log.error("unreadable CDR record in Asterisk's CDR file, kept in place: %s", problem)
    return result


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, [f"csv error: {exc}"]
            continue
        if fields:
            yield reader.line_num, fields
