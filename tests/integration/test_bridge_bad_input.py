"""The bridge under bad input from a real Asterisk: a forged repeated ``Event`` header, and a
handler that falls so far behind that its bounded queue sheds events (nothing lost: the shed
span becomes a gap, and the CDR capability reconciles it from Master.csv)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from asterisk_bridge.bridge.capability import BridgeHandle, Event, Gap
from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.bridge.status import read_status
from asterisk_bridge.cdr.capture import CdrCapture
from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.store.models import ConnectionGap
from cli.main import voco
from tests.integration.cdr_support import (
    RECORDS_PER_PLAIN_CALL,
    active_channels,
    asterisk_records,
    make_app,
    originate,
    prepare,
    stored,
    stored_keys_once,
)
from tests.polling import await_for

pytestmark = pytest.mark.asterisk


class Probe:
    """Keeps every UserEvent and Cdr event, and every on_connected call."""

    name = "probe"

    def __init__(self) -> None:
        self.events: list[tuple[str, Event]] = []
        self.connected: list[tuple[str, Gap | None]] = []

    def register(self, bridge: BridgeHandle) -> None:
        bridge.on_ami("UserEvent", self._keep("UserEvent"))
        bridge.on_ami("Cdr", self._keep("Cdr"))

    def _keep(self, name: str) -> Any:
        async def handler(event: Event) -> None:
            self.events.append((name, event))
        return handler

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        self.connected.append((link, gap))

    async def close(self) -> None:
        pass


def _sqlite(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


def test_a_forged_event_header_from_asterisk_neither_ends_the_session_nor_routes(
        asterisk: Instance, tmp_path: Path) -> None:
    """Asterisk copies an Action: UserEvent's headers into the event after its own ``Event:``
    line, so anyone who can raise a UserEvent (AMI, or dialplan UserEvent()) can send a frame
    with two ``Event`` headers. The session must survive it, and the frame is a UserEvent."""
    app = make_app(tmp_path, asterisk, _sqlite(tmp_path))
    probe = Probe()

    async def main() -> tuple[int, int]:
        async with Bridge(app, capabilities=[probe]) as bridge:
            answer = await bridge.ami_action({
                "Action": "UserEvent", "UserEvent": "VocoProbe", "Event": "Cdr",
                "ChanVariable": ["A=1", "B=2"]})  # type: ignore[dict-item]
            assert answer.success
            await await_for(lambda: probe.events, "the UserEvent")
            await bridge.ami_action({"Action": "Ping"})  # the same session still answers
            link = bridge._links["ami"]
            return bridge.status.links["ami"].connects, link.frames.repeated  # type: ignore[union-attr]

    connects, repeated = asyncio.run(main())
    (name, event), = probe.events
    assert (name, event["Event"], event["UserEvent"]) == ("UserEvent", "UserEvent", "VocoProbe")
    assert event["ChanVariable"] == ["A=1", "B=2"]
    assert connects == 1, "the AMI session was lost and reopened"
    assert repeated == 1


class GapProbe(Probe):
    """Only listens for on_connected: what another capability hears of a shed."""

    def register(self, bridge: BridgeHandle) -> None:
        pass


class GatedCapture(CdrCapture):
    """The real CDR capability, whose Cdr handler waits at a gate: a handler falling behind."""

    def __init__(self, app: App, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.gate = asyncio.Event()

    async def handle_event(self, event: Event) -> None:
        await self.gate.wait()
        await super().handle_event(event)


def test_a_shed_queue_becomes_a_gap_that_the_cdr_capability_reconciles(
        asterisk: Instance, tmp_path: Path) -> None:
    prepare(asterisk)
    app = make_app(tmp_path, asterisk, _sqlite(tmp_path))
    capture = GatedCapture(app, reconcile_every=3600, csv_grace_s=3600)
    probe = GapProbe()
    calls, backlog = 5, 2
    total = calls * RECORDS_PER_PLAIN_CALL

    async def main() -> tuple[str, int]:
        async with Bridge(app, capabilities=[capture, probe], max_backlog=backlog,
                          handler_timeout=600) as bridge:
            await originate(asterisk, "plain", calls, talk=1)
            await await_for(lambda: active_channels(asterisk) == 0, "the calls to end")
            await await_for(lambda: len(asterisk_records(asterisk)) == total,
                            "Asterisk to write every CDR")
            state = bridge.status.links["ami"]  # refreshed every second
            await await_for(lambda: 1 + state.backlog + state.dropped == total,
                            "every Cdr event to reach the bridge")
            dropped = state.dropped  # one in the handler, at most two queued: the rest shed
            assert total - 1 - backlog <= dropped < total - backlog, state
            assert stored(app.engine) == []
            capture.gate.set()  # the handler catches up: the shed span becomes a gap
            await await_for(lambda: len(stored(app.engine)) == total, "the reconciliation")
            await await_for(lambda: read_status(app.config.status_file).links["ami"].resyncs,
                            "the status file to show the gap")
            return CliRunner().invoke(voco, ["--config", str(app.config.path), "bridge",
                                             "status"]).output, dropped

    status, dropped = asyncio.run(main())
    keys = stored_keys_once(stored(app.engine))
    assert keys == {(r["uniqueid"], r["sequence"]) for r in asterisk_records(asterisk)}
    with app.engine.connect() as conn:
        reasons = conn.execute(select(ConnectionGap.reason)).scalars().all()
    assert [r for r in reasons if "fell behind" in r] == [
        f"handler GatedCapture.handle_event fell behind: {dropped} events dropped "
        "from its full queue"]
    gaps = [gap for link, gap in probe.connected if gap is not None and link == "ami"]
    assert gaps and gaps[-1].start <= gaps[-1].end  # the other capabilities heard of it too
    assert f"lost: {dropped} events dropped" in status, status


class GatedAri(Probe):
    """An ARI handler that waits at a gate while user events flood in."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.handled = 0

    def register(self, bridge: BridgeHandle) -> None:
        bridge.on_ari("ChannelUserevent", self._slow)

    async def _slow(self, event: Event) -> None:
        await self.gate.wait()
        self.handled += 1


def test_an_ari_flood_is_shed_and_recorded_as_an_ari_gap(asterisk: Instance,
                                                         tmp_path: Path) -> None:
    app = make_app(tmp_path, asterisk, _sqlite(tmp_path))
    probe = GatedAri()
    flood, backlog = 60, 5

    async def main() -> int:
        async with Bridge(app, capabilities=[probe], max_backlog=backlog,
                          handler_timeout=600) as bridge:
            for n in range(flood):  # Asterisk sends each to the app's websocket
                await bridge.ari_request("POST", "/events/user/voco-flood",
                                         application=app.config.asterisk.ari_app,
                                         variables={"variables": {"n": str(n)}})
            state = bridge.status.links["ari"]
            await await_for(lambda: 1 + state.backlog + state.dropped == flood,
                            "every user event to reach the bridge")
            dropped = state.dropped
            probe.gate.set()
            await await_for(lambda: any(link == "ari" and gap for link, gap in probe.connected),
                            "the ARI gap to reach the capabilities")
            assert probe.handled == flood - dropped
            return dropped

    dropped = asyncio.run(main())
    assert dropped >= flood - 1 - 2 * backlog
    with app.engine.connect() as conn:
        rows = conn.execute(select(ConnectionGap.link, ConnectionGap.reason)).all()
    assert ("ari", f"handler GatedAri._slow fell behind: {dropped} events dropped from its "
            "full queue") in rows
