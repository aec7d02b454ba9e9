"""Asking for consent keeps the call's record true: the caller's line is never answered for it.

Every outcome is placed twice at the same time, from trunk ``carrier`` (a recording rule asks the
caller, in early media) and from trunk ``plain`` (no rule), and the calls Voco builds from the
CDRs are compared: unanswered stays unanswered, the talk time is the same, and the prompt is
wait time. The caller's line is a Local channel the test originates; its ``;1`` half is the
caller's phone, which sends the consent digit with AMI ``PlayDTMF`` once the prompt is playing.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest

from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.cdr.calls import Call, list_calls
from asterisk_bridge.cdr.capture import CdrCapture
from asterisk_bridge.cdr.query import CdrFilter
from asterisk_bridge.config import write_config
from asterisk_bridge.context import App
from asterisk_bridge.recording import evidence
from asterisk_bridge.recording.consent_capability import ConsentCapability
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.subjects.vault import SubjectVault
from tests.conftest import CliCall
from tests.integration.consent_harness import Pbx
from tests.polling import await_for

pytestmark = pytest.mark.asterisk
TALK_S = 5

CALLS = f"""
[consentcall]
; The PBX side of the caller's line, never answered here; the extension picks the callee.
exten => answer,1,Gosub(voco-dial,s,1(Local/talk@consentphone/n,inbound,${{TRUNK}},1001))
 same => n,Hangup()
exten => noanswer,1,Gosub(voco-dial,s,1(Local/ring@consentphone/n,inbound,${{TRUNK}},1001))
 same => n,Hangup()
exten => busy,1,Gosub(voco-dial,s,1(Local/busy@consentphone/n,inbound,${{TRUNK}},1001))
 same => n,Hangup()
exten => unregistered,1,Gosub(voco-dial,s,1(PJSIP/1001,inbound,${{TRUNK}},1001))
 same => n,Hangup()

[consentphone]
exten => talk,1,Answer()
 same => n,PlayTones(1200)
 same => n,Wait({TALK_S})
 same => n,Hangup()
exten => ring,1,Ringing()
 same => n,Wait(60)
exten => busy,1,Busy(5)
"""
#: (name, callee, trunk, digit the caller presses: "" for none)
SCENARIOS = [
    ("answered", "answer", "carrier", "1"), ("answered", "answer", "plain", ""),
    ("no answer", "noanswer", "carrier", "1"), ("no answer", "noanswer", "plain", ""),
    ("busy", "busy", "carrier", "1"), ("busy", "busy", "plain", ""),
    ("unregistered", "unregistered", "carrier", "1"),
    ("unregistered", "unregistered", "plain", ""),
    ("consent declined", "answer", "carrier", "2"), ("consent timeout", "answer", "carrier", ""),
]


@pytest.fixture
def pbx(app: App, asterisk: Instance, run_cli: CliCall) -> Pbx:
    """Calls from trunk 'carrier' are recorded, asking the caller only (a 3 s answer window);
    extension 1001 exists but never registers."""
    app.config.asterisk = asterisk.settings()
    write_config(app.config)
    for argv in (["extension", "add", "1001", "--name", "Bob", "--transport", "udp"],
                 ["recording-policy", "set", "trunk", "carrier", "yes", "--consent", "external"],
                 ["recording-policy", "defaults", "--timeout", "3"]):
        result = run_cli(*argv)
        assert result.exit_code == 0, result.output
    return Pbx(app, asterisk)


async def place(bridge: Bridge, asked: set[str], index: int, callee: str, trunk: str,
                digit: str) -> tuple[str, asyncio.Future[Any]]:
    """Originate one call; the caller presses ``digit`` while asked. Returns its linkedid."""
    linkedid = f"consent-{index}-{callee}-{trunk}"
    # The originate answers only once the call is answered or has failed: not awaited here.
    originate = asyncio.ensure_future(bridge.ami_action({
        "Action": "Originate", "Channel": f"Local/{callee}@consentcall/n", "ChannelId": linkedid,
        "OtherChannelId": f"{linkedid}-2", "Application": "Wait", "Data": "60",
        "CallerID": "Alice <5550100>", "Variable": f"TRUNK={trunk}", "Timeout": "60000",
        "Async": "true"}, timeout=90))
    if trunk == "carrier":
        await await_for(lambda: linkedid in asked, f"the caller of {linkedid} to be asked")
        if digit:
            await asyncio.sleep(1)  # into the question
            phone = await channel_of(bridge, linkedid)
            resp = await bridge.ami_action({"Action": "PlayDTMF", "Channel": phone,
                                            "Digit": digit, "Duration": "250"})
            first = resp[0] if isinstance(resp, list) else resp
            assert first.get("Response") == "Success", resp
    return linkedid, originate


async def channel_of(bridge: Bridge, uniqueid: str) -> str:
    resp = await bridge.ami_action({"Action": "CoreShowChannels"})
    found = [str(m["Channel"]) for m in resp
             if m.get("Event") == "CoreShowChannel" and m.get("Uniqueid") == uniqueid]
    assert found, f"the caller's phone {uniqueid} hung up before it was asked"
    return found[0]


async def live_channels(bridge: Bridge) -> int:
    resp = await bridge.ami_action({"Action": "CoreShowChannels"})
    return sum(1 for m in resp if m.get("Event") == "CoreShowChannel")


def seconds(at: str) -> float:
    return datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()


def row(call: Call) -> dict[str, Any]:
    return {"disposition": call.disposition, "answered": call.answer is not None,
            "wait": call.wait, "talk": call.talk, "duration": call.duration,
            "consent": call.consent,
            "records": sorted(str(r["disposition"]) for r in call.records)}


def test_consent_outcomes_keep_the_cdrs_true(pbx: Pbx, run_cli: CliCall) -> None:
    pbx.apply(caller=[], callee=[], extra=CALLS)
    app = pbx.app

    async def main() -> dict[str, Call]:
        capture = CdrCapture(app, csv_grace_s=3600.0)
        bridge = Bridge(app, capabilities=[ConsentCapability(app), capture])
        asked: set[str] = set()

        async def prompt(event: Any) -> None:
            if event.get("Stage") == "prompt" and event.get("Leg") == "caller":
                asked.add(str(event.get("Linkedid")))

        bridge.on_ami("UserEvent", prompt)
        async with bridge:
            placed = await asyncio.gather(*(place(bridge, asked, i, callee, trunk, digit)
                                            for i, (_, callee, trunk, digit)
                                            in enumerate(SCENARIOS)))
            ids = [linkedid for linkedid, _ in placed]
            await asyncio.gather(*(originate for _, originate in placed))

            while await live_channels(bridge):  # every call over
                await asyncio.sleep(0.5)

            def stored() -> dict[str, Call]:
                found = list_calls(app.engine, SubjectVault(app.master_key), CdrFilter(),
                                   limit=100)
                calls = {c.call_id: c for c in found}
                return calls if all(i in calls and calls[i].consent for i in ids) else {}

            await await_for(stored, "every call's CDRs")
            await asyncio.sleep(2)  # the last records of each call (Local halves)
            calls = stored()
            return {i: calls[i] for i in ids}

    calls = asyncio.run(main())
    rows = {(name, trunk): row(calls[f"consent-{i}-{callee}-{trunk}"])
            for i, (name, callee, trunk, _) in enumerate(SCENARIOS)}
    for (name, trunk), r in sorted(rows.items()):
        print(f"OUTCOME {name:17} {trunk:8} {r}")
    listed = run_cli("calls", "list", "--json")
    assert listed.exit_code == 0, listed.output

    for name, disposition in (("answered", "answered"), ("no answer", "missed"),
                              ("busy", "busy"), ("unregistered", "failed")):
        asked, plain = rows[(name, "carrier")], rows[(name, "plain")]
        assert asked["disposition"] == plain["disposition"] == disposition, (asked, plain)
        assert asked["answered"] == plain["answered"] == (name == "answered"), (asked, plain)
        assert asked["records"] == plain["records"], (asked, plain)
        if name != "answered":
            assert asked["talk"] == plain["talk"] == 0, (asked, plain)
        assert plain["consent"] == "off"
        assert asked["consent"] == ("given" if name == "answered" else "given-caller"), asked
    answered, plain = rows[("answered", "carrier")], rows[("answered", "plain")]
    assert abs(plain["talk"] - TALK_S) <= 1
    # The callee answered, heard the notice, then talked until it hung up TALK_S after
    # answering: the notice is wait, and talk is the time the two parties were connected.
    facts = evidence.for_call(app, "consent-0-answer-carrier")
    at = {(f["event"], f["leg"]): seconds(f["at"]) for f in facts}
    notice = at[("start", "callee")] - at[("prompt", "callee")]
    assert notice >= 1 and abs(answered["talk"] + notice - plain["talk"]) <= 1.5, (answered,
                                                                                   notice)
    assert answered["wait"] >= plain["wait"] + notice - 1
    for name, consent in (("consent declined", "declined-caller"),
                          ("consent timeout", "timeout-caller")):
        r = rows[(name, "carrier")]
        assert r["disposition"] == "answered" and r["consent"] == consent, r
        assert r["records"] == plain["records"] and abs(r["talk"] - plain["talk"]) <= 1, r
        assert r["wait"] >= plain["wait"] + 1, r
    for i, (_, callee, trunk, _) in enumerate(SCENARIOS):
        if trunk == "carrier":  # asked before anyone answered the line
            asked = [f["detail"] for f in evidence.for_call(app, f"consent-{i}-{callee}-"
                                                                         f"{trunk}")
                     if f["event"] == "prompt" and f["leg"] == "caller"]
            assert asked and asked[0].startswith("line=") and asked[0] != "line=Up", asked
