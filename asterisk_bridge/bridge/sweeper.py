"""The loop of a capability that sweeps a spool: promptly when an event kicks it, and every
interval whatever the events say (a crash, a dropped link or a failed store left something).

Recordings, voicemail and agent activity (queue_log) keep their promise this way; the loop is
theirs to share. A sweep that raises is logged by the capability itself; the loop only waits
and runs the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

#: One sweep; returns how long to wait before the next unless kicked (None: the interval).
Sweep = Callable[[], Awaitable[float | None]]


class Sweeper:
    """Runs *sweep* when kicked or every *interval_s*, from the first :meth:`start`."""

    def __init__(self, sweep: Sweep, interval_s: float) -> None:
        self.sweep = sweep
        self.interval_s = interval_s
        self._kick = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the loop (once; later calls only kick it) and sweep at once."""
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())
        self.kick()

    def kick(self) -> None:
        """Sweep as soon as the current sweep (if any) is done."""
        self._kick.set()

    async def close(self) -> None:
        """Stop sweeping; anything left is in the spool for the next start."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        delay = self.interval_s
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), delay)
            self._kick.clear()
            wait = await self.sweep()
            delay = self.interval_s if wait is None else wait
