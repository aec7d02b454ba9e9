"""Deleted CDRs stay deleted: no storing path brings them back, and Asterisk's files lose them.

Master.csv content is real cdr_csv output (tests/unit/data); every test runs on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select

from asterisk_bridge.cdr import csvsource, reconcile, rows, tombstones
from asterisk_bridge.cdr.erase import TOMBSTONE, delete_cdrs
from asterisk_bridge.cdr.journal import Journal
from asterisk_bridge.cdr.query import CdrFilter
from asterisk_bridge.cdr.reconcile import ScrubReport
from asterisk_bridge.cdr.rows import Row
from asterisk_bridge.cdr.sealing import CdrSealer
from asterisk_bridge.cdr.sink import CdrSink
from asterisk_bridge.cdr.store import insert_rows
from asterisk_bridge.config import AsteriskSettings
from asterisk_bridge.context import App
from asterisk_bridge.retention import policy as retention
from asterisk_bridge.services.init import initialise
from asterisk_bridge.store.models import OplogEntry
from asterisk_bridge.store.models.cdr import CdrRecord, CdrTombstone

DATA = Path(__file__).parent / "data"
CALLS = ("cdr_attended_transfer.csv", "cdr_no_answer.csv")  # 9 + 4 records, distinct keys
NOANSWER = "1795915404.0"  # the linkedid of the call in cdr_no_answer.csv


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> App:
    """A Voco installation whose Asterisk logs (cdr-csv) live in tmp_path/log."""
    (tmp_path / "log" / "cdr-csv").mkdir(parents=True)
    return App(initialise(tmp_path / "voco.toml", tmp_path / "data", db_url,
                          AsteriskSettings(ast_log_dir=str(tmp_path / "log"))))


def _csv_dir(app: App) -> Path:
    return Path(app.config.asterisk.ast_log_dir) / "cdr-csv"


def _master(app: App, *names: str) -> bytes:
    """Write the given captures as Asterisk's live Master.csv."""
    data = b"".join((DATA / n).read_bytes() for n in names)
    (_csv_dir(app) / "Master.csv").write_bytes(data)
    return data


def _file_rows(path: Path) -> list[Row]:
    return csvsource.read_records(path, "node1").rows


def _keys(records: Sequence[Row]) -> set[tuple[str, int]]:
    return {(r["uniqueid"], r["sequence"]) for r in records}


def _stored(app: App) -> set[tuple[str, int]]:
    with app.engine.connect() as conn:
        return {(u, s) for u, s in conn.execute(select(CdrRecord.uniqueid, CdrRecord.sequence))}


def _reconcile(app: App, sink: CdrSink, grace_s: float) -> None:
    reconcile.reconcile(_csv_dir(app), "node1", sink.write_missing, grace_s,
                        partial(tombstones.refused_keys, app.engine))


def _on_disk(app: App) -> set[tuple[str, int]]:
    """Every record in every file of Asterisk's CDR directory."""
    return {k for p in _csv_dir(app).iterdir() for k in _keys(_file_rows(p))}


def test_no_copy_brings_a_deleted_record_back(app: App, tmp_path: Path) -> None:
    """Deleted, then offered again by each storing path: live AMI, the journal, Master.csv."""
    data = _master(app, *CALLS)
    every = _file_rows(_csv_dir(app) / "Master.csv")
    sink = CdrSink(app.engine, Journal(tmp_path / "journal.db", app.master_key),
                   CdrSealer(app.master_key))
    _reconcile(app, sink, grace_s=3600)  # imported from Master.csv; its copy kept (grace)
    assert _stored(app) == _keys(every)
    gone = {k for k in _keys(every) if k[0].startswith("1795915404.")}  # the no-answer call
    assert delete_cdrs(app, CdrFilter.build(disposition="no-answer"), "subject request #7",
                       "alice") == 1
    assert delete_cdrs(app, CdrFilter.build(ids=tuple(_ids(app, gone))), "whole call",
                       "alice") == len(gone) - 1
    ami = [r | {"origin": "ami"} for r in every if (r["uniqueid"], r["sequence"]) in gone]
    assert insert_rows(app.engine, ami, CdrSealer(app.master_key)) == 0  # the live AMI path
    sink.journal.append(ami)  # rows that waited in the journal through an outage
    assert sink.flush() and sink.journal.pending() == 0
    (_csv_dir(app) / "Master.csv").write_bytes(data)  # Asterisk's file, not rotated yet
    _reconcile(app, sink, grace_s=3600)
    assert _stored(app) == _keys(every) - gone
    t = CdrTombstone
    with app.engine.connect() as conn:
        stones = conn.execute(select(t.node, t.uniqueid, t.sequence, t.deleted_by, t.reason)).all()
    assert {(n, u, q) for n, u, q, _, _ in stones} == {("node1", *k) for k in gone}
    assert {(who, why) for _, _, _, who, why in stones} == {
        ("alice", "subject request #7"), ("alice", "whole call")}
    assert set(CdrTombstone.__table__.columns.keys()) == {  # no data of the call
        "node", "uniqueid", "sequence", "deleted_at", "deleted_by", "reason"}


def _ids(app: App, keys: set[tuple[str, int]]) -> list[int]:
    with app.engine.connect() as conn:
        return [i for i, u, s in conn.execute(select(CdrRecord.id, CdrRecord.uniqueid,
                                                     CdrRecord.sequence)) if (u, s) in keys]


def test_asterisk_files_are_scrubbed_of_deleted_records(app: App, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Master.csv is rotated aside and every file past the grace rewritten without the deleted
    lines (all other bytes kept); a .done-N file keeps reading from the same record; the
    reconciliation deletes what is left once past the grace."""
    data = _master(app, *CALLS)
    every = _file_rows(_csv_dir(app) / "Master.csv")
    sink = CdrSink(app.engine, Journal(tmp_path / "journal.db", app.master_key),
                   CdrSealer(app.master_key))
    _reconcile(app, sink, grace_s=3600)
    (done,) = _csv_dir(app).iterdir()
    late = (DATA / "cdr_no_answer.csv").read_bytes().replace(b"1795915404.", b"1795915999.")
    with done.open("ab") as fh:  # a record appended while the file was being renamed
        fh.write(late)
    doomed = _master(app, "cdr_no_answer.csv")  # the call is in the live Master.csv too
    done.chmod(0o640)
    before = {p.name: p.read_bytes() for p in _csv_dir(app).iterdir()}
    assert reconcile.scrub(_csv_dir(app), "node1", lambda _rows: set(), 3600) == ScrubReport(
        young=2)  # within the grace nothing is rewritten
    monkeypatch.setattr(reconcile, "GRACE_S", 0.0)  # both files are past it now
    deleted = delete_cdrs(app, CdrFilter.build(extension="1001", since="2026-11-29T01:23:00",
                                               until="2026-11-29T01:23:30"), "erase", "bob")
    assert deleted == 4
    assert not (_csv_dir(app) / "Master.csv").exists()  # rotated aside
    assert _oplog_tombstone(app)["asterisk_files"] == {"removed": 8, "files": 2, "young": 0}
    (rotated,) = _csv_dir(app).glob("Master.csv.voco-*Z")
    assert rotated.name not in before and rotated.read_bytes() == b""  # all four were deleted
    (scrubbed,) = _csv_dir(app).glob("Master.csv.voco-*.done-*")
    assert scrubbed.read_bytes() == data.replace(doomed, b"") + late
    assert scrubbed.stat().st_mode & 0o777 == 0o640
    read_to = int(scrubbed.name.rsplit(".done-", 1)[1])
    assert scrubbed.read_bytes()[read_to:] == late  # the unread tail is still unread
    _reconcile(app, sink, grace_s=0)  # imports the rest, reads the tail, deletes the files
    _reconcile(app, sink, grace_s=0)
    assert list(_csv_dir(app).iterdir()) == []
    assert _stored(app) == _keys(every) - _keys(_rows_of(doomed)) | _keys(_rows_of(late))


def _rows_of(data: bytes) -> list[Row]:
    return [rows.from_csv(f, "node1") for f in csv.reader(io.StringIO(data.decode(),
                                                                       newline=""))]


def _oplog_tombstone(app: App) -> dict[str, object]:
    with app.engine.connect() as conn:
        msg = conn.execute(select(OplogEntry.message).where(OplogEntry.command == TOMBSTONE)
                           .order_by(OplogEntry.seq.desc())).scalars().first()
    assert msg is not None
    return dict(json.loads(msg))


def test_an_unreadable_file_kept_for_the_admin_is_scrubbed_too(app: App, tmp_path: Path
                                                                ) -> None:
    (_csv_dir(app) / "Master.csv").write_bytes(
        b"garbage\n" + (DATA / "cdr_no_answer.csv").read_bytes())
    sink = CdrSink(app.engine, Journal(tmp_path / "journal.db", app.master_key),
                   CdrSealer(app.master_key))
    _reconcile(app, sink, grace_s=3600)
    (kept,) = _csv_dir(app).iterdir()
    assert kept.name.endswith(".unreadable")
    delete_cdrs(app, CdrFilter.build(disposition="failed"), "erase", "bob")
    os.utime(kept, (0, 0))
    _reconcile(app, sink, grace_s=0)
    assert kept.read_bytes().startswith(b"garbage\n")  # what cannot be identified stays
    assert {r["disposition"] for r in _file_rows(kept)} == {"ANSWERED", "NO ANSWER"}


def test_retention_is_permanent_even_after_the_policy_is_removed(app: App, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    data = _master(app, *CALLS)
    every = _file_rows(_csv_dir(app) / "Master.csv")
    sink = CdrSink(app.engine, Journal(tmp_path / "journal.db", app.master_key),
                   CdrSealer(app.master_key))
    _reconcile(app, sink, grace_s=3600)
    delete_cdrs(app, CdrFilter.build(disposition="busy"), "one more", "bob")  # none busy
    delete_cdrs(app, CdrFilter.build(disposition="failed"), "erase", "bob")
    later = tombstones.now() + timedelta(days=10)  # after every record and every deletion
    monkeypatch.setattr(tombstones, "now", lambda: later + timedelta(days=30))
    monkeypatch.setattr(retention, "now", lambda: later + timedelta(days=30))
    retention.set_policy(app.engine, "cdr", 30)
    assert retention.enforce(app, "bridge") == {"cdr": len(every) - 1}
    assert _stored(app) == set()
    with app.engine.connect() as conn:
        assert conn.execute(select(CdrTombstone)).first() is None  # covered by the floor now
        assert tombstones.floor(conn) == later
    retention.set_policy(app.engine, "cdr", None)  # no policy any more: still nothing back
    (_csv_dir(app) / "Master.csv").write_bytes(data)
    assert insert_rows(app.engine, every, CdrSealer(app.master_key)) == 0
    _reconcile(app, sink, grace_s=3600)
    assert _stored(app) == set()
    tombstones.raise_floor(app.engine, later - timedelta(days=300))  # never moves down
    with app.engine.connect() as conn:
        assert tombstones.floor(conn) == later
