"""Every place that holds personal data or secrets, and whether other users can read it.

One registry (:data:`HOLDERS`) names where such files live and whose they are, and so how
private they must be. Voco's own (the data directory with the store, journal, recordings, keys
and backups; the config file; the master key and its neighbours; a SQLite store kept elsewhere)
are for their owner only: files 0600, directories 0700. Asterisk's (voicemail, the recording
spool, its CDR files) may be shared with Asterisk's group, never with others: 0640 and 0750.
``voco check`` lists what is looser, and ``voco bridge run`` will not start while Voco's own
files are. A feature that stores personal data in a new place adds a holder here.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from asterisk_bridge.config import Config
from asterisk_bridge.store.engine import sqlite_path

#: Permission bits each owner's files must not have.
FORBIDDEN_BITS = {"voco": 0o077, "asterisk": 0o007}
_FIX = {"voco": "go-rwx", "asterisk": "o-rwx"}


@dataclass(frozen=True)
class Holder:
    """Where one kind of personal data or secret lives (files, or directories walked whole)."""

    what: str
    owner: str  # "voco" | "asterisk"
    roots: Callable[[Config], Iterable[Path]]


@dataclass(frozen=True)
class Loose:
    """A file or directory others can read (or, for Voco's own, Voco's group too)."""

    path: Path
    mode: int
    holder: Holder

    @property
    def fix(self) -> str:
        """The command that makes it private."""
        return f"chmod {_FIX[self.holder.owner]} {self.path}"

    def describe(self) -> str:
        """One line for a terminal or a log."""
        return (f"{self.path} is {self.mode:04o} ({self.holder.what}, readable beyond "
                f"{'its owner' if self.holder.owner == 'voco' else 'Asterisk'}); "
                f"run '{self.fix}'")


@dataclass
class Report:
    """What :func:`check` found."""

    checked: int = 0
    loose: list[Loose] = field(default_factory=list)
    unchecked: list[Path] = field(default_factory=list)  # permission denied


def _store_files(cfg: Config) -> Iterator[Path]:
    try:
        db = sqlite_path(make_url(cfg.db_url))
    except (ArgumentError, ValueError):
        return
    if db is not None:
        yield from (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"))


def _key_files(cfg: Config) -> Iterator[Path]:
    key = cfg.master_key_file
    yield key
    yield cfg.oplog_anchor
    yield from key.parent.glob(f"{key.name}.*")  # a pending rotation, kept old keys


def _asterisk_files(cfg: Config) -> Iterator[Path]:
    ast = cfg.asterisk
    if ast.ast_spool_dir:
        yield Path(ast.ast_spool_dir) / "voicemail"
        yield ast.rec_spool_dir
    if ast.ast_log_dir:
        yield Path(ast.ast_log_dir) / "cdr-csv"
    if ast.ast_etc_dir:
        yield Path(ast.ast_etc_dir) / "keys"  # Asterisk's copy of the TLS key (tls/asterisk.py)


HOLDERS: list[Holder] = [
    Holder("Voco's data directory", "voco", lambda cfg: [cfg.data_dir]),
    Holder("Voco's config file", "voco", lambda cfg: [cfg.path]),
    Holder("the master key and the operation log anchor", "voco", _key_files),
    Holder("the SQLite store", "voco", _store_files),
    Holder("Asterisk's voicemail, recording spool, CDR files and TLS key", "asterisk",
           _asterisk_files),
    Holder("Asterisk's full debug log ('voco debug')", "asterisk",
           lambda cfg: [Path(cfg.asterisk.ram_log_dir)] if cfg.asterisk.ram_log_dir else []),
]


def _walk(root: Path) -> Iterator[Path]:
    """*root* and, for a directory, everything under it (symlinks are not followed)."""
    yield root
    if root.is_dir() and not root.is_symlink():
        for parent, dirs, files in os.walk(root, onerror=_raise):
            for name in (*dirs, *files):
                yield Path(parent) / name


def _raise(err: OSError) -> None:
    raise err


def check(cfg: Config) -> Report:
    """Every registered file or directory whose mode is looser than its owner allows."""
    report = Report()
    seen: set[Path] = set()
    for holder in HOLDERS:
        for root in holder.roots(cfg):
            try:
                for path in _walk(root):
                    if path in seen:
                        continue
                    seen.add(path)
                    _check_one(report, holder, path)
            except PermissionError:
                report.unchecked.append(root)
    return report


def _check_one(report: Report, holder: Holder, path: Path) -> None:
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        return
    report.checked += 1
    mode = stat.S_IMODE(st.st_mode)
    if mode & FORBIDDEN_BITS[holder.owner]:
        report.loose.append(Loose(path, mode, holder))
