"""Loaded into ``voco bridge run`` by ``bench_bridge_idle.py --detail`` (never by the bridge
itself): traces Python allocations from the first import (when ``VOCO_IDLE_TRACE`` is set), and
on SIGUSR1 writes what the idle process holds to the JSON file named by ``VOCO_IDLE_PROBE``:
modules, threads, glibc malloc's in-use and free bytes, and VmRSS before and after
``malloc_trim(0)`` (how much of the heap is free but still resident)."""

from __future__ import annotations

import ctypes
import gc
import json
import os
import signal
import sys
import threading
import tracemalloc
from types import FrameType

if os.environ.get("VOCO_IDLE_TRACE"):
    tracemalloc.start()


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def _rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def _dump(signum: int, frame: FrameType | None) -> None:
    gc.collect()
    by_file = tracemalloc.take_snapshot().statistics("filename") if tracemalloc.is_tracing() \
        else []
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _MallInfo2
    info = libc.mallinfo2()
    rss = _rss_kb()
    libc.malloc_trim(0)
    report = {
        "malloc": {"in_use": info.uordblks + info.hblkhd, "free": info.fordblks,
                   "arena": info.arena},
        "rss_kb": rss, "rss_after_trim_kb": _rss_kb(),
        "modules": sorted(name for name, mod in sys.modules.items() if mod is not None),
        "threads": [t.name for t in threading.enumerate()],
        "traced_bytes": sum(s.size for s in by_file),
        "by_file": [(s.traceback[0].filename, s.size, s.count) for s in by_file[:400]],
        "gc_objects": len(gc.get_objects()),
    }
    path = os.environ["VOCO_IDLE_PROBE"]
    with open(path + ".tmp", "w", encoding="utf-8") as out:
        json.dump(report, out)
    os.replace(path + ".tmp", path)


signal.signal(signal.SIGUSR1, _dump)
