"""CDR pipeline: Asterisk's highest sustained call rate vs the bridge's CDR processing capacity,
and hangup -> CDR committed latency, on SQLite and PostgreSQL, all measured in one run.

Usage: .venv/bin/python bench/bench_cdr.py [--rates 30,60,90,120,150,180] [--seconds 8]

1. Asterisk (a fresh sandbox instance, loopback only) receives short Local-channel calls (about
   2 s each, 4 channels and 3 CDRs per call) at rising rates for ``--seconds`` each. A raw
   ``read=all`` AMI connection records every byte. A rate is *sustained* when the last call's
   CDRs arrive within :data:`MAX_LAG_S` of its expected end (no backlog building up in
   Asterisk's manager queue). The highest sustained rate and the AMI event rate it produced
   (events over first-to-last event time) are the baseline.
2. The recorded byte stream of that step is replayed, as fast as possible, through the bridge's
   own path: the AMI ``FrameParser``, the ``Dispatcher``, ``CdrCapture`` (row parsing, batching)
   and the sink into a fresh store. Capacity = events / (time until the last CDR committed).
   Printed as a ratio to Asterisk's event rate (target >= 5x), on SQLite and PostgreSQL;
   also the parser alone (the bridge core's floor) and the CDR path alone (pre-parsed Cdr
   events -> rows -> batches -> commit) against Asterisk's CDR rate.
3. The real bridge runs against the instance while calls are placed at half the sustained rate;
   each CDR's latency is its commit time minus its hangup time (Asterisk's ``EndEpoch``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

import psycopg

from asterisk_bridge.bridge.ami import FrameParser
from asterisk_bridge.bridge.dispatch import Dispatcher
from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.cdr.capture import CdrCapture
from asterisk_bridge.cdr.rows import Row
from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.services.init import initialise

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
CALL_S = 2.0  # alice-n-0-1 into sandbox-calls talk-1: about 2 s end to end
RECORDS_PER_CALL = 3
MAX_LAG_S = 1.0  # last CDR later than this after the last call's expected end: backlog
EPOCH = datetime(1970, 1, 1)


class Recorder:
    """A raw read=all AMI connection keeping every chunk with its arrival time."""

    def __init__(self) -> None:
        self.chunks: list[tuple[float, bytes]] = []
        self._task: asyncio.Task[None] | None = None

    async def start(self, inst: Instance) -> None:
        """Log in and start recording."""
        info = inst.info()
        reader, writer = await asyncio.open_connection("127.0.0.1", info.ami_port)
        writer.write(f"Action: Login\r\nUsername: {info.ami_user}\r\nSecret: {info.ami_secret}"
                     "\r\nEvents: on\r\n\r\n".encode())
        self._writer = writer

        async def read() -> None:
            while data := await reader.read(1 << 16):
                self.chunks.append((time.perf_counter(), data))

        self._task = asyncio.create_task(read())

    def between(self, t0: float, t1: float) -> list[bytes]:
        """The chunks that arrived in [t0, t1)."""
        return [d for t, d in self.chunks if t0 <= t < t1]

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


async def capacity_step(inst: Instance, rec: Recorder, rate: float, seconds: float
                        ) -> tuple[bool, list[bytes], float, float]:
    """One rate step: (sustained?, its AMI bytes, events/s Asterisk produced, CDR lag s)."""
    t0 = time.perf_counter()
    n = await place_calls(inst, rate, seconds)
    expected_end = t0 + seconds + CALL_S
    while time.perf_counter() < expected_end + 10.0:
        await asyncio.sleep(0.25)
        if frames(rec.between(t0, time.perf_counter()))[1] >= n * RECORDS_PER_CALL:
            break
    await quiet(inst, rec)
    timed = [(t, d) for t, d in rec.chunks if t >= t0]
    parser = FrameParser()
    events = cdrs = 0
    last_cdr = float("inf")
    for t, data in timed:
        for msg in parser.feed(data):
            events += 1
            if msg.get("Event") == "Cdr":
                cdrs += 1
                if cdrs == n * RECORDS_PER_CALL:
                    last_cdr = t
    busy = max(timed[-1][0] - timed[0][0], 1e-3)  # first to last event
    lag = last_cdr - expected_end
    return lag <= MAX_LAG_S, [d for _, d in timed], events / busy, lag


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


async def replay(app: App, chunks: Sequence[bytes]) -> tuple[int, float]:
    """Feed recorded AMI bytes through parser, dispatcher and capture; (events, seconds)."""
    capture = CdrCapture(app, reconcile_every=3600)
    dispatcher = Dispatcher("ami")
    dispatcher.add("Cdr", capture.handle_event)
    dispatcher.start()
    parser = FrameParser()
    events = 0
    start = time.perf_counter()
    for data in chunks:
        for msg in parser.feed(data):
            name = msg.get("Event", "")
            if name:
                events += 1
                dispatcher.dispatch(name, msg)
        await asyncio.sleep(0)  # let handlers run, as the socket reader would
    await dispatcher.close(600)
    await capture.close()  # returns once every queued row is committed
    return events, time.perf_counter() - start


def parse_only(chunks: Sequence[bytes]) -> float:
    """Events/s of the bridge core's AMI parser alone (the floor of the whole path)."""
    parser = FrameParser()
    start = time.perf_counter()
    events = sum(len(parser.feed(data)) for data in chunks)
    return events / (time.perf_counter() - start)


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


async def latency(app: App, inst: Instance, rate: float, seconds: float) -> list[float]:
    """Hangup (EndEpoch) -> committed, per CDR, with the real bridge."""
    samples: list[float] = []

    def committed(batch: Sequence[Row], where: str) -> None:
        now = time.time()
        samples.extend(now - (r["end"] - EPOCH).total_seconds() for r in batch
                       if r["origin"] == "ami")

    capture = CdrCapture(app, on_commit=committed)
    async with Bridge(app, capabilities=[capture]):
        n = await place_calls(inst, rate, seconds)
        deadline = time.perf_counter() + 60
        while len(samples) < n * RECORDS_PER_CALL and time.perf_counter() < deadline:
            await asyncio.sleep(0.2)
    return samples


def pct(values: list[float], p: float) -> float:
    """The ``p``-th percentile."""
    return statistics.quantiles(values, n=100)[int(p) - 1] if len(values) > 1 else values[0]


async def main(rates: list[float], seconds: float) -> None:
    """Run the three parts and print the table."""
    inst = Instance(f"benchcdr{uuid.uuid4().hex[:6]}")
    inst.start()
    work = Path(tempfile.mkdtemp(prefix="voco-bench-cdr-"))
    try:
        rec = Recorder()
        await rec.start(inst)
        await asyncio.sleep(0.5)
        best: tuple[float, list[bytes], float] | None = None
        for rate in rates:
            ok, chunks, ev_rate, lag = await capacity_step(inst, rec, rate, seconds)
            print(f"rate {rate:>5.0f} calls/s: {'sustained' if ok else 'NOT sustained'}, "
                  f"{ev_rate:,.0f} AMI events/s, last CDR {lag:+.2f} s after the expected end")
            if not ok:
                break
            best = (rate, chunks, ev_rate)
        await rec.stop()
        assert best is not None, "Asterisk sustained none of the rates"
        rate, chunks, ev_rate = best
        print(f"\nhighest sustained: {rate:.0f} calls/s = {ev_rate:,.0f} AMI events/s (read=all)"
              f" = {rate * RECORDS_PER_CALL:.0f} CDRs/s")
        all_events, cdr_events = frames(chunks)
        cdr_rate = cdr_events * ev_rate / all_events  # CDRs/s over the same busy time
        parse = parse_only(chunks)
        print(f"bridge core AMI parser alone: {parse:,.0f} events/s = {parse / ev_rate:.1f}x")
        results = {}
        for backend in ("sqlite", "postgresql"):
            with pg_database() if backend == "postgresql" else contextlib.nullcontext() as url:
                app = new_app(work, url, inst)
                events, secs = await replay(app, chunks)
                cdrs, cdr_secs = await capture_only(new_app(work, url, inst), chunks)
                await asyncio.sleep(3)  # let the machine settle before timing live calls
                lat = await latency(new_app(work, url, inst), inst, rate / 2, seconds)
                results[backend] = (events / secs, cdrs / cdr_secs, pct(lat, 50) * 1000,
                                    pct(lat, 99) * 1000, len(lat))
                app.engine.dispose()
        print("\n| store | whole path (events/s) | vs Asterisk | CDR path alone (CDRs/s) | "
              "vs Asterisk | hangup->commit p50 | p99 | CDRs timed |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for backend, (cap, cdr_cap, p50, p99, n) in results.items():
            print(f"| {backend} | {cap:,.0f} | {cap / ev_rate:.1f}x | {cdr_cap:,.0f} | "
                  f"{cdr_cap / cdr_rate:.1f}x | {p50:.0f} ms | {p99:.0f} ms | {n} |")
    finally:
        inst.destroy()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="30,60,90,120,150,180")
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    asyncio.run(main([float(r) for r in args.rates.split(",")], args.seconds))
