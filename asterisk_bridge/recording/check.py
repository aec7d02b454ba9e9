"""``voco recording check``: the store and the table must agree, file for row.

Reported, never repaired automatically: a file without a row may be the only trace of a bug, and a
row without a file may mean a restore went wrong; both need a person to look. A key still wrapped
in version 1 (not bound to its recording) is bound by the next ``voco keys rotate``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from asterisk_bridge.context import App
from asterisk_bridge.crypto import keywrap
from asterisk_bridge.recording.vault import CIPHER_SUFFIX, recordings_dir
from asterisk_bridge.store.models.recording import Recording, RecordingKey


@dataclass
class CheckReport:
    """Everything out of place; empty lists mean a consistent store."""

    rows: int = 0
    files_without_row: list[str] = field(default_factory=list)
    rows_without_file: list[str] = field(default_factory=list)
    rows_without_key: list[str] = field(default_factory=list)
    size_mismatch: list[str] = field(default_factory=list)
    hash_mismatch: list[str] = field(default_factory=list)
    unbound_keys: list[str] = field(default_factory=list)  # version 1 wraps: rotate to bind

    @property
    def problems(self) -> dict[str, list[str]]:
        """Only the non-empty findings, by kind."""
        kinds = ("files_without_row", "rows_without_file", "rows_without_key",
                 "size_mismatch", "hash_mismatch", "unbound_keys")
        return {k: getattr(self, k) for k in kinds if getattr(self, k)}


def check(app: App, *, verify_hashes: bool = False) -> CheckReport:
    """Compare ``<data_dir>/recordings`` with the table; *verify_hashes* reads every file."""
    directory = recordings_dir(app)
    report = CheckReport()
    with Session(app.engine) as session:
        rows = session.scalars(select(Recording)).all()
        keyed = {key_id: keywrap.is_legacy(wrapped) for key_id, wrapped in session.execute(
            select(RecordingKey.key_id, RecordingKey.wrapped))}
    report.rows = len(rows)
    files = {p.name for p in directory.glob(f"*{CIPHER_SUFFIX}") if not p.name.startswith(".")}
    report.files_without_row = sorted(files - {r.path for r in rows})
    for row in rows:
        path = directory / row.path
        if row.key_id not in keyed:
            report.rows_without_key.append(row.id)
        elif keyed[row.key_id]:
            report.unbound_keys.append(row.id)
        if row.path not in files:
            report.rows_without_file.append(row.id)
        elif path.stat().st_size != row.size:
            report.size_mismatch.append(row.id)
        elif verify_hashes and _sha256(path) != row.sha256:
            report.hash_mismatch.append(row.id)
    return report


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()
