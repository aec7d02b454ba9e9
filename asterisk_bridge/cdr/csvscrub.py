"""Rewriting one of Asterisk's CDR files without the records the store refuses.

Voco controls Asterisk's CDR files (the bridge rotates, imports and deletes them), so a deleted
record must not survive there either (:func:`asterisk_bridge.cdr.reconcile.scrub` says when a
file may be rewritten). Bytes are copied record by record, so nothing else in the file changes;
the new file is written beside the old one, fsynced, and renamed over it with the old one's mode
and owner. A ``….done-N`` file (read up to byte N) is renamed so that N still points at the same
record boundary. Records that do not parse are kept: they cannot be identified.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from asterisk_bridge.cdr import rows
from asterisk_bridge.cdr.tombstones import Key, key
from asterisk_bridge.errors import ValidationError

log = logging.getLogger(__name__)

Refuse = Callable[[Sequence[rows.Row]], set[Key]]
"""Given parsed records, the keys that must go (:func:`tombstones.refused_keys` bound)."""
DONE = ".done-"


def scrub_file(path: Path, node: str, refuse: Refuse) -> int:
    """Rewrite ``path`` without its refused records; return how many were removed."""
    data = path.read_bytes()
    records = list(_records(data))
    parsed = [(span, _parse(data[span[0]:span[1]], node)) for span in records]
    found = [row for _, row in parsed if row is not None]
    gone = refuse(found) if found else set()
    drop = [span for span, row in parsed if row is not None and key(row) in gone]
    if not drop:
        return 0
    kept, at, offset, read_to = bytearray(), 0, 0, _done_offset(path.name)
    for start, end in drop:
        kept += data[at:start]
        at = end
        if read_to is not None and end <= read_to:
            offset += end - start
    kept += data[at:]
    target = path
    if read_to is not None:
        target = path.with_name(f"{path.name.rsplit(DONE, 1)[0]}{DONE}{read_to - offset}")
    _replace(path, target, bytes(kept))
    log.info("removed %d deleted CDR record(s) from Asterisk's %s", len(drop), target.name)
    return len(drop)


def _records(data: bytes) -> Iterator[tuple[int, int]]:
    """Byte spans of the complete records: lines joined while a quoted field is open (cdr_csv
    doubles quotes inside fields, so an odd count means a field with a newline)."""
    start = at = 0
    quotes = 0
    while (nl := data.find(b"\n", at)) >= 0:
        quotes += data.count(b'"', at, nl)
        at = nl + 1
        if quotes % 2 == 0:
            yield start, at
            start, quotes = at, 0


def _parse(record: bytes, node: str) -> rows.Row | None:
    try:
        fields = next(csv.reader([record.decode("utf-8", "replace")], strict=True))
        return rows.from_csv(fields, node)
    except (csv.Error, StopIteration, ValidationError):
        return None


def _done_offset(name: str) -> int | None:
    if DONE not in name:
        return None
    try:
        return int(name.rsplit(DONE, 1)[1])
    except ValueError:
        return None


def _replace(old: Path, new: Path, data: bytes) -> None:
    """Write ``data`` as ``new`` (fsynced, ``old``'s mode and owner), then remove ``old``."""
    info = old.stat()
    tmp = old.with_name(f".{old.name}.scrub")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()  # left by an interrupted scrub
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, info.st_mode & 0o777)
    with os.fdopen(fd, "wb") as fh:
        with contextlib.suppress(PermissionError):
            os.fchown(fd, info.st_uid, info.st_gid)
        fh.write(data)
        fh.flush()
        os.fsync(fd)
    os.rename(tmp, new)
    if new != old:
        old.unlink()
    dir_fd = os.open(old.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
