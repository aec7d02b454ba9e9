"""``voco bridge run``'s idle resident memory alone: part 4 of ``bench_cdr.py`` without the
call load, so a change to what the bridge loads can be measured in a minute, not a whole bench.

Usage: .venv/bin/python bench/bench_bridge_idle.py [--rounds 3] [--detail]

Each round starts ``voco bridge run`` (every capability, a fresh SQLite store, the dev-only
packages hidden, as ``bench_cdr.py`` runs it) against one fresh sandbox Asterisk and reads its
VmRSS 5 s after its AMI link connected (:func:`bench_cdr.bridge_process`). Printed: each
round's idle MB (10^6 bytes) and their median; for the last round, where the resident pages are
(``/proc/PID/smaps``: anonymous memory, each shared library) and its threads.

``--detail`` adds two rounds with :mod:`idle_probe` loaded before the CLI: one reads glibc
malloc's in-use and free bytes, and VmRSS before and after ``malloc_trim(0)``; one traces
Python allocations from the first import and prints those held at idle grouped by package
(its own RSS, inflated by tracemalloc, is not reported) and the modules imported, per package.
Nothing is written to docs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from bench_cdr import bridge_process, fresh_app, load

from asterisk_bridge.sandbox.instance import Instance

BENCH = Path(__file__).resolve().parent
MAPPING = re.compile(r"^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$")


def smaps(pid: int) -> dict[str, int]:
    """Resident kB per mapping name ("[anon]" for unnamed mappings and the heap)."""
    rss: Counter[str] = Counter()
    name = ""
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        if m := MAPPING.match(line):
            name = m.group(1) or "[anon]"
            name = "[anon]" if name == "[heap]" else name
        elif line.startswith("Rss:"):
            rss[name] += int(line.split()[1])
    return dict(rss)


def threads(pid: int) -> list[str]:
    """The names of the threads of ``pid``."""
    return [(t / "comm").read_text().strip() for t in Path(f"/proc/{pid}/task").iterdir()]


def package(filename: str) -> str:
    """The package a traced file belongs to (``asterisk_bridge.<domain>`` for Voco's own)."""
    parts = Path(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    if "asterisk_bridge" in parts:
        rest = parts[parts.index("asterisk_bridge"):]
        return ".".join(p.removesuffix(".py") for p in rest[:2])
    if "cli" in parts:
        return "cli"
    lib = [i for i, p in enumerate(parts) if re.fullmatch(r"python3\.\d+", p)]
    return f"stdlib {parts[lib[-1] + 1].removesuffix('.py')}" if lib else filename


def table(rows: Iterable[tuple[str, float]], unit: str, top: int = 25) -> None:
    for name, value in sorted(rows, key=lambda r: -r[1])[:top]:
        print(f"  {value:8.1f} {unit}  {name}")


async def measure(rounds: int, detail: bool) -> None:
    inst = Instance(f"benchidle{uuid.uuid4().hex[:6]}")
    inst.start()
    work = Path(tempfile.mkdtemp(prefix="voco-bench-idle-"))
    seen: dict[str, object] = {}

    def look(pid: int) -> None:
        seen["smaps"], seen["threads"] = smaps(pid), threads(pid)

    try:
        idle: list[float] = []
        for _ in range(rounds):
            with fresh_app(work, "sqlite", inst) as app:
                idle.append((await bridge_process(app, inst, 0, 0, at_idle=look)).idle_mb)
            print(f"idle {idle[-1]:.1f} MB ({load()})", flush=True)
        print(f"median idle VmRSS: {statistics.median(idle):.1f} MB over {rounds} round(s)")
        maps = seen["smaps"]
        assert isinstance(maps, dict)
        print(f"resident by mapping (last round, MB; total {sum(maps.values()) * 1024 / 1e6:.1f}):")
        table(((n, kb * 1024 / 1e6) for n, kb in maps.items()), "MB", 15)
        print(f"threads: {seen['threads']}")
        if detail:
            await probe(work, inst, trace=False)
            await probe(work, inst, trace=True)
    finally:
        inst.destroy()
        shutil.rmtree(work, ignore_errors=True)


async def probe(work: Path, inst: Instance, trace: bool) -> None:
    """One round with :mod:`idle_probe` loaded: what Python holds at idle, and why."""
    out = work / f"probe-{uuid.uuid4().hex[:6]}.json"
    os.environ["VOCO_IDLE_PROBE"] = str(out)
    if trace:
        os.environ["VOCO_IDLE_TRACE"] = "1"

    def dump(pid: int) -> None:
        os.kill(pid, signal.SIGUSR1)
        deadline = time.monotonic() + 60
        while not out.exists():
            assert time.monotonic() < deadline, "the probe wrote nothing"
            time.sleep(0.1)
        time.sleep(2)  # a SIGTERM sent the moment the file appeared was once left unheeded

    prelude = f"sys.path.insert(0, {str(BENCH)!r}); import idle_probe"
    with fresh_app(work, "sqlite", inst) as app:
        await bridge_process(app, inst, 0, 0, prelude=prelude, at_idle=dump)
    report = json.loads(out.read_text())
    if not trace:
        heap = report["malloc"]
        print(f"glibc malloc (main arena + mmapped): {heap['in_use'] / 1e6:.1f} MB in use, "
              f"{heap['free'] / 1e6:.1f} MB free; VmRSS {report['rss_kb'] * 1024 / 1e6:.1f} "
              f"MB, {report['rss_after_trim_kb'] * 1024 / 1e6:.1f} MB after malloc_trim(0)")
        return
    held: Counter[str] = Counter()
    for filename, size, _count in report["by_file"]:
        held[package(filename)] += size
    print(f"Python allocations held at idle (tracemalloc, MB; total "
          f"{report['traced_bytes'] / 1e6:.1f}, {report['gc_objects']:,} gc objects):")
    table(((n, b / 1e6) for n, b in held.items()), "MB")
    mods = Counter(m.split(".")[0] for m in report["modules"])
    ours = Counter(".".join(m.split(".")[:2]) for m in report["modules"]
                   if m.startswith("asterisk_bridge."))
    print(f"modules imported: {len(report['modules'])}; per package:")
    table(mods.items(), "", 15)
    table(ours.items(), "", 15)
    print(f"threads: {report['threads']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--detail", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(BENCH))
    asyncio.run(measure(args.rounds, args.detail))


if __name__ == "__main__":
    main()
