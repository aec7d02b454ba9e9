"""The bridge capability that seals captures whose runner died: at start, then every minute."""

from __future__ import annotations

import asyncio
import contextlib

from asterisk_bridge.bridge.capability import BridgeHandle, Gap
from asterisk_bridge.bridge.logs import fields, get_logger
from asterisk_bridge.capture.control import sweep
from asterisk_bridge.context import App

log = get_logger("capture")


class CaptureSweep:
    """Capability ``capture``: no capture plaintext outlives its dumpcap in the RAM spool."""

    name = "capture"

    def __init__(self, app: App, every_s: float = 60.0) -> None:
        self.app = app
        self.every_s = every_s
        self._task: asyncio.Task[None] | None = None

    def register(self, bridge: BridgeHandle) -> None:
        """Nothing to listen to: captures live in the store and the RAM spool."""

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        """Sweep at once on the first connection, then every minute."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="capture")

    async def close(self) -> None:
        """Stop sweeping."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                sealed = await asyncio.to_thread(sweep, self.app, "bridge")
                if sealed:
                    log.info("capture.sealed", extra=fields(captures=sealed))
            except Exception:  # keep the bridge running; the next round retries
                log.exception("capture.sweep_failed")
            await asyncio.sleep(self.every_s)
