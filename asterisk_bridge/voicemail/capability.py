"""The bridge capability that seals voicemail into the store and keeps MWI right.

Events only make it prompt (``MessageWaiting`` when app_voicemail saved a message); correctness
comes from the spool: a sweep on every AMI (re)connect and a periodic one catch whatever a crash,
a dropped link or a failed store left behind. After every change the mailbox's counts are
published from the store (:mod:`.mwi`); after a (re)connect every mailbox's are, since Asterisk
forgets them when it restarts. The privacy notice's ``UserEvent`` becomes an evidence row.
"""

from __future__ import annotations

import asyncio

from asterisk_bridge.bridge.capability import BridgeHandle, Event, Gap
from asterisk_bridge.bridge.logs import fields, get_logger
from asterisk_bridge.bridge.sweeper import Sweeper
from asterisk_bridge.context import App
from asterisk_bridge.errors import VocoError
from asterisk_bridge.recording import evidence
from asterisk_bridge.voicemail import mwi, notice, spool, sweep
from asterisk_bridge.voicemail.transcribe import settings as transcription

INTERVAL_S = 30.0

log = get_logger("voicemail")


class VoicemailStore:
    """Capability ``voicemail``: seal finished messages promptly, lose none, publish MWI."""

    name = "voicemail"

    def __init__(self, app: App, interval_s: float = INTERVAL_S) -> None:
        self.app = app
        self.interval_s = interval_s
        self.linkedids: dict[str, str] = {}
        self._bridge: BridgeHandle | None = None
        self._sweeper = Sweeper(self._sweep, interval_s)
        self._started = False
        self._publish_all = True
        self.published: dict[str, tuple[int, int]] = {}

    def register(self, bridge: BridgeHandle) -> None:
        """Listen for saved messages and for the privacy notice's marker."""
        self._bridge = bridge
        bridge.on_ami("MessageWaiting", self._on_saved)
        bridge.on_ami("UserEvent", self._on_marker, where=("UserEvent", notice.MARKER_EVENT))

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        """Sweep, and republish every mailbox's MWI, on every AMI (re)connect."""
        if link != "ami":
            return
        self._publish_all = True
        self._sweeper.start()

    async def close(self) -> None:
        """Stop sweeping; anything left is in the spool for the next start."""
        await self._sweeper.close()

    async def _on_saved(self, event: Event) -> None:
        if event.get("Channel") and event.get("Linkedid"):
            self.linkedids[str(event["Channel"])] = str(event["Linkedid"])
        self._sweeper.kick()

    async def _on_marker(self, event: Event) -> None:
        fact = notice.from_user_event(event)
        if fact is not None:
            if fact.channel:  # the message this caller leaves belongs to this call
                self.linkedids[fact.channel] = fact.linkedid
            await asyncio.to_thread(evidence.record, self.app, fact)

    async def _sweep(self) -> None:
        try:
            root = spool.spool_root(self.app.config.asterisk)
            transcribe = await asyncio.to_thread(transcription.enabled, self.app.engine)
            report = await asyncio.to_thread(
                sweep.sweep, self.app, root, linkedids=dict(self.linkedids),
                transcribe=transcribe, startup=not self._started)
        except VocoError as exc:
            log.error("voicemail.sweep_failed", extra=fields(error=str(exc)))
            return
        except Exception:  # the worker must outlive any bug: the next sweep retries
            log.exception("voicemail.sweep_crashed")
            return
        self._started = True
        for channel in report.channels:
            self.linkedids.pop(channel, None)
        await self.publish_changes()

    async def publish_changes(self) -> None:
        """Publish every mailbox whose counts in the store differ from what its phones were
        last told (all of them after a (re)connect, since Asterisk forgets MWI on restart).

        So a message heard or deleted anywhere (CLI, menu, retention, erasure) reaches the
        phones by the next sweep; a failed update is retried then."""
        assert self._bridge is not None
        now = await asyncio.to_thread(mwi.all_counts, self.app.engine,
                                      self.app.config.asterisk.node)
        if self._publish_all:
            self.published.clear()
            self._publish_all = False
        for mailbox in sorted(set(now) | set(self.published)):
            counts = now.get(mailbox, (0, 0))
            if self.published.get(mailbox) == counts:
                continue
            try:
                await mwi.publish(self._bridge.ami_action, mailbox, *counts)
            except (VocoError, OSError, TimeoutError) as exc:
                log.warning("voicemail.mwi_failed", extra=fields(mailbox=mailbox, error=str(exc)))
                continue
            self.published[mailbox] = counts
            log.info("voicemail.mwi", extra=fields(mailbox=mailbox, new=counts[0],
                                                   old=counts[1]))
