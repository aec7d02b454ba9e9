"""Rotating queue_log away once its lines are in the store, losing none.

queue_log names callers (ENTERQUEUE carries the caller's number) and Asterisk never shortens it,
so the bridge moves it away once it has stored it. Asterisk's logger keeps queue_log open for
its whole run and reopens it only when the logger is reloaded, which is what makes this safe:

1. ``queue_log`` is renamed ``queue_log.voco-<UTC stamp>``. Asterisk keeps appending to the
   renamed file (the same open file), so no line goes anywhere else.
2. The logger is reloaded (AMI ``Reload`` of module ``logger``, what ``logger reload`` does):
   Asterisk closes the renamed file, every line it wrote now in it, and opens a new
   ``queue_log``. The reload and app_queue's writes take the same lock, so no write straddles it.
3. Each renamed file is read whole and its lines stored (idempotent: a line is unique per node
   by its hash, so a line the live reader stored already is not stored twice).
4. Only once that is committed is the renamed file deleted.

A crash, or a reload that failed, between any two steps leaves renamed files behind: the next
rotation (at every bridge start) reloads the logger first and then finishes them. A renamed file
is never deleted without a successful reload after its rename (Asterisk might still be writing
to it) nor before its lines are committed.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from asterisk_bridge.agents.ingest import ASIDE, asides, store_lines
from asterisk_bridge.agents.queuelog import parse
from asterisk_bridge.context import App

RELOAD = {"Action": "Reload", "Module": "logger"}


def set_aside(path: Path) -> list[Path]:
    """Rename a non-empty queue_log aside; returns every renamed file waiting for the reload
    (left from before, and the new one)."""
    try:
        if path.stat().st_size > 0:
            os.rename(path, path.with_name(
                f"{path.name}{ASIDE}{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}"))
    except FileNotFoundError:
        pass
    return asides(path)


def finish(app: App, renamed: list[Path]) -> int:
    """Store every line of each renamed file, then delete it (call only after a successful
    reload); returns how many lines were new to the store."""
    added = 0
    for path in renamed:
        text = path.read_bytes().decode("utf-8", "replace")
        lines = [p for p in (parse(raw) for raw in text.split("\n")) if p is not None]
        added += store_lines(app, lines) if lines else 0
        path.unlink()
    return added
