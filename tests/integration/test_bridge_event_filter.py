"""The AMI event filter on a real sandbox Asterisk: the bridge receives only the events its
handlers registered for (plus the core's), everything with a ``"*"`` handler, a fresh filter
after Asterisk restarts, and every event when Asterisk refuses the filter in whole or in part.
Event counts are printed (run with -s); only their order of magnitude is asserted."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
from collections.abc import Iterable

import pytest

from asterisk_bridge.bridge.capability import BridgeHandle, Event, Gap
from asterisk_bridge.bridge.eventfilter import CORE_EVENTS
from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.config import write_config, write_secret
from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from tests.polling import await_for

pytestmark = pytest.mark.asterisk
CALL_LEGS = 4  # Local/talk-1@sandbox-calls (;1 ;2) dialling Local/bob (;1 ;2)
UNFILTERED_CLASSES = {"Newchannel", "Newexten", "VarSet", "DeviceStateChange", "Hangup"}


class Catcher:
    """A capability that registers for ``names`` and keeps what it is given."""

    name = "catcher"

    def __init__(self, names: Iterable[str]) -> None:
        self.names = list(names)
        self.events: list[Event] = []

    def register(self, bridge: BridgeHandle) -> None:
        for name in self.names:
            bridge.on_ami(name, self.keep)

    async def keep(self, event: Event) -> None:
        self.events.append(event)

    def named(self, name: str) -> list[Event]:
        return [e for e in self.events if e.get("Event") == name]

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        pass

    async def close(self) -> None:
        pass


@pytest.fixture
def bridge_app(app: App, asterisk: Instance) -> App:
    app.config.asterisk = asterisk.settings()
    write_config(app.config)
    return app


async def one_call(bridge: Bridge, catcher: Catcher) -> int:
    """Place one call (an ``Async: true`` Originate: answered by an OriginateResponse event),
    wait for its legs' Hangups; return how many AMI events the bridge received meanwhile."""
    mark, hangups = bridge.status.links["ami"].events, len(catcher.named("Hangup"))
    await bridge.ami_action({
        "Action": "Originate", "Channel": "Local/talk-1@sandbox-calls/n", "Context": "phone",
        "Exten": "alice-n-1-2", "Priority": "1", "Async": "true"}, timeout=30)
    await await_for(lambda: len(catcher.named("Hangup")) >= hangups + CALL_LEGS,
                    "the call's Hangup events")
    return bridge.status.links["ami"].events - mark


def test_a_header_narrowed_subscription_gets_only_that_header_value(bridge_app: App,
                                                                    asterisk: Instance) -> None:
    """Only the VarSet of MIXMONITOR_FILENAME reaches a narrowed VarSet handler."""
    asterisk.write_files({"extensions_test.conf": (
        "[rec-filter]\n"
        f"exten => s,1,MixMonitor({asterisk.inner}/spool/monitor/filter-${{STRREPLACE("
        "UNIQUEID,.,_)}.wav)\n"
        " same => n,Set(SOMETHING_ELSE=1)\n"
        " same => n,Dial(Local/bob-n-1-1@phone/n,10)\n")})
    asterisk.rx("dialplan reload")

    class Narrowed(Catcher):
        def register(self, bridge: BridgeHandle) -> None:
            bridge.on_ami("VarSet", self.keep, where=("Variable", "MIXMONITOR_FILENAME"))
            bridge.on_ami("Hangup", self.keep)

    catcher = Narrowed([])

    async def main() -> None:
        async with Bridge(bridge_app, [catcher]) as bridge:
            await bridge.ami_action({"Action": "Originate", "Channel": "Local/s@rec-filter/n",
                                     "Context": "phone", "Exten": "alice-n-1-1",
                                     "Priority": "1", "Async": "true"}, timeout=30)
            await await_for(lambda: len(catcher.named("Hangup")) >= CALL_LEGS, "the hangups")

    asyncio.run(main())
    varsets = catcher.named("VarSet")
    assert varsets and {e.get("Variable") for e in varsets} == {"MIXMONITOR_FILENAME"}


def test_only_registered_events_arrive_and_star_gets_everything(bridge_app: App) -> None:
    hangups, everything = Catcher(["Hangup"]), Catcher(["*"])

    async def main() -> tuple[int, int]:
        async with Bridge(bridge_app, [hangups]) as bridge:
            assert bridge.status.links["ami"].event_filter == sorted({"Hangup", *CORE_EVENTS})
            filtered = await one_call(bridge, hangups)
        async with Bridge(bridge_app, [everything]) as bridge:
            assert bridge.status.links["ami"].event_filter is None
            unfiltered = await one_call(bridge, everything)
        return filtered, unfiltered

    filtered, unfiltered = asyncio.run(main())
    print(f"\nevents received for one call: filtered {filtered}, unfiltered {unfiltered}")
    assert len(hangups.named("Hangup")) == CALL_LEGS
    assert filtered >= CALL_LEGS and filtered * 5 < unfiltered
    assert {str(e.get("Event")) for e in everything.events} >= UNFILTERED_CLASSES


def test_filter_is_installed_again_after_core_restart(bridge_app: App,
                                                      asterisk: Instance) -> None:
    hangups, baseline = Catcher(["Hangup"]), Catcher(["*"])

    async def main() -> tuple[int, int]:
        async with Bridge(bridge_app, [baseline]) as bridge:
            unfiltered = await one_call(bridge, baseline)
        async with Bridge(bridge_app, [hangups]) as bridge:
            links = bridge.status.links
            await asyncio.to_thread(asterisk.rx, "core restart now")
            await await_for(lambda: links["ami"].connects >= 2, "AMI reconnect")
            await asyncio.to_thread(asterisk.wait_booted)
            assert links["ami"].event_filter == sorted({"Hangup", *CORE_EVENTS})
            filtered = await one_call(bridge, hangups)
        return filtered, unfiltered

    filtered, unfiltered = asyncio.run(main())
    print(f"\nafter 'core restart now': filtered {filtered}, unfiltered {unfiltered} events")
    assert filtered >= CALL_LEGS and filtered * 5 < unfiltered


def test_handler_registered_while_running_widens_the_filter(bridge_app: App) -> None:
    catcher = Catcher(["Hangup"])

    async def main() -> None:
        async with Bridge(bridge_app, [catcher]) as bridge:
            bridge.on_ami("Newchannel", catcher.keep)
            await await_for(lambda: "Newchannel" in (bridge.status.links["ami"].event_filter
                                                     or []), "the widened filter")
            await one_call(bridge, catcher)
            assert len(catcher.named("Newchannel")) == CALL_LEGS
            bridge.on_ami("*", catcher.keep)
            await await_for(lambda: bridge.status.links["ami"].event_filter is None,
                            "the filter to open for '*'")
            await one_call(bridge, catcher)
            assert {str(e.get("Event")) for e in catcher.events} >= UNFILTERED_CLASSES

    asyncio.run(main())


def test_partly_refused_filter_falls_back_to_an_unfiltered_session(
        bridge_app: App, caplog: pytest.LogCaptureFixture) -> None:
    # Asterisk refuses "name(Bad,Name)" (malformed criteria) after accepting the others: that
    # session would drop whatever only the refused filter lets through, so it is replaced.
    catcher = Catcher(["Hangup", "Bad,Name", "Newexten"])

    async def main() -> None:
        async with Bridge(bridge_app, [catcher]) as bridge:
            assert bridge.status.links["ami"].event_filter is None
            assert bridge.status.links["ami"].connects == 1
            await one_call(bridge, catcher)

    with caplog.at_level(logging.WARNING, logger="voco.bridge.ami"):
        asyncio.run(main())
    assert catcher.named("Newexten")
    refusals = [r for r in caplog.records if r.getMessage() == "ami.filter_refused"]
    assert len(refusals) == 1


def test_user_without_system_permission_runs_unfiltered(
        bridge_app: App, asterisk: Instance, caplog: pytest.LogCaptureFixture) -> None:
    # The Filter action needs write=system; this user may only originate.
    secret_file = asterisk.base / "narrow.secret"
    secret = secrets.token_urlsafe(16)
    write_secret(secret_file, secret)
    manager_conf = asterisk.etc_dir / "manager.conf"
    manager_conf.write_text(manager_conf.read_text() + (
        f"\n[narrow]\nsecret = {secret}\ndeny = 0.0.0.0/0.0.0.0\n"
        "permit = 127.0.0.1/255.255.255.255\nread = all\nwrite = call,originate\n"))
    asterisk.rx("manager reload")
    bridge_app.config.asterisk = dataclasses.replace(
        bridge_app.config.asterisk, ami_user="narrow", ami_secret_file=str(secret_file))
    catcher = Catcher(["Hangup", "Newexten"])

    async def main() -> None:
        async with Bridge(bridge_app, [catcher]) as bridge:
            assert bridge.status.links["ami"].event_filter is None
            await one_call(bridge, catcher)

    with caplog.at_level(logging.WARNING, logger="voco.bridge.ami"):
        asyncio.run(main())
    assert catcher.named("Newexten") and len(catcher.named("Hangup")) == CALL_LEGS
    refusals = [r for r in caplog.records if r.getMessage() == "ami.filter_refused"]
    assert len(refusals) == 1 and "ermission" in str(refusals[0].__dict__)
