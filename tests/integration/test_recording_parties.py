"""Recordings say who called whom, also after a blind transfer, on real Asterisk.

Alice (+44 20 7946 0000, from trunk ``carrier``) calls extension 1002 (Bob); both consent and
Bob's leg is recorded. Alice then blind-transfers Bob to extension 1003 (Carol): the recording
channel stays up, now connected to Carol, and ends when Carol hangs up. ``voco recording list``
and ``show`` must still say Alice called Bob (not the channel's caller ID ``s``, nor the party
it was connected to at hangup), with each label sealed under that party's key.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.config import write_config
from asterisk_bridge.context import App
from asterisk_bridge.recording.capability_store import RecordingStore
from asterisk_bridge.recording.consent_capability import ConsentCapability
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.store.models.recording import Recording
from asterisk_bridge.subjects import identity
from asterisk_bridge.subjects.vault import SubjectVault
from tests.conftest import CliCall
from tests.integration.consent_harness import Pbx, phone
from tests.polling import await_for

pytestmark = pytest.mark.asterisk
ALICE = "+442079460000"
CONSENT = [("wait", "3"), ("dtmf", "1")]

CALLS = """
[xfercall]
exten => 1002,1,Gosub(voco-dial,s,1(Local/1002@xferphone/n,inbound,carrier,1002))
 same => n,Hangup()

[xfertarget]
exten => 1003,1,Gosub(voco-dial,s,1(Local/1003@xferphone/n,internal,1002,1003))
 same => n,Hangup()

[xferphone]
"""


@pytest.fixture
def pbx(app: App, asterisk: Instance, run_cli: CliCall) -> Pbx:
    """Recording with both parties' consent on calls from trunk 'carrier'; Bob and Carol."""
    app.config.asterisk = asterisk.settings()
    write_config(app.config)
    for argv in (["extension", "add", "1002", "--name", "Bob", "--transport", "udp"],
                 ["extension", "add", "1003", "--name", "Carol", "--transport", "udp"],
                 ["recording-policy", "set", "trunk", "carrier", "yes"]):
        result = run_cli(*argv)
        assert result.exit_code == 0, result.output
    return Pbx(app, asterisk)


def channel(seen: list[dict[str, Any]], prefix: str) -> str:
    return next(str(e["Channel"]) for e in seen if e.get("Event") == "Newchannel"
                and str(e.get("Channel", "")).startswith(prefix)
                and str(e["Channel"]).endswith(";1"))


def test_parties_are_who_called_whom_across_a_blind_transfer(pbx: Pbx,
                                                             run_cli: CliCall) -> None:
    app = pbx.app
    pbx.apply(caller=[*CONSENT, ("wait", "40")], callee=[], extra=CALLS
              + phone("1002", 1200, [*CONSENT, ("wait", "40")])
              + phone("1003", 800, [("wait", "6")]))

    async def main() -> str:
        bridge = Bridge(app, capabilities=[RecordingStore(app), ConsentCapability(app)])
        seen: list[dict[str, Any]] = []

        async def keep(event: Any) -> None:
            seen.append(dict(event))

        bridge.on_ami("*", keep)
        async with bridge:
            resp = await bridge.ami_action({
                "Action": "Originate", "Channel": "Local/caller@recphone/n",
                "Context": "xfercall", "Exten": "1002", "Priority": "1", "Async": "false",
                "CallerID": f"Alice <{ALICE}>"}, timeout=30)
            first = resp[0] if isinstance(resp, list) else resp
            assert first.get("Response") == "Success", resp
            await await_for(lambda: any(e.get("Event") == "UserEvent"
                                        and e.get("Stage") == "start" for e in seen),
                            "the recording to start")
            await asyncio.sleep(2)
            alice = channel(seen, "Local/caller@recphone-")
            reply = await bridge.ami_action({"Action": "BlindTransfer", "Channel": alice,
                                             "Context": "xfertarget", "Exten": "1003"})
            first = reply[0] if isinstance(reply, list) else reply
            assert first.get("Response") == "Success", reply
            await await_for(lambda: any(e.get("Event") == "UserEvent"
                                        and e.get("Stage") == "prompt"
                                        and "joins=" in str(e.get("Detail")) for e in seen),
                            "Carol to join the recorded call")
            def stored() -> bool:
                with Session(app.engine) as s:
                    return s.scalars(select(Recording)).first() is not None

            await await_for(stored, "the recording to be stored")
            return str(next(e["Linkedid"] for e in seen if e.get("Stage") == "start"))

    linkedid = asyncio.run(main())
    listed = json.loads(run_cli("recording", "list", "--json").output)
    assert [(r["linkedid"], r["caller"], r["callee"]) for r in listed] == [
        (linkedid, f"Alice <{ALICE}>", "Bob <1002>")], listed
    lines = run_cli("recording", "list").output.splitlines()
    assert lines[1].endswith(f"Alice <{ALICE}>  Bob <1002>"), lines
    shown = run_cli("recording", "show", listed[0]["id"]).output
    assert f"caller: Alice <{ALICE}>" in shown and "callee: Bob <1002>" in shown, shown

    bob, alice = identity.extension("1002"), identity.phone(ALICE)
    assert alice is not None
    with app.engine.connect() as conn:
        subjects = SubjectVault(app.master_key).lookup(conn, [bob, alice])
        row = conn.execute(select(Recording)).one()
    assert (row.channel_subject, row.connected_subject) == (subjects[bob], subjects[alice])
    assert b"Alice" not in row.connected_party and b"Bob" not in row.channel_party
