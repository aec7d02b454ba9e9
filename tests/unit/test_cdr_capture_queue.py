"""The CDR writer: commits a lone row at once, batches what queued during a commit, keeps one
connection, and a full queue drops rows that reconciliation with Master.csv brings back, each
stored once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from asterisk_bridge.cdr import csvsource
from asterisk_bridge.cdr.capture import CdrCapture
from asterisk_bridge.cdr.journal import Journal
from asterisk_bridge.cdr.rows import AMI_TEXT, Row
from asterisk_bridge.cdr.sealing import CdrSealer
from asterisk_bridge.cdr.sink import CdrSink
from asterisk_bridge.config import AsteriskSettings
from asterisk_bridge.context import App
from asterisk_bridge.services.init import initialise
from asterisk_bridge.store.models.cdr import CdrRecord
from tests.polling import await_for

DATA = Path(__file__).parent / "data"
FILES = ("cdr_attended_transfer.csv", "cdr_queue_ringall.csv")  # 14 records, no key twice


def _app(db_url: str, tmp_path: Path) -> App:
    logs = tmp_path / "asterisk-log"
    (logs / "cdr-csv").mkdir(parents=True)
    return App(initialise(tmp_path / "voco.toml", tmp_path / "data", db_url,
                          replace(AsteriskSettings(), ast_log_dir=str(logs))))


def _master_csv(app: App) -> list[Row]:
    """Asterisk's Master.csv holding two recorded calls; their rows."""
    master = Path(app.config.asterisk.ast_log_dir) / "cdr-csv" / "Master.csv"
    master.write_text("".join((DATA / f).read_text() for f in FILES))
    return csvsource.read_records(master, app.config.asterisk.node).rows


def _event(row: Row) -> dict[str, Any]:
    """The AMI Cdr event cdr_manager sends for ``row``."""
    event = {header: row[col] for header, col in AMI_TEXT.items()}
    stamp = {k: row[k].strftime("%Y-%m-%d %H:%M:%S") if row[k] else "" for k in
             ("start", "answer", "end")}
    return {**event, "Event": "Cdr", "Sequence": str(row["sequence"]),
            "StartTime": stamp["start"], "AnswerTime": stamp["answer"], "EndTime": stamp["end"],
            "Duration": str(row["duration"]), "BillableSeconds": str(row["billsec"])}


def _stored(app: App) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(CdrRecord)).scalar_one())


def test_idle_commits_alone_busy_batches_what_queued(db_url: str, tmp_path: Path) -> None:
    app = _app(db_url, tmp_path)
    events = [_event(r) for r in _master_csv(app)]
    batches: list[int] = []
    release = threading.Event()

    def committed(batch: Sequence[Row], where: str) -> None:
        batches.append(len(batch))
        release.wait(60)  # the first commit is slow: the next rows queue behind it

    async def run() -> None:
        capture = CdrCapture(app, reconcile_every=3600, on_commit=committed)
        await capture.handle_event(events[0])
        await await_for(lambda: batches == [1], "the lone row committed without waiting")
        for event in events[1:6]:
            await capture.handle_event(event)
        release.set()
        await capture.close()

    asyncio.run(run())
    assert batches == [1, 5]  # the five that queued during the first commit, together
    assert _stored(app) == 6


def test_full_queue_drops_rows_that_reconciliation_stores_once(db_url: str,
                                                               tmp_path: Path) -> None:
    app = _app(db_url, tmp_path)
    rows = _master_csv(app)
    assert len(rows) == 14

    async def run() -> CdrCapture:
        capture = CdrCapture(app, queue_max=5, reconcile_every=3600, flush_every=0.1)
        for row in rows:  # no await in between: the writer cannot drain the queue meanwhile
            await capture.handle_event(_event(row))
        await await_for(lambda: _stored(app) == len(rows), "the dropped rows reconciled")
        await capture.close()
        return capture

    capture = asyncio.run(run())
    assert (capture.received, capture.overflowed) == (14, 9)
    assert _stored(app) == 14  # each record once: queued and reconciled copies are one row


def test_the_sink_keeps_one_connection(db_url: str, tmp_path: Path) -> None:
    """No pooled checkout (and, on PostgreSQL, pre-ping round trip) per batch."""
    app = _app(db_url, tmp_path)
    checkouts: list[object] = []
    sa_event.listen(app.engine, "checkout", lambda *_: checkouts.append(None))
    sink = CdrSink(app.engine, Journal(tmp_path / "journal.db", app.master_key),
                   CdrSealer(app.master_key))
    rows = _master_csv(app)
    for row in rows:
        assert sink.write([row]) == "store"
    sink.close()
    assert len(checkouts) == 1
    assert _stored(app) == len(rows)
