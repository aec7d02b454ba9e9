"""The bridge side of recording consent: store the dialplan's evidence, answer feature codes.

Both parties' pause/resume/stop codes run ``UserEvent(VocoRecordingControl, Action: ...)`` on the
channel that pressed them (features.conf applicationmap); there is no dialplan application that
mutes another channel's MixMonitor, so the bridge answers with ``MixMonitorMute`` /
``StopMixMonitor`` on the recording channel and records who asked and what happened.

What this cannot see while the AMI link is down stays in Asterisk's own record: every marker is
also a CEL user event (``VOCO_REC_*``) and the outcome is in the CDR (``voco_consent``,
``voco_rec_id``, ``voco_consent_caller``/``_callee``), so nothing is reconciled here on reconnect.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine

from asterisk_bridge.bridge.capability import BridgeHandle, Event, Gap
from asterisk_bridge.context import App
from asterisk_bridge.errors import VocoError
from asterisk_bridge.recording import control, evidence

CONTROL_EVENT = "VocoRecordingControl"
log = logging.getLogger("asterisk_bridge.recording.consent")


class ConsentCapability:
    """Evidence rows from ``VocoRecording`` markers; DTMF control from ``VocoRecordingControl``."""

    name = "recording-consent"

    def __init__(self, app: App) -> None:
        self.engine = app.engine
        self.node = app.config.asterisk.node
        self._bridge: BridgeHandle | None = None

    def register(self, bridge: BridgeHandle) -> None:
        """Listen to UserEvents (the only events the consent dialplan raises)."""
        self._bridge = bridge
        bridge.on_ami("UserEvent", self.on_user_event)

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        """Nothing to replay: missed markers remain in CEL and CDR (see the module docstring)."""

    async def close(self) -> None:
        """No resources of its own."""

    async def on_user_event(self, event: Event) -> None:
        """Dispatch one UserEvent."""
        if event.get("UserEvent") == CONTROL_EVENT:
            assert self._bridge is not None
            await handle_control(self.engine, self.node, self._bridge.ami_action, event)
            return
        fact = evidence.from_user_event(event)
        if fact is not None:
            await asyncio.to_thread(evidence.record, self.engine, self.node, fact)


async def handle_control(engine: Engine, node: str, ami: control.AmiAction,
                         event: Mapping[str, Any]) -> None:
    """Carry out a feature-code request and record it (or why it was refused)."""
    action, linkedid = str(event.get("Action", "")), str(event.get("Linkedid", ""))
    leg, channel = str(event.get("Leg", "")), str(event.get("Channel", ""))
    if action not in control.ACTIONS or not linkedid:
        log.warning("ignoring malformed %s event: action=%r linkedid=%r", CONTROL_EVENT, action,
                    linkedid)
        return
    base = {"linkedid": linkedid, "event": action, "leg": leg, "channel": channel,
            "actor": leg or channel, "source": "dtmf"}
    recs = await control.recorders(ami, linkedid)
    if not recs:
        await _store(engine, node, evidence.Fact(**base, outcome="refused",
                                                 detail="no Voco recording on this call"))
        return
    for rec in recs:
        try:
            state = await control.apply(ami, rec, action)
            outcome, detail = state, f"recorder={rec.channel}"
        except VocoError as err:
            outcome, detail = "refused", str(err)
        await _store(engine, node, evidence.Fact(**base, recording_id=rec.recording_id,
                                                 outcome=outcome, detail=detail))


async def _store(engine: Engine, node: str, fact: evidence.Fact) -> None:
    await asyncio.to_thread(evidence.record, engine, node, fact)
