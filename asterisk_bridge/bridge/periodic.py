"""A capability that runs one blocking round at the first connection and then every period.

Retention, the capture sweep and debug-window expiry each keep a promise over time whatever the
events say; they share the loop (in a thread, so the event loop never waits on the store) and
its rule that one failed round is logged and retried by the next, never fatal to the bridge.
"""

from __future__ import annotations

import asyncio
import contextlib

from asterisk_bridge.bridge.capability import BridgeHandle, Gap
from asterisk_bridge.bridge.logs import get_logger
from asterisk_bridge.context import App


class PeriodicCapability:
    """Subclasses set ``name`` and ``every_s`` and implement :meth:`round`."""

    name = "periodic"
    every_s = 60.0

    def __init__(self, app: App, every_s: float | None = None) -> None:
        self.app = app
        if every_s is not None:
            self.every_s = every_s
        self.log = get_logger(self.name)
        self._task: asyncio.Task[None] | None = None

    def round(self) -> None:
        """One round, run in a worker thread; it logs what it did."""
        raise NotImplementedError

    def register(self, bridge: BridgeHandle) -> None:
        """Nothing to listen to: a periodic capability reads the store and the disk."""

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        """Run a round at once on the first connection, then every period."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def close(self) -> None:
        """Stop the rounds (one in progress finishes in its thread)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self.round)
            except Exception:  # keep the bridge running; the next round retries
                self.log.exception(f"{self.name}.round_failed")
            await asyncio.sleep(self.every_s)
