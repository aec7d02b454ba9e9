"""The bridge side of recording consent: store the dialplan's evidence as it happens.

Asterisk itself carries out both parties' pause/resume/stop codes (the consent dialplan's
``voco-rec-feature`` runs on the recording channel), so a party's stop holds while the bridge is
down; the bridge only records what the dialplan reports in ``VocoRecording`` UserEvents.

What it cannot see while the AMI link is down is kept by Asterisk: every marker naming a
recording is also in that recording's trail in the spool, which the recording store reconciles on
every sweep (:mod:`.trail`), and the consent outcome is in the CDR (``voco_consent``,
``voco_rec_id``, ``voco_consent_caller``/``_callee``).
"""

from __future__ import annotations

import asyncio

from asterisk_bridge.bridge import eventmac
from asterisk_bridge.bridge.capability import BridgeHandle, Event, Gap
from asterisk_bridge.bridge.logs import fields, get_logger
from asterisk_bridge.context import App
from asterisk_bridge.recording import evidence

log = get_logger("recording")


class ConsentCapability:
    """Evidence rows from ``VocoRecording`` markers."""

    name = "recording-consent"

    def __init__(self, app: App) -> None:
        self.app = app
        self.secret = eventmac.secret(app.config.asterisk)
        self.forged = 0

    def register(self, bridge: BridgeHandle) -> None:
        """Listen to the consent dialplan's UserEvents."""
        bridge.on_ami("UserEvent", self.on_user_event)

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        """Nothing to replay here: missed markers are in the trails (see the module docstring)."""

    async def close(self) -> None:
        """No resources of its own."""

    async def on_user_event(self, event: Event) -> None:
        """Store the fact one marker reports (once, should its trail have brought it first);
        drop a marker Asterisk did not sign (forged through a caller's CR LF)."""
        fact = evidence.from_user_event(event)
        if fact is None:
            return
        if not eventmac.verify(self.secret, event, evidence.MARKER_EVENT, evidence.SIGNED):
            self.forged += 1
            log.warning("recording.unsigned_event_dropped", extra=fields(
                forged=self.forged, linkedid=fact.linkedid,
                hint="forged by a caller, or Asterisk runs another secret: run 'voco apply'"))
            return
        await asyncio.to_thread(evidence.record_once, self.app, fact)
