"""Provisioned routing on a real Asterisk: inbound route to a queue, conference rooms with a PIN.

Everything is provisioned through the CLI and made live with ``voco apply``; calls are Local
channels into the generated contexts (the reference's §4 pattern).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from tests.conftest import CliCall
from tests.integration.provision_support import AmiListener, attach, ok

pytestmark = pytest.mark.asterisk

# A caller that keys digits into the PIN prompt: dtmf-<digits>-<talk seconds>. (Not "pin-":
# n, x and z are pattern letters in either case.)
PIN_PHONE = """\
[pinphone]
exten => _dtmf-X.,1,Answer()
 same => n,Wait(2)
 same => n,SendDTMF(${CUT(EXTEN,-,2)}#)
 same => n,Wait(${CUT(EXTEN,-,3)})
 same => n,Hangup()
"""


@pytest.fixture
def ami(asterisk: Instance) -> Iterator[AmiListener]:
    listener = AmiListener(asterisk)
    yield listener
    listener.close()


@pytest.fixture
def voco(app: App, config_path: Path, asterisk: Instance, run_cli: CliCall) -> CliCall:
    """The CLI of a Voco installation attached to the sandbox, with two extensions."""
    attach(config_path, asterisk)
    ok(run_cli("extension", "add", "1001", "--name", "Alice"))
    ok(run_cli("extension", "add", "1002", "--name", "Bob"))
    return run_cli


def test_inbound_route_sends_call_to_queue_whose_agents_ring(voco: CliCall,
                                                             ami: AmiListener) -> None:
    ok(voco("trunk", "add", "carrier", "--host", "192.0.2.10", "--identify", "192.0.2.0/24"))
    ok(voco("queue", "add", "support", "--number", "6001", "--member", "1001",
            "--member", "1002"))
    ok(voco("route", "inbound", "add", "5550100", "--to", "queue:support"))
    ok(voco("apply"))

    # The trunk's endpoint sets these on a real inbound call (set_var); the Local caller stands in.
    ami.originate("Local/alice-n-1-20@phone/n", "voco-inbound", "5550100",
                  VOCO_CALLER="carrier", VOCO_KIND="inbound")
    joined = ami.wait(lambda e: e.get("Event") == "QueueCallerJoin", what="QueueCallerJoin")
    assert joined[0]["Queue"] == "support"
    called = ami.wait(lambda e: e.get("Event") == "AgentCalled", what="AgentCalled x2",
                      count=2)
    assert {e["Interface"] for e in called} == {"Local/1001@voco-queue-member/n",
                                                "Local/1002@voco-queue-member/n"}
    # Members are named by their number: queue_log and AMI carry no person's name.
    assert {e["MemberName"] for e in called} == {"1001", "1002"}
    # Each member leg dials its extension through voco-dial with the trunk as the caller key.
    ami.wait(lambda e: e.get("Event") == "Newexten" and e.get("Context") == "voco-dial"
             and "inbound carrier -> 1001" in e.get("AppData", ""), what="voco-dial for 1001")


def _joins(ami: AmiListener, room: str) -> list[dict[str, str]]:
    return ami.matching(lambda e: e.get("Event") == "ConfbridgeJoin"
                        and e.get("Conference") == room)


def test_conference_admits_two_callers_and_rejects_a_wrong_pin(
        voco: CliCall, ami: AmiListener, asterisk: Instance) -> None:
    ok(voco("conference", "add", "board", "--number", "7001", "--pin", "4321"))
    ok(voco("apply"))
    asterisk.write_files({"extensions_test.conf": PIN_PHONE})
    asterisk.rx("dialplan reload")

    for _ in range(2):
        ami.originate("Local/dtmf-4321-30@pinphone/n", "voco-internal", "7001",
                      VOCO_CALLER="1001", VOCO_KIND="internal")
    joined = ami.wait(lambda e: e.get("Event") == "ConfbridgeJoin"
                      and e.get("Conference") == "board", what="ConfbridgeJoin x2", count=2)
    assert len({e["Channel"] for e in joined}) == 2

    # Which prompt ConfBridge played is in Asterisk's full log only: open a debug window.
    ok(voco("debug", "on", "--for", "5m"))
    log = Path(json.loads(ok(voco("debug", "status", "--json")).output)["log_file"])
    ami.originate("Local/dtmf-9999-8@pinphone/n", "voco-internal", "7001",
                  VOCO_CALLER="1002", VOCO_KIND="internal")
    wrong = ami.wait(lambda e: e.get("Event") == "Newchannel"
                     and e.get("Channel", "").startswith("Local/dtmf-9999-8@pinphone")
                     and e["Channel"].endswith(";1"), what="wrong-PIN caller")[0]["Channel"]
    ami.wait(lambda e: e.get("Event") == "Hangup" and e.get("Channel") == wrong, timeout=60,
             what="wrong-PIN caller hung up")
    assert not [e for e in _joins(ami, "board") if e["Channel"] == wrong]
    assert len(_joins(ami, "board")) == 2
    deadline = time.monotonic() + 10
    pattern = re.compile(re.escape(wrong) + r".*Playing 'conf-invalidpin")
    while not pattern.search(log.read_text(errors="replace")):
        assert time.monotonic() < deadline, "ConfBridge never said the PIN was invalid"
        time.sleep(0.2)
    ok(voco("debug", "off"))
    assert not log.exists()
