"""A phone that dials argument separators gets nowhere (AST-2010-002's class), on real Asterisk.

``,`` and ``&`` are legal in a SIP user part and ``%40`` decodes to ``@``; an outbound pattern's
``.`` matches them all. Before the dialled string was filtered, ``9123,internal,1001,1002``
shifted voco-dial's policy keys (a forced-recording trunk rule no longer applied) and
``9123%40trunk-loop&PJSIP/1002&Local/s`` made Dial ring extension 1002 directly as a second
target. Here a registered sipp phone dials both through Asterisk: neither places any call nor
reaches a recording decision, while a plain number through the same route is recorded by the
trunk's forced rule.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from asterisk_bridge.context import App
from asterisk_bridge.recording import evidence
from asterisk_bridge.sandbox.instance import Instance
from tests.conftest import CliCall
from tests.integration.bridge_process import VOCO
from tests.integration.provision_support import AmiListener, Event, attach, ok
from tests.integration.sipp_support import Phone
from tests.polling import wait_for

pytestmark = pytest.mark.asterisk

PLAIN = "9123"
#: (what the phone sends in the Request-URI, what Asterisk decodes it to)
INJECTIONS = [("9123,internal,1001,1002", "9123,internal,1001,1002"),
              ("9123%40trunk-loop&PJSIP/1002&Local/s", "9123@trunk-loop&PJSIP/1002&Local/s"),
              ("9123%22,x", '9123",x'),
              ("91(2),1001", "91(2),1001")]


class Site:
    """A PBX with phones 1001 and 1002, a trunk 'loop' to a sipp carrier, route _9. to it, and
    a forced-recording rule on the trunk."""

    def __init__(self, run_cli: CliCall, asterisk: Instance, tmp_path: Path) -> None:
        port = asterisk.info().sip_port
        secrets = {n: str(json.loads(ok(run_cli("extension", "add", n, "--name", f"P{n}",
                                                "--transport", "udp", "--json")).output)["secret"])
                   for n in ("1001", "1002")}
        self.alice = Phone(tmp_path, "1001", secrets["1001"], port)
        self.bob = Phone(tmp_path, "1002", secrets["1002"], port)
        self.carrier = Phone(tmp_path, "carrier", "unused-secret-123", port)
        ok(run_cli("trunk", "add", "loop", "--host", "127.0.0.1", "--port",
                   str(self.carrier.port)))
        ok(run_cli("route", "outbound", "add", "out", "--pattern", "_9.", "--trunk", "loop",
                   "--strip", "1"))
        ok(run_cli("recording-policy", "set", "trunk", "loop", "force", "--consent", "none"))
        ok(run_cli("apply"))
        self.ami = AmiListener(asterisk)
        self.bob.register()
        self.answering: list[subprocess.Popen[str]] = []

    def call(self, dialled: str, decoded: str) -> list[Event]:
        """Alice dials; return every AMI event of her channel once it has hung up."""
        self.alice.call(dialled)
        new = self.ami.wait(lambda e: e.get("Event") == "Newchannel"
                            and e.get("Channel", "").startswith("PJSIP/1001-")
                            and e.get("Exten") == decoded, what=f"alice's call to {decoded}")
        channel = new[0]["Channel"]
        self.ami.wait(lambda e: e.get("Event") == "Hangup" and e.get("Channel") == channel,
                      what=f"{channel} hung up")
        return self.ami.matching(lambda e: e.get("Channel") == channel)

    def close(self) -> None:
        for proc in self.answering:
            proc.kill()
            proc.communicate()
        self.ami.close()


@pytest.fixture
def site(app: App, config_path: Path, asterisk: Instance, run_cli: CliCall,
         tmp_path: Path) -> Iterator[Site]:
    attach(config_path, asterisk)
    s = Site(run_cli, asterisk, tmp_path)
    yield s
    s.close()


def _decisions(events: list[Event]) -> list[str]:
    return [f"{e['Outcome']} {e['Detail']}" for e in events
            if e.get("UserEvent") == "VocoRecording" and e.get("Stage") == "decision"]


def test_dialled_separators_neither_add_targets_nor_dodge_the_policy(site: Site) -> None:
    # Bob's phone answers whatever reaches it, so a second Dial target would connect.
    site.answering.append(site.bob.answer())
    problems = []
    for dialled, decoded in INJECTIONS:
        events = site.call(dialled, decoded)
        dials = [e["DialString"] for e in events if e.get("Event") == "DialBegin"]
        causes = [e["Cause"] for e in events if e.get("Event") == "Hangup"]
        if dials or _decisions(events) or causes != ["28"]:  # 28: invalid number format
            problems.append(f"{decoded!r}: dialled {dials}, decided {_decisions(events)}, "
                            f"hangup cause {causes}")
    assert problems == []
    assert not site.ami.matching(lambda e: e.get("Event") == "DialBegin"
                                 and e.get("DestChannel", "").startswith("PJSIP/1002-"))

    # The same route still dials a plain number, and the trunk's forced rule records it.
    site.answering.append(site.carrier.answer())
    events = site.call(PLAIN, PLAIN)
    assert [e["DialString"] for e in events if e.get("Event") == "DialBegin"] == \
        ["123@trunk-loop"]
    assert _decisions(events) == ["record rule=trunk:loop mode=force consent=none kind=outbound"]
    site.ami.wait(lambda e: e.get("Event") == "MixMonitorStart"
                  and e.get("Channel", "").startswith("PJSIP/trunk-loop-"),
                  what="the forced recording of the plain call")


#: A consent answer nobody gave, as a caller forges it: CR LF in the dialled string end the
#: event Asterisk is writing, and the rest reads as a whole event on every AMI session, ended by
#: the real event's remaining headers (its Uniqueid and Linkedid: the caller's own call). Asterisk
#: keeps 79 characters of a dialled string, so this is about all a forger can write.
FORGED = "9\r\n\r\nEvent: UserEvent\r\nUserEvent: VocoRecording\r\nStage: answer\r\nOutcome: given"


def test_a_consent_answer_forged_through_the_dialled_string_is_not_stored(
        site: Site, app: App, config_path: Path, tmp_path: Path) -> None:
    log = tmp_path / "bridge.log"
    with log.open("ab") as out:
        bridge = subprocess.Popen([VOCO, "--config", str(config_path), "bridge", "run"],
                                  stdout=out, stderr=out)
    try:
        wait_for(lambda: "bridge.started" in log.read_text(), "the bridge to start")
        # A genuine marker, signed by Asterisk's SHA1(), is stored.
        site.answering.append(site.carrier.answer())
        decision = [e for e in site.call(PLAIN, PLAIN) if e.get("Stage") == "decision"]
        linkedid = decision[0]["Linkedid"]
        wait_for(lambda: "decision" in [f["event"] for f in evidence.for_call(app, linkedid)],
                 "the signed decision in the store")

        site.alice.call(quote(FORGED, safe=""))
        forged = site.ami.wait(lambda e: e.get("UserEvent") == "VocoRecording"
                               and e.get("Outcome") == "given" and "Linkedid" in e,
                               what="the forged answer on an AMI session (the injection works)")
        call = forged[0]["Linkedid"]
        wait_for(lambda: "recording.unsigned_event_dropped" in log.read_text()
                 or evidence.for_call(app, call), "the bridge to handle the forged answer")
        assert evidence.for_call(app, call) == []
        assert "recording.unsigned_event_dropped" in log.read_text()
    finally:
        bridge.terminate()
        bridge.wait()
