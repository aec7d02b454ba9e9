"""Reconciliation: every record Asterisk wrote to Master.csv that the store lacks is imported.

Run after every bridge start, every AMI reconnect, and periodically. AMI has no replay, so
Master.csv (cdr_csv, written by Asterisk itself) is the source of truth for completeness; the
store's natural key makes every import idempotent ("exactly once" in effect).

Rotation, so Master.csv does not grow for ever and no record is ever lost:
1. ``Master.csv`` is renamed to ``Master.csv.voco-<UTC stamp>``. cdr_csv opens, appends and
   closes the file for each record, so the next record simply creates a new Master.csv; a write
   that had already opened the old file lands in the renamed one.
2. Each ``.voco-*`` file is imported, then renamed ``….done-<bytes read>``.
3. A ``.done-N`` file whose rename is older than :data:`GRACE_S` is read once more from byte N
   (catching a record that was being appended during step 1), then deleted.
So Asterisk's copy lives at most one reconcile period plus the grace time after it is stored;
from then on the store's retention policy governs the data. A file is only deleted once every
record in it is durable (in the store, or in the journal when the store is down). Lines that do
not parse make their file be kept as ``….unreadable`` for an administrator, never deleted.

Deleted records (:mod:`~asterisk_bridge.cdr.tombstones`) are never imported, and :func:`scrub`
removes them from the files: it runs after every deletion or retention purge (rotating
Master.csv aside, then rewriting every rotated file past the grace), and each reconciliation
scrubs the ``….unreadable`` files it keeps. A file within the grace may still receive a record
cdr_csv was appending during the rename, which a rewrite could lose: it is left to the next
reconciliation, which imports it without the deleted records and deletes it after the grace.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from asterisk_bridge.cdr import csvsource
from asterisk_bridge.cdr.csvscrub import Refuse, scrub_file
from asterisk_bridge.cdr.rows import Row

log = logging.getLogger(__name__)

GRACE_S = 60.0
BATCH = 1000
ROTATED = "Master.csv.voco-"
UNREADABLE = ".unreadable"


@dataclass
class ReconcileReport:
    """What one reconciliation did."""

    files: int = 0
    records: int = 0
    malformed: list[str] = field(default_factory=list)
    deleted: int = 0


@dataclass
class ScrubReport:
    """What one scrub did to Asterisk's files."""

    removed: int = 0  # deleted records removed from the files
    files: int = 0  # files rewritten
    young: int = 0  # files within the grace time, left to the reconciliation


def csv_dir(ast_log_dir: str | os.PathLike[str]) -> Path:
    """Where cdr_csv writes, given Asterisk's log directory (as seen from the bridge)."""
    return Path(ast_log_dir) / "cdr-csv"


def rotate(directory: Path) -> Path | None:
    """Rename a non-empty Master.csv aside; return the new path (None if nothing to rotate)."""
    live = directory / csvsource.MASTER
    try:
        if live.stat().st_size == 0:
            return None
    except FileNotFoundError:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = directory / f"{ROTATED}{stamp}"
    os.rename(live, target)
    return target


def scrub(directory: Path, node: str, refuse: Refuse, grace_s: float = GRACE_S
          ) -> ScrubReport:
    """Rotate Master.csv aside, then rewrite every rotated file past the grace without the
    records ``refuse`` names. OSError if the files cannot be read or written."""
    report = ScrubReport()
    if not directory.is_dir():
        return report
    rotate(directory)
    now = time.time()
    for path in sorted(directory.glob(f"{ROTATED}*")):
        if now - path.stat().st_ctime < grace_s:
            report.young += 1
            continue
        removed = scrub_file(path, node, refuse)
        report.removed += removed
        report.files += bool(removed)
    return report


def reconcile(directory: Path, node: str, write: Callable[[Sequence[Row]], object],
              grace_s: float = GRACE_S, refuse: Refuse | None = None) -> ReconcileReport:
    """Rotate, import and clean up Asterisk's CDR files in ``directory``; ``refuse`` names
    deleted records, which are scrubbed from the files kept as unreadable."""
    report = ReconcileReport()
    if not directory.is_dir():
        log.warning("CDR reconciliation skipped: %s does not exist (is cdr_csv loaded?)",
                    directory)
        return report
    rotate(directory)
    now = time.time()
    for path in sorted(directory.glob(f"{ROTATED}*")):
        name = path.name
        if name.endswith(UNREADABLE):
            if refuse is not None and now - path.stat().st_ctime >= grace_s:
                scrub_file(path, node, refuse)
            continue
        if ".done-" in name:
            if now - path.stat().st_ctime < grace_s:
                continue
            read = _import(path, node, int(name.rsplit(".done-", 1)[1]), write, report)
            if not _set_aside_if_unreadable(path, read):
                path.unlink()
                report.deleted += 1
        else:
            read = _import(path, node, 0, write, report)
            if not _set_aside_if_unreadable(path, read):
                os.rename(path, path.with_name(f"{name}.done-{read.end_offset}"))
    return report


def _set_aside_if_unreadable(path: Path, read: csvsource.CsvRead) -> bool:
    """Keep a file with unparsable lines for an administrator instead of deleting it."""
    if not read.malformed:
        return False
    target = path.with_name(path.name + UNREADABLE)
    os.rename(path, target)
    log.error("%s kept as %s: %d unreadable CDR line(s); the readable ones were imported",
              path.name, target.name, len(read.malformed))
    return True


def _import(path: Path, node: str, offset: int, write: Callable[[Sequence[Row]], object],
            report: ReconcileReport) -> csvsource.CsvRead:
    read = csvsource.read_records(path, node, offset)
    for i in range(0, len(read.rows), BATCH):
        write(read.rows[i:i + BATCH])
    report.files += 1
    report.records += len(read.rows)
    report.malformed.extend(read.malformed)
    return read
