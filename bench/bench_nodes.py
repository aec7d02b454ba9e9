"""Nodes per store: N Asterisk nodes' CDR streams written at once into one PostgreSQL, N = 1, 2,
4, 8, ..., until throughput stops growing (the knee) or ``--max-nodes``; the largest N whose
hang-up -> commit p99 stays within 50 ms is named too.

Usage: .venv/bin/python bench/bench_nodes.py [--calls-per-s 240] [--seconds 10] [--max-nodes 64]

Each node is its own process, as each bridge is: a ``CdrCapture`` (the bridge's CDR path:
event -> row -> bounded queue -> writer -> one kept connection -> COPY + upsert) fed ``Cdr``
events at the node's call rate (3 CDRs per call, the Local-channel calls of bench_cdr.py), with
its own node name and uniqueids. A CDR's latency is its commit time minus its hang-up time (the
moment its event was handed to the capture, which is when the bridge would have read it). The
baseline is N = 1 in the same run: one node at Asterisk's top rate; each N is compared with N
times that throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench_cdr import pg_database
from benchdoc import replace_section

from asterisk_bridge.cdr.capture import CdrCapture
from asterisk_bridge.cdr.rows import Row
from asterisk_bridge.config import AsteriskSettings, load_config, write_config
from asterisk_bridge.context import App
from asterisk_bridge.services.init import initialise

RECORDS_PER_CALL = 3
P99_LIMIT_MS = 50.0
SECTION = "## Nodes per store"


def event(node: str, call: int, seq: int, now: float) -> dict[str, str]:
    """A Cdr event as cdr_manager sends it, for leg ``seq`` of call ``call``, ended now."""
    uid = f"{int(now)}.{call * RECORDS_PER_CALL + seq}"
    return {
        "Event": "Cdr", "AccountCode": "", "Source": "1001", "Destination": "2000",
        "DestinationContext": "calls", "CallerID": '"Alice" <1001>',
        "Channel": f"PJSIP/1001-{call:08x}", "DestinationChannel": f"PJSIP/2000-{call:08x}",
        "LastApplication": "Dial", "LastData": "PJSIP/2000,30", "StartEpoch": f"{now - 2:.6f}",
        "AnswerEpoch": f"{now - 1:.6f}", "EndEpoch": f"{now:.6f}", "Duration": "2",
        "BillableSeconds": "1", "Disposition": "ANSWERED", "AMAFlags": "DOCUMENTATION",
        "UniqueID": f"{node}-{uid}", "UserField": "", "PeerAccount": "",
        "LinkedID": f"{node}-{call}", "Sequence": str(call * RECORDS_PER_CALL + seq),
    }


async def node_stream(app: App, calls_per_s: float, seconds: float) -> list[float]:
    """Feed one node's CDRs at its call rate; latencies (s) of every committed row."""
    handed: dict[tuple[str, int], float] = {}
    latencies: list[float] = []

    def committed(batch: Sequence[Row], where: str) -> None:
        now = time.perf_counter()
        latencies.extend(now - handed[(r["uniqueid"], r["sequence"])] for r in batch)

    capture = CdrCapture(app, reconcile_every=3600, on_commit=committed)
    node = app.config.asterisk.node
    start = time.perf_counter()
    for call in range(int(calls_per_s * seconds)):
        delay = start + call / calls_per_s - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        now = time.time()
        for seq in range(RECORDS_PER_CALL):
            ev = event(node, call, seq, now)
            handed[(ev["UniqueID"], int(ev["Sequence"]))] = time.perf_counter()
            await capture.handle_event(ev)
    await capture.close()
    return latencies


def run_node(config: str, calls_per_s: float, seconds: float, go: Any, out: Any) -> None:
    """One node's process: wait for the start signal, stream, report."""
    app = App(load_config(Path(config)))
    go.wait()
    began = time.perf_counter()
    lat = asyncio.run(node_stream(app, calls_per_s, seconds))
    out.put(json.dumps({"latencies": lat, "seconds": time.perf_counter() - began}))


def measure(n: int, work: Path, url: str, calls_per_s: float, seconds: float) -> dict[str, float]:
    """N nodes at once into the database at ``url``; throughput and latency percentiles."""
    first = initialise(work / "node1" / "voco.toml", work / "node1" / "data", url,
                       AsteriskSettings(node="node1"))
    configs = [first]
    for i in range(2, n + 1):  # the other nodes share the store and its key: a config each
        cfg = replace(first, path=work / f"node{i}" / "voco.toml",
                      data_dir=work / f"node{i}" / "data",
                      asterisk=replace(first.asterisk, node=f"node{i}"))
        cfg.data_dir.mkdir(parents=True)
        write_config(cfg)
        configs.append(cfg)
    ctx = multiprocessing.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=run_node, args=(str(c.path), calls_per_s, seconds, go, out))
             for c in configs]
    for p in procs:
        p.start()
    time.sleep(3)  # imports done in every process
    go.set()
    results = [json.loads(out.get(timeout=seconds * 10 + 120)) for _ in procs]
    for p in procs:
        p.join()
    lat = sorted(x for r in results for x in r["latencies"])
    wall = max(r["seconds"] for r in results)
    q = statistics.quantiles(lat, n=100)
    return {"nodes": n, "rows": len(lat), "rows_s": len(lat) / wall,
            "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls-per-s", type=float, default=240.0,
                        help="each node's call rate: Asterisk's top rate (bench_cdr.py)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--max-nodes", type=int, default=64)
    args = parser.parse_args()
    offered = args.calls_per_s * RECORDS_PER_CALL
    rows: list[dict[str, float]] = []
    n = 1
    with tempfile.TemporaryDirectory(prefix="voco-bench-nodes-") as tmp:
        while n <= args.max_nodes:
            with pg_database() as url:
                r = measure(n, Path(tmp) / f"n{n}", url, args.calls_per_s, args.seconds)
            r["vs_offered"] = r["rows_s"] / (offered * n)
            rows.append(r)
            print(f"N={n}: {r['rows_s']:,.0f} CDRs/s ({r['vs_offered']:.2f} of the {n} nodes' "
                  f"{offered * n:,.0f}), p50 {r['p50_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms",
                  flush=True)
            if len(rows) > 1 and r["rows_s"] <= rows[-2]["rows_s"] * 1.1:
                break  # throughput stopped growing
            n *= 2
    section = render(args, rows, offered)
    print(section)
    replace_section(section)
    sys.stdout.flush()


def render(args: argparse.Namespace, rows: list[dict[str, float]], offered: float) -> str:
    """The docs/benchmarks.md section: the table, the largest N within 50 ms, the knee."""
    table = "\n".join(f"| {r['nodes']:.0f} | {r['rows_s']:,.0f} | {r['vs_offered']:.2f} | "
                      f"{r['p50_ms']:.0f} ms | {r['p99_ms']:.0f} ms |" for r in rows)
    within = [r["nodes"] for r in rows if r["p99_ms"] <= P99_LIMIT_MS]
    behind = next((r["nodes"] for r in rows if r["vs_offered"] < 0.95), None)
    flat = next((r["nodes"] for prev, r in itertools.pairwise(rows)
                 if r["rows_s"] <= prev["rows_s"] * 1.1), None)
    kept = [r for r in rows if r["vs_offered"] >= 0.95]
    knee = kept[-1] if kept else rows[0]
    peak = max(rows, key=lambda r: r["rows_s"])
    return f"""{SECTION}

Measured {time.strftime("%Y-%m-%d")} with `.venv/bin/python bench/bench_nodes.py --calls-per-s \
{args.calls_per_s:g} --seconds {args.seconds:g}` on {os.cpu_count()} cores (load average \
{os.getloadavg()[0]:.0f} at the end, the bench's own node processes included), PostgreSQL 15 on \
the same machine. N node processes, each the bridge's CDR path (`CdrCapture`: bounded queue, \
writer, one kept connection, COPY + upsert for large batches) with its own node name and \
uniqueids, fed {args.calls_per_s:g} calls/s ({offered:,.0f} CDRs/s; pass the top rate \
`bench_cdr.py` measured for this machine's Asterisk) each for {args.seconds:g} s, all into one \
database; latency = commit - hand-over.

| nodes | CDRs/s stored | of what the nodes offered | hang-up → commit p50 | p99 |
|---:|---:|---:|---:|---:|
{table}

- Largest N with p99 ≤ {P99_LIMIT_MS:.0f} ms: **{max(within) if within else "none"}**. \
The store first falls behind what the nodes offer (< 95 %) at N = \
{behind or "none measured"}; throughput stops growing (< 10 % more) at N = \
{flat or "none measured"}.
- The knee (the most nodes whose CDRs the store still keeps up with, ≥ 95 % of what they \
offer): **{knee['nodes']:.0f} nodes**, {knee['rows_s']:,.0f} CDRs/s stored; beyond it the store \
falls behind and latency grows without bound. The most stored in any step: \
{peak['rows_s']:,.0f} CDRs/s at N = {peak['nodes']:.0f}, as many as \
{peak['rows_s'] / offered:.1f} nodes at that rate.
- What it means: on this machine the N node processes, the bench and PostgreSQL share 2 \
cores, so the figure is a floor. The nodes' own work (parsing, \
queueing) runs on their own machines in production, and a database server with its own cores \
and disks takes each node's COPY + upsert (a few round trips per batch, batches growing with \
load) in parallel: expect the knee to move with the server's cores until its WAL write rate \
limits it.
- What scales further: a connection pooler (PgBouncer, transaction mode) once nodes number in \
the hundreds (each bridge keeps one connection); partitioning `cdr` by node and month (the \
natural key already leads with the node, and retention would drop whole partitions instead of \
deleting rows); and a replica for `voco calls list` / exports so reads never queue behind the \
writers.
"""


if __name__ == "__main__":
    main()
