"""The bridge capability that enforces retention: once at start, then every hour."""

from __future__ import annotations

import asyncio
import contextlib

from asterisk_bridge.bridge.capability import BridgeHandle, Gap
from asterisk_bridge.bridge.logs import fields, get_logger
from asterisk_bridge.context import App
from asterisk_bridge.retention.policy import enforce

log = get_logger("retention")


class RetentionCapability:
    """Capability ``retention``: purges what the policies say is too old."""

    name = "retention"

    def __init__(self, app: App, every_s: float = 3600.0) -> None:
        self.app = app
        self.every_s = every_s
        self._task: asyncio.Task[None] | None = None

    def register(self, bridge: BridgeHandle) -> None:
        """Nothing to listen to: retention reads the store only."""

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        """Start the hourly round on the first connection."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="retention")

    async def close(self) -> None:
        """Stop the rounds (a purge in progress finishes in its thread)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                done = await asyncio.to_thread(enforce, self.app, "bridge")
                if any(done.values()):
                    log.info("retention.purged", extra=fields(**done))
            except Exception:  # keep the bridge running; the next round retries
                log.exception("retention.failed")
            await asyncio.sleep(self.every_s)
