"""Disk and RAM-spool pressure: how full the data disk and the plaintext spool are.

The spool is RAM (tmpfs): a full one makes MixMonitor fail and loses recordings; a full data
disk stops the store and the vault. Both are measured with ``statvfs`` (``shutil.disk_usage``)
and become ``disk_full`` / ``spool_full`` events past their thresholds; the notifier's folding
keeps a disk that stays full from sending more than one message per ``interval_s``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Pressure:
    """One filesystem past its threshold."""

    kind: str  # disk_full | spool_full
    path: str
    percent: int


def percent_used(path: Path) -> int | None:
    """How full the filesystem holding *path* is (None if it does not exist)."""
    try:
        usage = shutil.disk_usage(path)
    except OSError:
        return None
    return round(100 * usage.used / usage.total) if usage.total else None


def check(data_dir: Path, spool_dir: Path, disk_percent: int,
          spool_percent: int) -> list[Pressure]:
    """The filesystems at or past their thresholds."""
    found = []
    for kind, path, limit in (("disk_full", data_dir, disk_percent),
                              ("spool_full", spool_dir, spool_percent)):
        used = percent_used(path)
        if used is not None and used >= limit:
            found.append(Pressure(kind, str(path), used))
    return found
