"""The bridge's part of intrusion response: block on ``auth_failures``, lift at expiry.

It hears ``auth_failures`` on the notification bus (raised past the failure threshold by the
notifications capability, or by any other domain), and, while intrusion response is on, blocks
the source unless the allowlist covers it: a block row, the ACL rewritten and PJSIP reloaded,
an operation-log entry, and an ``intrusion_blocked`` event. Every ``CHECK_S`` seconds, and
after each (re)connect, it ends expired blocks and has Asterisk enforce exactly what is in
force (a block lifted by 'voco intrusion unblock' while the bridge ran included).
"""

from __future__ import annotations

import asyncio
import contextlib

from asterisk_bridge.bridge.capability import BridgeHandle, Gap
from asterisk_bridge.bridge.logs import fields, get_logger
from asterisk_bridge.context import App
from asterisk_bridge.errors import VocoError
from asterisk_bridge.intrusion import blocks, enforce, settings
from asterisk_bridge.notifications import bus

CHECK_S = 5.0
ACTOR = "voco-bridge (intrusion response)"
log = get_logger("intrusion")


class IntrusionResponse:
    """Blocks sources that keep failing to authenticate, while switched on."""

    name = "intrusion-response"

    def __init__(self, app: App, check_s: float = CHECK_S) -> None:
        self.app = app
        self.check_s = check_s
        self._bridge: BridgeHandle | None = None
        self._queue: asyncio.Queue[bus.Event] = asyncio.Queue(1000)
        self._tasks: list[asyncio.Task[None]] = []
        self._unsubscribe = lambda: None
        self._enforced: list[str] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def register(self, bridge: BridgeHandle) -> None:
        """Hear the bus; start the block and expiry loops (inside the bridge's loop)."""
        self._bridge = bridge
        self._loop = asyncio.get_running_loop()
        self._unsubscribe = bus.subscribe(self._hear)
        self._tasks = [asyncio.create_task(self._blocking(), name="intrusion:block"),
                       asyncio.create_task(self._expiring(), name="intrusion:expire")]

    def _hear(self, event: bus.Event) -> None:
        if event.kind != "auth_failures" or self._loop is None:
            return
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._offer, event)

    def _offer(self, event: bus.Event) -> None:
        with contextlib.suppress(asyncio.QueueFull):  # a flood: the next failure comes again
            self._queue.put_nowait(event)

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        """After AMI (re)connects, Asterisk may have restarted: enforce again."""
        if link == "ami":
            self._enforced = None

    async def close(self) -> None:
        """Stop the loops (blocks stay in force; the next start enforces them)."""
        self._unsubscribe()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _blocking(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                await self._block(event)
            except Exception:
                log.exception("intrusion.block_failed")

    async def _block(self, event: bus.Event) -> None:
        address = event.facts.get("address", "")
        current = await asyncio.to_thread(settings.current, self.app.engine)
        if not current.enabled or not address:
            return
        if current.allowed(address):
            log.warning("intrusion.allowlisted", extra=fields(address=address))
            return
        with self.app.engine.begin() as conn:
            block_id = blocks.place(conn, address, event.facts.get("service", "?"),
                                    1, current.block_s)
        if block_id is None:
            return
        with self.app.engine.connect() as conn:
            until = next(b.until for b in blocks.listing(conn) if b.id == block_id)
        await self._enforce()
        self.app.record("intrusion block", {"address": address, "until": until,
                                            "service": event.facts.get("service", "?")},
                        "ok", actor=ACTOR)
        log.warning("intrusion.blocked", extra=fields(address=address, until=until))
        bus.publish("intrusion_blocked", key=address, address=address, until=until)

    async def _expiring(self) -> None:
        while True:
            try:
                with self.app.engine.begin() as conn:
                    ended = blocks.expire(conn)
                for address in ended:
                    self.app.record("intrusion unblock", {"address": address,
                                                          "why": "expired"}, "ok", actor=ACTOR)
                    log.info("intrusion.expired", extra=fields(address=address))
                await self._enforce()
            except Exception:
                log.exception("intrusion.expiry_failed")
            await asyncio.sleep(self.check_s)

    async def _enforce(self) -> None:
        """Have Asterisk enforce what is in force now, if that changed."""
        with self.app.engine.connect() as conn:
            wanted = blocks.active(conn)
        if wanted == self._enforced or self._bridge is None:
            return
        ast = self.app.config.asterisk
        if self._enforced is None and not wanted and (
                not ast.ast_etc_dir or not enforce.path(ast).exists()):
            self._enforced = wanted  # nothing was ever blocked here
            return
        try:
            await enforce.enforce(self.app.config.asterisk, self._bridge, wanted)
        except VocoError as exc:
            log.error("intrusion.enforce_failed", extra=fields(error=str(exc)))
            return
        self._enforced = wanted
