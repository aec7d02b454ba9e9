"""Hang-up → committed, timed from outside a running ``voco bridge run``.

Three clocks per CDR, all on this machine's wall clock:

- *hang-up*: Asterisk's ``EndEpoch`` (``CDR(end,u)``: microseconds);
- *posted*: when the Cdr event reached a second, independent AMI session filtered to Cdr events
  (:class:`CdrWatcher`): Asterisk's own part, before any bridge can see the record;
- *committed*: when the row became visible to a reader of the store (:class:`CommitWatcher`,
  polling every :data:`POLL_S`): what a user of the store sees.

So ``committed - hang-up`` is what the issue's goal counts, ``posted - hang-up`` is Asterisk's
part (its CDR engine and manager queue; the same for every store and every bridge), and
``committed - posted`` is what the bridge adds. The bridge runs as its own process exactly as
installed (every capability, its own session, so the kernel schedules it as a service of its
own, as systemd would), and calls come from a separate process (:func:`placer`), like callers.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from asterisk_bridge.bridge.amiframes import FrameParser
from asterisk_bridge.bridge.status import read_status
from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance

POLL_S = 0.002  # the commit watcher's resolution: a row is seen at most this late
SETTLE_S = 3.0  # after the bridge connected, before calls start
Key = tuple[str, int]  # (uniqueid, sequence): a CDR's identity on one node


async def raw_session(inst: Instance, events: str, then: str = ""
                      ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A plain AMI connection to *inst*, logged in with ``Events: <events>`` and *then* (more
    actions, already framed) sent: the bench reads its bytes itself, without any client."""
    info = inst.info()
    reader, writer = await asyncio.open_connection("127.0.0.1", info.ami_port)
    writer.write(f"Action: Login\r\nUsername: {info.ami_user}\r\nSecret: {info.ami_secret}"
                 f"\r\nEvents: {events}\r\n\r\n{then}".encode())
    return reader, writer


class CdrWatcher:
    """An AMI session filtered to ``Cdr`` events, noting when each arrived and its hang-up."""

    def __init__(self) -> None:
        self.posted: dict[Key, tuple[float, float]] = {}  # key -> (arrived, EndEpoch)
        self._task: asyncio.Task[None] | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def start(self, inst: Instance) -> None:
        """Log in (events on, filtered by Asterisk to Cdr) and start reading."""
        reader, self._writer = await raw_session(
            inst, "on", "Action: Filter\r\nOperation: Add\r\nFilter: Event: Cdr\r\n\r\n")
        self._task = asyncio.create_task(self._read(reader))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        parser = FrameParser()
        while data := await reader.read(1 << 16):
            now = time.time()
            for msg in parser.feed(data):
                if msg.get("Event") == "Cdr":
                    key = (str(msg["UniqueID"]), int(str(msg["Sequence"])))
                    self.posted[key] = (now, float(str(msg["EndEpoch"])))

    async def stop(self) -> None:
        """Close the session."""
        if self._writer is not None:
            self._writer.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class CommitWatcher(threading.Thread):
    """Polls the store for new CDR rows, noting when each first became visible (committed)."""

    def __init__(self, app: App) -> None:
        super().__init__(daemon=True, name="commit-watcher")
        self.seen: dict[Key, float] = {}
        self._query, self._close = _reader(app)
        self._done = threading.Event()

    def run(self) -> None:
        last = 0
        while not self._done.is_set():
            rows = self._query(last)
            now = time.time()
            for row_id, uniqueid, sequence in rows:
                self.seen.setdefault((uniqueid, sequence), now)
                last = max(last, row_id)
            time.sleep(POLL_S)
        self._close()

    def stop(self) -> None:
        """Stop polling and close the connection."""
        self._done.set()
        self.join(10)


def _reader(app: App) -> tuple[Callable[[int], list[Any]], Callable[[], None]]:
    """A plain driver connection to the store (no pool, no ORM) and its poll query."""
    sql = "SELECT id, uniqueid, sequence FROM cdr WHERE origin = 'ami' AND id > {} ORDER BY id"
    url = app.engine.url
    if url.get_backend_name() == "sqlite":
        db = sqlite3.connect(str(url.database), check_same_thread=False)
        return (lambda last: db.execute(sql.format("?"), (last,)).fetchall()), db.close
    conn = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False),
                           autocommit=True)
    return (lambda last: conn.execute(sql.format("%s"), (last,)).fetchall()), conn.close


#: Run as ``python live_latency.py NAME RATE SECONDS``: the call placer, a process of its own.
PLACER = [sys.executable, str(Path(__file__).resolve())]


def placer(inst: Instance, rate: float, seconds: float) -> subprocess.Popen[bytes]:
    """Start placing calls at ``rate`` for ``seconds`` from a process of its own."""
    return subprocess.Popen([*PLACER, inst.name, str(rate), str(seconds)])


@contextlib.asynccontextmanager
async def running_bridge(app: App, argv: list[str]) -> AsyncIterator[subprocess.Popen[bytes]]:
    """``voco bridge run`` (*argv* is how ``voco`` is invoked) on *app*'s config, in its own
    session, yielded once its AMI link is connected; terminated afterwards."""
    proc = subprocess.Popen([*argv, "--config", str(app.config.path), "bridge", "run"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.perf_counter() + 60
        while (link := ami_link(app)) is None or link.state != "connected":
            if time.perf_counter() > deadline or proc.poll() is not None:
                raise RuntimeError("voco bridge run did not connect to Asterisk")
            await asyncio.sleep(0.25)
        yield proc
    finally:
        proc.terminate()
        proc.wait(30)


def ami_link(app: App) -> Any:
    """The bridge's AMI link as its status file reports it (None before it wrote one)."""
    with contextlib.suppress(Exception):
        return read_status(app.config.status_file).links.get("ami")
    return None


@dataclass
class Timed:
    """One step: per CDR (in seconds) hang-up → committed, hang-up → posted, posted →
    committed; and the CPU Asterisk and the bridge used meanwhile, in cores."""

    total: list[float]
    asterisk: list[float]
    bridge: list[float]
    expected: int
    asterisk_cpu: float = 0.0
    bridge_cpu: float = 0.0


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, every thread) process ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _clear_csv(inst: Instance) -> None:
    for earlier in (inst.log_dir / "cdr-csv").glob("Master.csv*"):
        earlier.unlink()  # an earlier step's records: a fresh store's bridge would import them


async def measure(app: App | None, inst: Instance, argv: list[str], rate: float,
                  seconds: float, records_per_call: int) -> Timed:
    """Place calls at ``rate`` for ``seconds`` against a running bridge on *app* (None:
    Asterisk alone, timed to posted only); time every CDR."""
    _clear_csv(inst)
    asterisk_pid = inst.info().pid
    watcher = CdrWatcher()
    commits = CommitWatcher(app) if app is not None else None
    expected = int(rate * seconds) * records_per_call

    def done() -> int:
        return len(commits.seen) if commits is not None else len(watcher.posted)

    await watcher.start(inst)
    if commits is not None:
        commits.start()
    try:
        async with (running_bridge(app, argv) if app is not None
                    else contextlib.nullcontext()) as bridge:
            await asyncio.sleep(SETTLE_S)  # the bridge's start-up rounds are done
            pids = [asterisk_pid] + ([bridge.pid] if bridge is not None else [])
            cpu0, wall0 = [cpu_seconds(pid) for pid in pids], time.perf_counter()
            calls = placer(inst, rate, seconds)
            deadline = wall0 + seconds + 60
            # CPU up to the last record's arrival, not up to the deadline when one never comes
            last = (done(), wall0, cpu0)
            while done() < expected and time.perf_counter() < deadline:
                await asyncio.sleep(0.2)
                if done() > last[0]:
                    last = (done(), time.perf_counter(), [cpu_seconds(pid) for pid in pids])
            _, wall_end, cpu_end = last
            cores = [(end - start) / max(wall_end - wall0, 1e-3)
                     for start, end in zip(cpu0, cpu_end, strict=True)]
            calls.wait(30)
    finally:
        if commits is not None:
            commits.stop()
        await watcher.stop()
    timed = Timed([], [], [], expected, *cores)
    if commits is None:
        timed.asterisk = [posted - hangup for posted, hangup in watcher.posted.values()]
        return timed
    for key, committed in commits.seen.items():
        if key in watcher.posted:
            posted, hangup = watcher.posted[key]
            timed.total.append(committed - hangup)
            timed.asterisk.append(posted - hangup)
            timed.bridge.append(committed - posted)
    return timed


async def place_calls(inst: Instance, rate: float, seconds: float) -> int:
    """Originate at ``rate`` calls/s for ``seconds`` on an ``Events: off`` AMI connection (so
    the driver never slows Asterisk down); return how many were placed."""
    reader, writer = await raw_session(inst, "off")

    async def discard() -> None:
        while await reader.read(1 << 16):
            pass

    drain = asyncio.create_task(discard())
    n = int(rate * seconds)
    start = time.perf_counter()
    for i in range(n):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        writer.write(b"Action: Originate\r\nChannel: Local/alice-n-0-1@phone/n\r\n"
                     b"Context: sandbox-calls\r\nExten: talk-1\r\nPriority: 1\r\n"
                     b"Async: true\r\n\r\n")
        await writer.drain()
    writer.write(b"Action: Logoff\r\n\r\n")
    await writer.drain()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(drain, 10)
    writer.close()
    return n


if __name__ == "__main__":
    asyncio.run(place_calls(Instance(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])))
