"""How every command prints data: a table with a header row for people, JSON for scripts.

The convention, the same for every command (docs/cli.md shows it in each ``--json`` help):

- a command that lists things prints one JSON array of objects, ``[]`` when there are none;
- a command that shows one thing (a record, a status, a decision, a report) prints one JSON
  object;
- JSON goes to standard output as one document; errors are never JSON: one line on standard
  error and the exit code say what went wrong.

Times are ISO 8601 (UTC, with ``Z`` when the stored time is naive UTC).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import click

LIST_JSON_HELP = "Print one JSON array (an object per row) instead of the table."
OBJECT_JSON_HELP = "Print one JSON object instead of text."

list_json_option = click.option("--json", "as_json", is_flag=True, help=LIST_JSON_HELP)
object_json_option = click.option("--json", "as_json", is_flag=True, help=OBJECT_JSON_HELP)


@dataclass(frozen=True)
class Column:
    """One column of a text table: its header and how a row's cell is shown."""

    header: str
    cell: Callable[[Any], object]
    right: bool = False  # right-align (numbers)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat() + ("Z" if value.tzinfo is None else "")
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def dumps(data: Any) -> str:
    """The JSON text of *data* (datetimes as ISO 8601, tuples as arrays)."""
    return json.dumps(data, indent=1, ensure_ascii=False, default=_plain)


def text(value: object) -> str:
    """A value as a table cell or ``field: value`` line: lists comma-joined, flags on/off,
    nothing as ``-``."""
    if isinstance(value, list | tuple):
        return ",".join(str(x) for x in value) or "-"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    return str(value) if value not in ("", None) else "-"


def table(rows: Iterable[Any], columns: Sequence[Column]) -> list[str]:
    """Lines of a table: a header row, then one line per row; columns as wide as their widest
    cell, the last one unpadded."""
    cells = [[c.header for c in columns]]
    cells += [[text(c.cell(row)) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    out = []
    for line in cells:
        parts = [value.rjust(w) if col.right else value.ljust(w)
                 for col, value, w in zip(columns, line, widths, strict=True)]
        parts[-1] = line[-1].rjust(widths[-1]) if columns[-1].right else line[-1]
        out.append("  ".join(parts))
    return out


def emit_list(rows: Sequence[Any], as_json: bool, columns: Sequence[Column],
              as_dict: Callable[[Any], Mapping[str, Any]], empty: str) -> None:
    """A list: one JSON array of ``as_dict(row)``, or a table (``empty`` when there are no
    rows)."""
    if as_json:
        click.echo(dumps([as_dict(r) for r in rows]))
    elif not rows:
        click.echo(empty)
    else:
        click.echo("\n".join(table(rows, columns)))


def emit_object(data: Mapping[str, Any], as_json: bool,
                describe: Callable[[Mapping[str, Any]], str] | None = None) -> None:
    """One thing: one JSON object, or ``describe(data)`` (default: ``field: value`` lines)."""
    if as_json:
        click.echo(dumps(data))
    elif describe is not None:
        click.echo(describe(data))
    else:
        click.echo("\n".join(f"{k}: {text(v)}" for k, v in data.items()))
