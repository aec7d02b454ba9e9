"""The bridge capability that ends an expired debug window: at start, then every minute.

The watchdog 'voco debug on' leaves behind normally does this; a bridge (re)start checks again,
so a window outlives neither a killed watchdog nor a reboot.
"""

from __future__ import annotations

import asyncio
import contextlib

from asterisk_bridge.bridge.capability import BridgeHandle, Gap
from asterisk_bridge.bridge.logs import fields, get_logger
from asterisk_bridge.context import App
from asterisk_bridge.debuglog.control import expire_due

log = get_logger("debuglog")


class DebugExpiry:
    """Capability ``debuglog``: no full Asterisk log outlives its window."""

    name = "debuglog"

    def __init__(self, app: App, every_s: float = 60.0) -> None:
        self.app = app
        self.every_s = every_s
        self._task: asyncio.Task[None] | None = None

    def register(self, bridge: BridgeHandle) -> None:
        """Nothing to listen to: the window lives in the store."""

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        """Check at once on the first connection, then every minute."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="debuglog")

    async def close(self) -> None:
        """Stop checking."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                ended = await asyncio.to_thread(expire_due, self.app, "bridge")
                if ended is not None:
                    log.info("debuglog.expired", extra=fields(window=ended.id))
            except Exception:  # keep the bridge running; the next round retries
                log.exception("debuglog.expiry_failed")
            await asyncio.sleep(self.every_s)
