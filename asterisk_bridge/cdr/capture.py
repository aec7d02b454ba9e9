"""The CDR capability: AMI ``Cdr`` events become stored rows; Master.csv fills every gap.

Flow: each ``Cdr`` event is parsed into a row and queued; one writer task takes whatever is
queued (up to :attr:`batch_max` rows) without waiting for more, makes the batch durable (store
commit, or local journal fsync while the store is down) in a worker thread, and only then
counts it as processed. An idle bridge thus commits a row as soon as it arrives, and a busy one
batches exactly what queued while the previous commit ran. Nothing is acknowledged to anyone
before that, and nothing needs to be: a row lost in memory (bridge killed) is still in
Asterisk's Master.csv, which is reconciled after every start, every AMI reconnect and every
:attr:`reconcile_every` seconds. The queue is bounded (:attr:`queue_max` rows): a row that
finds it full is dropped, counted, and brought back by a reconciliation run at the next
maintenance round, so a store slower than Asterisk costs latency, never memory or records.
The same periodic task retries the journal (retention is its own capability:
:mod:`asterisk_bridge.retention.capability`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from asterisk_bridge.bridge.capability import BridgeHandle, Event, Gap
from asterisk_bridge.cdr import rows, tombstones
from asterisk_bridge.cdr.journal import Journal
from asterisk_bridge.cdr.reconcile import GRACE_S, csv_dir, reconcile
from asterisk_bridge.cdr.sealing import CdrSealer
from asterisk_bridge.cdr.sink import CdrSink
from asterisk_bridge.context import App
from asterisk_bridge.errors import ValidationError

log = logging.getLogger(__name__)

JOURNAL_FILE = "cdr-journal.db"
CommitHook = Callable[[Sequence[rows.Row], str], None]


class CdrCapture:
    """Capability ``cdr``: see the module docstring."""

    name = "cdr"

    def __init__(self, app: App, *, batch_max: int = 1000, queue_max: int = 10_000,
                 reconcile_every: float = 300.0, flush_every: float = 5.0,
                 csv_grace_s: float = GRACE_S,
                 on_commit: CommitHook | None = None) -> None:
        self.app = app
        self.node = app.config.asterisk.node
        self.batch_max = batch_max
        self.queue_max = queue_max
        self.reconcile_every = reconcile_every
        self.flush_every = flush_every
        self.csv_grace_s = csv_grace_s
        self.on_commit = on_commit
        self.journal = Journal(Path(app.config.data_dir) / JOURNAL_FILE, app.master_key)
        self.sink = CdrSink(app.engine, self.journal,
                            CdrSealer(app.master_key, app.config.privacy.default_region))
        log_dir = app.config.asterisk.ast_log_dir
        self.csv_dir = csv_dir(log_dir) if log_dir else None
        self.received = 0
        self.rejected = 0
        self.overflowed = 0  # rows dropped on a full queue, left to reconciliation
        self._repair = False  # a reconciliation is owed for dropped rows
        self._queue: asyncio.Queue[rows.Row] = asyncio.Queue(queue_max)
        self._tasks: list[asyncio.Task[None]] = []
        self._reconcile_lock = asyncio.Lock()

    # --- contract ----------------------------------------------------------------------------
    def register(self, bridge: BridgeHandle) -> None:
        """Listen to ``Cdr`` events (cdr_manager) for this node."""
        self.node = bridge.node
        bridge.on_ami("Cdr", self.handle_event)

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        """After every AMI (re)connect: import what Asterisk wrote that the store lacks."""
        if link != "ami":
            return
        self._start_tasks()
        if gap is not None:
            log.info("AMI gap %s .. %s: reconciling CDRs from Master.csv", gap.start, gap.end)
        await self.reconcile_now()

    async def close(self) -> None:
        """Commit everything queued, then stop the background tasks."""
        if self._tasks:
            await self._queue.join()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await asyncio.to_thread(self.sink.flush)
        await asyncio.to_thread(self.sink.close)
        self.journal.close()

    # --- events ------------------------------------------------------------------------------
    async def handle_event(self, event: Event) -> None:
        """Queue one ``Cdr`` event as a row (malformed ones are logged; Master.csv has them)."""
        try:
            row = rows.from_ami(event, self.node)
        except ValidationError as exc:
            self.rejected += 1
            log.error("AMI Cdr event not stored (%s); reconciliation imports it", exc)
            return
        self.received += 1
        self._start_tasks()
        try:
            self._queue.put_nowait(row)
        except asyncio.QueueFull:
            if not self.overflowed % 1000:
                log.warning("CDR queue full (%d rows): %d rows dropped so far; reconciliation "
                            "with Master.csv stores them", self.queue_max, self.overflowed + 1)
            self.overflowed += 1
            self._repair = True

    async def reconcile_now(self) -> None:
        """Run one reconciliation (serialised with any other)."""
        if self.csv_dir is None:
            log.warning("CDR reconciliation disabled: [asterisk] ast_log_dir is not configured")
            return
        async with self._reconcile_lock:
            report = await asyncio.to_thread(reconcile, self.csv_dir, self.node,
                                             self._reconciled, self.csv_grace_s,
                                             partial(tombstones.refused_keys, self.app.engine))
        if report.records or report.malformed:
            log.info("reconciled %d CDR records from %d file(s); %d unreadable",
                     report.records, report.files, len(report.malformed))

    def _durable(self, batch: Sequence[rows.Row]) -> None:
        where = self.sink.write(batch)
        if self.on_commit is not None:
            self.on_commit(batch, where)

    def _reconciled(self, batch: Sequence[rows.Row]) -> None:
        self.sink.write_missing(batch)

    # --- background tasks --------------------------------------------------------------------
    def _start_tasks(self) -> None:
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._writer(), name="cdr-writer"),
                           asyncio.create_task(self._maintenance(), name="cdr-maintenance")]

    async def _writer(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.batch_max and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await asyncio.to_thread(self._durable, batch)
            except Exception:  # a bug or bad data: Master.csv still holds these records
                log.exception("could not store %d CDR rows; reconciliation will retry", len(batch))
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _maintenance(self) -> None:
        loop = asyncio.get_running_loop()
        next_reconcile = loop.time() + self.reconcile_every
        while True:
            await asyncio.sleep(self.flush_every)
            try:
                if self.journal.pending():
                    await asyncio.to_thread(self.sink.flush)
                if loop.time() >= next_reconcile or self._repair:
                    next_reconcile = loop.time() + self.reconcile_every
                    self._repair = False
                    await self.reconcile_now()
            except Exception:  # keep the bridge running; the next round retries
                log.exception("CDR maintenance round failed")
