"""The bridge capability that moves recordings from the RAM spool into the encrypted store.

Events only make it prompt; correctness comes from the spool. MixMonitorStop never fires on
hangup, so the end of a recording is noticed from Hangup and MixMonitorStop and confirmed by
the ``.done`` marker; a sweep on every (re)connect and a periodic sweep catch whatever a crash,
a dropped link or a failed store left behind.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import PurePosixPath

from asterisk_bridge.bridge.capability import BridgeHandle, Event, Gap
from asterisk_bridge.bridge.logs import fields, get_logger
from asterisk_bridge.bridge.sweeper import Sweeper
from asterisk_bridge.context import App
from asterisk_bridge.errors import VocoError
from asterisk_bridge.recording import pipeline, spool
from asterisk_bridge.recording.parties import CallInfo

INTERVAL_S = 30.0  # periodic sweep: retries a store that was full or unwritable
SETTLE_S = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0)  # quick re-sweeps while a marker is due

log = get_logger("recording")


class RecordingStore:
    """Capability ``recordings``: encrypt finished recordings promptly, lose none."""

    name = "recordings"

    def __init__(self, app: App, interval_s: float = INTERVAL_S,
                 grace_s: float = spool.PARTIAL_GRACE_S) -> None:
        self.app = app
        self.interval_s = interval_s
        self.grace_s = grace_s
        self.hints: dict[str, CallInfo] = {}
        self._bridge: BridgeHandle | None = None
        self._sweeper = Sweeper(self._sweep_settling, interval_s)
        self._settle = 0  # quick re-sweeps made while a marker is due
        self._started = False

    def register(self, bridge: BridgeHandle) -> None:
        """Listen for the start (VarSet MIXMONITOR_FILENAME) and end of recordings."""
        self._bridge = bridge
        bridge.on_ami("VarSet", self._on_varset, where=("Variable", "MIXMONITOR_FILENAME"))
        bridge.on_ami("Hangup", self._on_end)
        bridge.on_ami("MixMonitorStop", self._on_end)

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        """Sweep on every AMI (re)connect; the first one also repairs the store (startup)."""
        if link != "ami":
            return
        self._sweeper.start()

    async def close(self) -> None:
        """Stop sweeping; anything left is in the spool for the next start."""
        await self._sweeper.close()

    async def _on_varset(self, event: Event) -> None:
        if event.get("Variable") != "MIXMONITOR_FILENAME":
            return
        name = PurePosixPath(str(event.get("Value", ""))).name
        if name.startswith(spool.PREFIX) and name.endswith(spool.SUFFIX):
            # Who is on the line now: a later transfer reconnects the channel to someone else.
            self.hints[name[: -len(spool.SUFFIX)]] = CallInfo(
                channel=str(event.get("Channel", "")), started_at=time.time(),
                caller=_number(event, "CallerIDNum"), caller_name=_number(event, "CallerIDName"),
                connected=_number(event, "ConnectedLineNum"),
                connected_name=_number(event, "ConnectedLineName"))

    async def _on_end(self, event: Event) -> None:
        for info in self.hints.values():
            if info.channel == event.get("Channel"):
                info.ended_at = info.ended_at or time.time()
        self._sweeper.kick()

    async def _sweep_settling(self) -> float | None:
        """A sweep, then quick re-sweeps (backing off) while a recording's marker is due."""
        report = await self._sweep()
        self._settle = min(self._settle + 1, len(SETTLE_S)) if report and report.settling else 0
        return SETTLE_S[self._settle - 1] if self._settle else None

    async def _sweep(self) -> pipeline.SweepReport | None:
        assert self._bridge is not None
        try:
            spool_dir = spool.spool_path(self.app.config.asterisk)
        except VocoError:
            return None  # no spool configured: this node does not record
        if self._started and not await asyncio.to_thread(spool.occupied, spool_dir):
            # Nothing recorded on this node since the last sweep. Each hang-up kicks a sweep,
            # and Asterisk's channel list costs it one event per live channel: at a busy
            # PBX's rate that flooded the bridge's own AMI session and delayed its CDRs.
            return None
        try:
            active: set[str] | None = await pipeline.active_uniqueids(self._bridge.ami_action)
        except (VocoError, OSError, TimeoutError) as exc:
            log.warning("recording.channels_unknown", extra=fields(error=str(exc)))
            active = None
        try:
            report = await asyncio.to_thread(
                pipeline.sweep, self.app, spool_dir, active, hints=dict(self.hints),
                startup=not self._started, grace_s=self.grace_s)
        except VocoError as exc:
            log.error("recording.sweep_failed", extra=fields(error=str(exc)))
            pipeline.tell_failed(str(exc))
            return None
        except Exception:  # the worker must outlive any bug: the next sweep retries
            log.exception("recording.sweep_crashed")
            return None
        self._started = True
        for rec_id in (*report.stored, *report.partial):
            self.hints.pop(rec_id, None)
        return report


def _number(event: Event, key: str) -> str:
    """A caller ID field of a channel event; empty when Asterisk says ``<unknown>``."""
    value = str(event.get(key) or "")
    return "" if value == "<unknown>" else value

