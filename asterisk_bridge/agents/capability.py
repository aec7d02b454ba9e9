"""The bridge capability that keeps agent activity: queue_log read after every (re)connect,
at once when AMI announces queue or member activity, and every half minute besides; and
rotated away once stored (:mod:`.rotation`) at the first round and every five minutes, so
Asterisk's plaintext copy lives about that long."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from asterisk_bridge.agents import rotation
from asterisk_bridge.agents.ingest import Reader, ingest, queue_log_path
from asterisk_bridge.bridge.capability import BridgeHandle, Event, Gap
from asterisk_bridge.bridge.logs import fields, get_logger
from asterisk_bridge.bridge.sweeper import Sweeper
from asterisk_bridge.context import App
from asterisk_bridge.errors import VocoError

log = get_logger("agents")
#: AMI events after which queue_log has a new line (app_queue writes both at once).
TRIGGERS = ("QueueMemberAdded", "QueueMemberRemoved", "QueueMemberPause", "QueueCallerJoin",
            "QueueCallerAbandon", "QueueCallerLeave", "AgentConnect", "AgentComplete",
            "AgentRingNoAnswer")
SETTLE_S = 0.3  # Asterisk writes queue_log right after the event; let it land
ROTATE_EVERY_S = 300.0


class AgentActivity:
    """Capability ``agents``: nothing in queue_log is missing from the store."""

    name = "agents"

    def __init__(self, app: App, every_s: float = 30.0,
                 rotate_every_s: float | None = ROTATE_EVERY_S) -> None:
        self.app = app
        self.rotate_every_s = rotate_every_s  # None: leave queue_log to the administrator
        path = queue_log_path(app)
        self._reader = Reader(path) if path is not None else None
        self._sweeper = Sweeper(self._round, every_s)
        self._bridge: BridgeHandle | None = None
        self._rotate_at = 0.0  # monotonic; the first round rotates (and finishes leftovers)

    def register(self, bridge: BridgeHandle) -> None:
        """Wake the reader on every queue or member event."""
        self._bridge = bridge
        for name in TRIGGERS:
            bridge.on_ami(name, self._on_event)

    async def _on_event(self, _event: Event) -> None:
        self._sweeper.kick()

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        """Read everything new now (the gap's lines included), and start the rounds."""
        if self._reader is not None:
            self._sweeper.start()

    async def close(self) -> None:
        """Stop reading (a read in progress finishes in its thread)."""
        await self._sweeper.close()

    async def _round(self) -> None:
        """Store what queue_log gained, and rotate it away when due."""
        assert self._reader is not None
        await asyncio.sleep(SETTLE_S)
        try:
            added = await asyncio.to_thread(ingest, self.app, self._reader)
            if added:
                log.info("agents.stored", extra=fields(rows=added))
            if self.rotate_every_s is not None and time.monotonic() >= self._rotate_at \
                    and await self._rotate(self._reader.path):
                self._rotate_at = time.monotonic() + self.rotate_every_s
        except Exception:  # keep the bridge running; the next round re-reads
            log.exception("agents.ingest_failed")

    async def _rotate(self, path: Path) -> bool:
        """Rename queue_log aside, have Asterisk reopen it, store and delete what was set
        aside; False when Asterisk did not reload (nothing deleted; the next round retries)."""
        renamed = await asyncio.to_thread(rotation.set_aside, path)
        if not renamed:
            return True
        assert self._bridge is not None
        try:
            answer = await self._bridge.ami_action(rotation.RELOAD)
        except (VocoError, OSError, TimeoutError) as exc:
            log.warning("agents.rotate_deferred", extra=fields(error=str(exc)))
            return False
        first = answer[0] if isinstance(answer, list) else answer
        if not hasattr(first, "get") or first.get("Response") != "Success":
            log.warning("agents.rotate_deferred", extra=fields(error=str(first)[:200]))
            return False
        added = await asyncio.to_thread(rotation.finish, self.app, renamed)
        log.info("agents.rotated", extra=fields(files=len(renamed), rows=added))
        return True
