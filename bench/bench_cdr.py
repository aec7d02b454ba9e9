"""CDR pipeline: Asterisk's highest sustained call rate vs the bridge's capacity for those calls'
events, and hangup -> CDR committed latency, on SQLite and PostgreSQL, all measured in one run.

Usage: .venv/bin/python bench/bench_cdr.py [--rates 60,120,180,240,300] [--seconds 8]

1. Asterisk (a fresh sandbox instance, loopback only) receives short Local-channel calls (about
   2 s each, 4 channels and 3 CDRs per call) at rising rates for ``--seconds`` each. A raw
   ``read=all`` AMI connection records every byte. A rate is *sustained* when the last call's
   CDRs arrive within :data:`MAX_LAG_S` of its expected end (no backlog building up in
   Asterisk's manager queue). The highest sustained rate (calls/s) and the AMI event rate it
   produced (events over first-to-last event time) are the baseline.
2. The recorded byte stream of that step is replayed, as fast as possible, through the bridge's
   own path: the AMI ``FrameParser``, the ``Dispatcher`` and the capabilities ``voco bridge run``
   registers (``CdrCapture`` parses, batches and commits every CDR into a fresh store; the
   recording and consent handlers see their events), until the last CDR is committed. Three
   streams: every event (``read=all``, the bridge before it filtered its session); only the
   events the bridge's session now asks Asterisk for (its handlers' names plus the core's,
   cut from the same recording: Asterisk filters whole events, so these are the bytes it would
   send); the same for a bridge running CDR capture alone. Capacity in calls/s (calls placed in
   the step / replay time) against the sustained rate (target >= 5x); also events/s, the
   parser alone (the core's floor) and the CDR path alone (pre-parsed Cdr events -> rows ->
   batches -> commit) against Asterisk's CDR rate.
3. The real bridge (CDR capture alone, so its session is filtered to Cdr events) runs against
   the instance while calls are placed at the highest sustained rate, then at a quarter of it;
   each CDR's latency is its commit time minus its hangup time (Asterisk's ``EndEpoch``), and
   the bridge's own part of it, commit time minus the moment its Cdr event was read.
4. ``voco bridge run`` as its own process (every capability, SQLite store) against a fresh
   instance (so its start-up reconciliation finds no earlier step's CDRs): its resident memory
   (VmRSS) idle, then its peak while calls are placed at the highest sustained rate, and the
   AMI events its filtered session received per call (its status file's event count).

5. The CLI start-up (``bench_cli.py``'s measure, fewer rounds), so that one run prints start-up,
   capacity, latency and memory side by side.

The machine's load average is printed with each part: other processes' load moves absolute
figures, and the ratios only cancel it when it stays the same between baseline and measure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import bench_cli
import psycopg

from asterisk_bridge.bridge.amiframes import FRAME_END, FrameParser
from asterisk_bridge.bridge.capabilities import default_capabilities
from asterisk_bridge.bridge.capability import Capability, EventHandler
from asterisk_bridge.bridge.dispatch import Dispatcher
from asterisk_bridge.bridge.eventfilter import matches, wanted_names
from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.bridge.status import read_status
from asterisk_bridge.cdr.capture import CdrCapture
from asterisk_bridge.cdr.rows import Row
from asterisk_bridge.context import App
from asterisk_bridge.errors import AsteriskError
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.services.init import initialise

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
CALL_S = 2.0  # alice-n-0-1 into sandbox-calls talk-1: about 2 s end to end
RECORDS_PER_CALL = 3
MAX_LAG_S = 1.0  # last CDR later than this after the last call's expected end: backlog
EPOCH = datetime(1970, 1, 1)
CHUNK = 1 << 16  # bytes per read, as the recorder reads them
EVENT_NAME = re.compile(rb"\s*Event: ([^\r\n]*)")
CDR_MARK = b"Event: Cdr\r\n"


class Recorder:
    """A raw read=all AMI connection keeping every chunk with its arrival time.

    It only counts Cdr events on the fly (a byte search; parsing would take the bench's event
    loop away from the socket, and Asterisk drops a session that does not read in time)."""

    def __init__(self) -> None:
        self.chunks: list[tuple[float, bytes]] = []
        self.cdrs = 0
        self.last_cdr = 0.0  # perf_counter() when the latest Cdr event arrived
        self._task: asyncio.Task[None] | None = None

    async def start(self, inst: Instance) -> None:
        """Log in and start recording."""
        info = inst.info()
        reader, writer = await asyncio.open_connection("127.0.0.1", info.ami_port)
        writer.write(f"Action: Login\r\nUsername: {info.ami_user}\r\nSecret: {info.ami_secret}"
                     "\r\nEvents: on\r\n\r\n".encode())
        self._writer = writer

        async def read() -> None:
            carry = b""
            while data := await reader.read(CHUNK):
                now = time.perf_counter()
                self.chunks.append((now, data))
                if found := (carry + data).count(CDR_MARK):
                    self.cdrs += found
                    self.last_cdr = now
                carry = data[1 - len(CDR_MARK):]

        self._task = asyncio.create_task(read())

    async def stop(self) -> None:
        """Stop recording and close the connection."""
        self._writer.close()
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def frames(chunks: Sequence[bytes]) -> tuple[int, int]:
    """(events, Cdr events) in the chunks."""
    parser = FrameParser()
    events = cdrs = 0
    for data in chunks:
        for msg in parser.feed(data):
            if msg.get("Event"):
                events += 1
                cdrs += msg.get("Event") == "Cdr"
    return events, cdrs


async def place_calls(inst: Instance, rate: float, seconds: float) -> int:
    """Originate at ``rate`` calls/s for ``seconds`` on an ``Events: off`` AMI connection (so
    the driver never slows Asterisk down); return how many were placed."""
    info = inst.info()
    reader, writer = await asyncio.open_connection("127.0.0.1", info.ami_port)
    writer.write(f"Action: Login\r\nUsername: {info.ami_user}\r\nSecret: {info.ami_secret}"
                 "\r\nEvents: off\r\n\r\n".encode())
    drain = asyncio.create_task(_discard(reader))
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


async def _discard(reader: asyncio.StreamReader) -> None:
    while await reader.read(1 << 16):
        pass


@dataclass
class Step:
    """One rate step as Asterisk delivered it to a read=all session."""

    rate: float  # calls/s offered
    calls: int
    sustained: bool
    chunks: list[bytes]  # every AMI byte of the step
    event_rate: float  # events/s, first to last event
    lag: float  # s from the last call's expected end to its last CDR


async def capacity_step(inst: Instance, rec: Recorder, rate: float, seconds: float) -> Step:
    """Place calls at ``rate`` for ``seconds`` and see whether Asterisk keeps up."""
    t0, cdrs0 = time.perf_counter(), rec.cdrs
    n = await place_calls(inst, rate, seconds)
    expected_end = t0 + seconds + CALL_S
    last_cdr = float("inf")
    while time.perf_counter() < expected_end + 10.0:
        await asyncio.sleep(0.25)
        if rec.cdrs - cdrs0 >= n * RECORDS_PER_CALL:
            last_cdr = rec.last_cdr
            break
    await quiet(inst, rec)
    timed = [(t, d) for t, d in rec.chunks if t >= t0]
    if not timed:  # Asterisk sent nothing at all (it dropped the session, or fell over)
        return Step(rate, n, False, [], 0.0, float("inf"))
    chunks = [d for _, d in timed]
    busy = max(timed[-1][0] - timed[0][0], 1e-3)  # first to last event
    lag = last_cdr - expected_end
    return Step(rate, n, lag <= MAX_LAG_S, chunks, frames(chunks)[0] / busy, lag)


async def quiet(inst: Instance, rec: Recorder) -> None:
    """Wait until every channel is gone and AMI has been silent for a second (no backlog)."""
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline:
        idle = time.perf_counter() - (rec.chunks[-1][0] if rec.chunks else 0)
        if idle > 1.0 and inst.rx("core show channels count").split()[0] == "0":
            return
        await asyncio.sleep(0.25)


def new_app(work: Path, db_url: str | None, inst: Instance) -> App:
    """A fresh installation (store migrated) pointed at ``inst``."""
    name = uuid.uuid4().hex[:8]
    return App(initialise(work / name / "voco.toml", work / name / "data", db_url,
                          inst.settings()))


@contextlib.contextmanager
def pg_database() -> Iterator[str]:
    """A fresh database on the machine's PostgreSQL, dropped afterwards."""
    name = f"voco_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def fresh_app(work: Path, backend: str, inst: Instance) -> Iterator[App]:
    """A fresh installation on an empty store of ``backend`` ("sqlite" | "postgresql")."""
    with pg_database() if backend == "postgresql" else contextlib.nullcontext() as url:
        app = new_app(work, url, inst)
        try:
            yield app
        finally:
            app.engine.dispose()


class ReplayHandle:
    """The bridge as capabilities see it in a replay: handlers go to one dispatcher, and there
    is no Asterisk to send actions to."""

    def __init__(self, node: str, dispatcher: Dispatcher) -> None:
        self.node = node
        self.dispatcher = dispatcher

    def on_ami(self, event_name: str, handler: EventHandler,
               where: tuple[str, str] | None = None) -> None:
        self.dispatcher.add(event_name, handler, where)

    def on_ari(self, event_type: str, handler: EventHandler) -> None:
        """ARI carries nothing in these calls."""

    async def ami_action(self, action: Mapping[str, str], timeout: float = 10.0) -> Any:
        raise AsteriskError("no Asterisk behind a replay")

    async def ari_request(self, method: str, path: str, **params: Any) -> Any:
        raise AsteriskError("no Asterisk behind a replay")


def header_value(frame: bytes, spec: str) -> str | None:
    """The value in ``frame`` of the header a ``Name:Header=Value`` spec tests, if any."""
    header = spec.partition(":")[2].partition("=")[0]
    if not header:
        return None
    m = re.search(rb"\r\n" + re.escape(header.encode()) + rb": ([^\r]*)", frame)
    return m.group(1).decode() if m else None


def only_events(chunks: Sequence[bytes], specs: frozenset[str]) -> list[bytes]:
    """What a session filtered to ``specs`` receives: the same frames minus the other events
    (non-event frames, such as the login response, stay), re-cut into socket-sized reads."""
    frames = b"".join(chunks).split(FRAME_END)
    tail = frames.pop()

    def passes(frame: bytes) -> bool:
        m = EVENT_NAME.match(frame)
        if m is None:
            return True
        name = m.group(1).decode()
        return any(matches(spec, name, header_value(frame, spec)) for spec in specs)

    kept = b"".join(f + FRAME_END for f in frames if passes(f))
    data = kept + tail
    return [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)]


@dataclass
class Replay:
    """One replay of a step through the bridge's path."""

    events: int
    seconds: float  # until the last CDR was committed
    cpu: float  # CPU seconds this process used meanwhile (every thread; not PostgreSQL's)
    chunks: list[bytes]  # the stream replayed


async def replay(app: App, chunks: Sequence[bytes], capabilities: Sequence[Capability],
                 filtered: bool) -> Replay:
    """Feed recorded AMI bytes (only the events the capabilities asked for, if ``filtered``)
    through parser, dispatcher and the capabilities' handlers, until every CDR is committed."""
    dispatcher = Dispatcher("ami")
    handle = ReplayHandle(app.config.asterisk.node, dispatcher)
    for capability in capabilities:
        capability.register(handle)
    stream = only_events(chunks, wanted_names(dispatcher.wanted())) if filtered else list(chunks)
    dispatcher.start()
    parser = FrameParser()
    events = 0
    start, cpu = time.perf_counter(), time.process_time()
    for data in stream:
        for msg in parser.feed(data):
            name = msg.get("Event", "")
            if name:
                events += 1
                dispatcher.dispatch(name, msg)
        await asyncio.sleep(0)  # let handlers run, as the socket reader would
    await dispatcher.close(600)
    for capability in capabilities:
        await capability.close()  # CdrCapture returns once every queued row is committed
    return Replay(events, time.perf_counter() - start, time.process_time() - cpu, stream)


def parse_only(chunks: Sequence[bytes]) -> float:
    """Seconds the bridge core's AMI parser alone takes (the floor of the whole path)."""
    parser = FrameParser()
    start = time.perf_counter()
    for data in chunks:
        parser.feed(data)
    return time.perf_counter() - start


async def capture_only(app: App, chunks: Sequence[bytes]) -> tuple[int, float]:
    """CDR path alone: pre-parsed Cdr events -> rows -> batches -> commit; (CDRs, seconds)."""
    parser = FrameParser()
    cdrs = [m for data in chunks for m in parser.feed(data) if m.get("Event") == "Cdr"]
    capture = CdrCapture(app, reconcile_every=3600)
    start = time.perf_counter()
    for event in cdrs:
        await capture.handle_event(event)
    await capture.close()
    return len(cdrs), time.perf_counter() - start


class TimedCapture(CdrCapture):
    """CDR capture that notes when each Cdr event reached it (the bridge's read)."""

    def __init__(self, app: App, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.arrived: dict[tuple[str, int], float] = {}

    async def handle_event(self, event: Any) -> None:
        self.arrived[(event.get("UniqueID", ""), int(event.get("Sequence", -1)))] = time.time()
        await super().handle_event(event)


async def latency(app: App, inst: Instance, rate: float,
                  seconds: float) -> tuple[list[float], list[float]]:
    """Per CDR, with the real bridge: hang-up (EndEpoch) -> committed, and the bridge's own
    part of it, event read -> committed."""
    samples: list[float] = []
    own: list[float] = []

    def committed(batch: Sequence[Row], where: str) -> None:
        now = time.time()
        for r in batch:
            if r["origin"] == "ami":
                samples.append(now - (r["end"] - EPOCH).total_seconds())
                own.append(now - capture.arrived[(r["uniqueid"], r["sequence"])])

    capture = TimedCapture(app, on_commit=committed)
    async with Bridge(app, capabilities=[capture]):
        n = await place_calls(inst, rate, seconds)
        deadline = time.perf_counter() + 60
        while len(samples) < n * RECORDS_PER_CALL and time.perf_counter() < deadline:
            await asyncio.sleep(0.2)
    return samples, own


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB (10^6 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f"no VmRSS for pid {pid}")


@dataclass
class Process:
    """``voco bridge run``'s footprint."""

    idle_mb: float
    peak_mb: float
    events_per_call: float
    filter: list[str] | None


def load() -> str:
    """The machine's 1-minute load average, for the record."""
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


async def bridge_process(app: App, inst: Instance, rate: float, seconds: float) -> Process:
    """Run ``voco bridge run`` (every capability) against ``inst``; idle, then under calls."""
    voco = Path(sys.executable).parent / "voco"
    proc = subprocess.Popen([str(voco), "--config", str(app.config.path), "bridge", "run"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        status_file = app.config.status_file

        def ami() -> Any:
            with contextlib.suppress(Exception):
                return read_status(status_file).links.get("ami")
            return None

        deadline = time.perf_counter() + 60
        while (link := ami()) is None or link.state != "connected":
            assert time.perf_counter() < deadline, "the bridge did not connect"
            await asyncio.sleep(0.25)
        await asyncio.sleep(5)  # start-up reconciliation and imports done: idle
        idle = rss_mb(proc.pid)
        events0 = ami().events
        peak = idle
        calls = asyncio.create_task(place_calls(inst, rate, seconds))
        while not calls.done():
            peak = max(peak, rss_mb(proc.pid))
            await asyncio.sleep(0.1)
        n = calls.result()
        end = time.perf_counter() + CALL_S + 10
        while time.perf_counter() < end:  # calls end and their CDRs are stored
            peak = max(peak, rss_mb(proc.pid))
            await asyncio.sleep(0.2)
        link = ami()
        return Process(idle, peak, (link.events - events0) / n, link.event_filter)
    finally:
        proc.terminate()
        proc.wait(30)


def pct(values: list[float], p: float) -> float:
    """The ``p``-th percentile."""
    return statistics.quantiles(values, n=100)[int(p) - 1] if len(values) > 1 else values[0]


#: What the bridge reads, and which capabilities handle it: (label, capabilities, filtered).
STREAMS: list[tuple[str, Callable[[App], list[Capability]], bool]] = [
    ("read=all, all capabilities (before)", default_capabilities, False),
    ("filtered, all capabilities (voco bridge run)", default_capabilities, True),
    ("filtered, CDR capture alone", lambda app: [CdrCapture(app, reconcile_every=3600)], True),
]


async def main(rates: list[float], seconds: float) -> None:
    """Run the three parts and print the tables."""
    inst = Instance(f"benchcdr{uuid.uuid4().hex[:6]}")
    inst.start()
    work = Path(tempfile.mkdtemp(prefix="voco-bench-cdr-"))
    try:
        rec = Recorder()
        await rec.start(inst)
        await asyncio.sleep(0.5)
        best: Step | None = None
        for rate in rates:
            step = await capacity_step(inst, rec, rate, seconds)
            print(f"rate {rate:>5.0f} calls/s ({load()}): "
                  f"{'sustained' if step.sustained else 'NOT sustained'}, "
                  f"{step.event_rate:,.0f} AMI events/s, last CDR {step.lag:+.2f} s after the "
                  "expected end")
            if not step.sustained:
                break
            best = step
        await rec.stop()
        assert best is not None, "Asterisk sustained none of the rates"
        all_events, cdr_events = frames(best.chunks)
        cdr_rate = cdr_events * best.event_rate / all_events  # CDRs/s over the same busy time
        print(f"\nhighest sustained: {best.rate:.0f} calls/s ({best.calls} calls) = "
              f"{best.event_rate:,.0f} AMI events/s (read=all) = {cdr_rate:.0f} CDRs/s; "
              f"{all_events / best.calls:.1f} events per call")
        rows: list[str] = []
        tail: list[str] = []
        for backend in ("sqlite", "postgresql"):
            for label, capabilities, filtered in STREAMS:
                with fresh_app(work, backend, inst) as app:
                    r = await replay(app, best.chunks, capabilities(app), filtered)
                calls_s = best.calls / r.seconds
                parser_calls_s = best.calls / parse_only(r.chunks)
                rows.append(
                    f"| {backend} | {label} | {r.events / best.calls:.1f} | "
                    f"{r.events / r.seconds:,.0f} | {calls_s:,.0f} | "
                    f"**{calls_s / best.rate:.1f}x** | {best.calls / r.cpu:,.0f} "
                    f"({best.calls / r.cpu / best.rate:.1f}x) | {parser_calls_s:,.0f} "
                    f"({parser_calls_s / best.rate:.1f}x) |")
                if not filtered:
                    print(f"{backend}: read=all as an event-rate ratio (the previous measure): "
                          f"{r.events / r.seconds / best.event_rate:.1f}x")
            with fresh_app(work, backend, inst) as app:
                cdrs, cdr_secs = await capture_only(app, best.chunks)
            for share in (1.0, 0.25):  # the top rate, and a quiet quarter of it
                await asyncio.sleep(3)  # let the machine settle before timing live calls
                with fresh_app(work, backend, inst) as app:
                    lat, own = await latency(app, inst, best.rate * share, seconds)
                print(f"{backend}: latency at {best.rate * share:.0f} calls/s measured, "
                      f"{load()}", flush=True)
                tail.append(f"| {backend} | {cdrs / cdr_secs:,.0f} | "
                            f"{cdrs / cdr_secs / cdr_rate:.1f}x | {best.rate * share:.0f} | "
                            f"{pct(lat, 50) * 1000:.0f} ms | {pct(lat, 99) * 1000:.0f} ms | "
                            f"{pct(own, 50) * 1000:.0f} ms | {pct(own, 99) * 1000:.0f} ms | "
                            f"{len(lat)} |")
        fresh = Instance(f"benchcdr{uuid.uuid4().hex[:6]}")
        fresh.start()
        try:
            with fresh_app(work, "sqlite", fresh) as app:
                proc = await bridge_process(app, fresh, best.rate, seconds)
        finally:
            fresh.destroy()
        print(f"\nvoco bridge run ({load()}; every capability, SQLite): resident memory idle "
              f"{proc.idle_mb:.0f} MB, peak {proc.peak_mb:.0f} MB under {best.rate:.0f} calls/s "
              f"for {seconds:.0f} s; its filtered AMI session received "
              f"{proc.events_per_call:.1f} events per call (filter: {proc.filter})")
        print(f"\n| store | AMI stream the bridge reads | events/call | whole path (events/s) | "
              f"calls/s | vs Asterisk's {best.rate:.0f} calls/s | calls per CPU-second | "
              "parser alone (calls/s) |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        print("\n".join(rows))
        print("\n| store | CDR path alone (CDRs/s) | vs Asterisk | live calls/s | "
              "hangup->commit p50 | p99 | bridge's part: read->commit p50 | p99 | CDRs timed |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        print("\n".join(tail))
        cli = bench_cli.measure(5)
        base = cli[0][1]
        print(f"\nCLI start-up ({load()}), median of 5 vs {cli[0][0]} ({base * 1000:.0f} ms): "
              + "; ".join(f"{label} {secs * 1000:.0f} ms = {secs / base:.1f}x"
                          for label, secs, light, _ in cli if light))
    finally:
        inst.destroy()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="60,120,180,240,300")
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    asyncio.run(main([float(r) for r in args.rates.split(",")], args.seconds))
