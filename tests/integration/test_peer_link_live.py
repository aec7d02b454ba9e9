"""A Voco peer trunk's X-Voco-Call header on real Asterisk: believed only in its strict shape,
and only from a trunk marked ``--voco-peer``.

A sipp "node" calls a DID through the trunk with a different header each time; Asterisk's own
CDR copies (the AMI Cdr event and Master.csv, which the bridge reconciles from) carry the
accountcode ``voco:<node>/<linkedid>`` for the well-formed header only. A header holding ``;``,
``,``, a folded line break, a space, a third field, too many characters or nothing before the
``/`` leaves the accountcode empty; so does the well-formed header once the trunk is no longer
marked as a Voco peer.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from asterisk_bridge.context import App
from asterisk_bridge.sandbox import ports
from asterisk_bridge.sandbox.instance import Instance
from tests.conftest import CliCall
from tests.integration.cdr_support import asterisk_records
from tests.integration.provision_support import AmiListener, attach, ok

pytestmark = pytest.mark.asterisk

GOOD = "node-a/1795915404.12"
#: Header lines (as sent, CRLF-joined) that must not be believed, by the From user sending them.
BAD = {
    "7001": f"X-Voco-Call: {GOOD};evil=1",
    "7002": "X-Voco-Call: node-a/1795915404.12,node-b/1.2",
    "7003": "X-Voco-Call: [folded]",  # node-a/1795915404.12, CRLF, " x": a line break inside
    "7004": "X-Voco-Call: node-a 1795915404.12",
    "7005": "X-Voco-Call: node-a/1795915404.12/x",
    "7006": "X-Voco-Call: " + "n" * 61 + "/1795915404.12",  # 75 characters
    "7007": "X-Voco-Call: /1795915404.12",
    "7008": "X-Voco-Call: node-a/${SHELL(id)}",
    "7009": "",
}

SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="peer">
<send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:@FROM@@[local_ip]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:@FROM@@[local_ip]:[local_port]>
Max-Forwards: 70
@HEADER@
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP4 [local_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000

]]></send>
<recv response="100" optional="true"/>
<recv response="180" optional="true"/>
<recv response="183" optional="true"/>
<recv response="200" rrs="true"/>
<send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:@FROM@@[local_ip]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
<pause milliseconds="1000"/>
<send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:@FROM@@[local_ip]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="200"/>
</scenario>
"""


def _call(workdir: Path, inst: Instance, sender: str, header: str) -> None:
    """One call from 127.0.0.1 (the trunk's address) to DID 5550100, answered by a room."""
    path = workdir / f"peer-{sender}.xml"
    text = SCENARIO.replace("@FROM@", sender)
    path.write_text(text.replace("@HEADER@\n", header + "\n" if header else ""))
    proc = subprocess.run(
        ["sipp", f"127.0.0.1:{inst.info().sip_port}", "-sf", str(path), "-s", "5550100",
         "-i", "127.0.0.1", "-p", str(ports.free_udp_port()),
         "-mp", str(ports.free_udp_port()), "-m", "1", "-nostdin", "-trace_err",
         "-timeout", "60s", "-timeout_error",
         # a value sipp inserts as sent (a scenario line's leading space would be dropped)
         "-key", "folded", "node-a/1795915404.12\r\n x"],
        cwd=workdir, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"call from {sender}: {proc.stdout[-2000:]}{proc.stderr}"


def _accountcodes(inst: Instance, ami: AmiListener, senders: list[str]) -> dict[str, set[str]]:
    """Each sender's trunk-channel accountcode, as the AMI Cdr events and Master.csv say."""
    def from_trunk(e: dict[str, str]) -> bool:
        return (e.get("Event") == "Cdr" and e.get("Source") in senders
                and e.get("Channel", "").startswith("PJSIP/trunk-peer-"))

    events = ami.wait(from_trunk, 60, "every call's Cdr event", count=len(senders))
    found: dict[str, set[str]] = {s: set() for s in senders}
    for e in events:
        found[e["Source"]].add(e.get("AccountCode", ""))
    for r in asterisk_records(inst):
        if r["src"] in senders and r["channel"].startswith("PJSIP/trunk-peer-"):
            found[r["src"]].add(r["accountcode"])
    return found


def test_the_header_is_believed_only_well_formed_and_only_from_a_peer_trunk(
        app: App, config_path: Path, asterisk: Instance, run_cli: CliCall,
        tmp_path: Path) -> None:
    attach(config_path, asterisk)
    ok(run_cli("trunk", "add", "peer", "--host", "127.0.0.1", "--port", "5999",
               "--identify", "127.0.0.1", "--voco-peer"))
    ok(run_cli("conference", "add", "board", "--number", "7001"))
    ok(run_cli("route", "inbound", "add", "5550100", "--to", "conference:board"))
    ok(run_cli("apply"))
    ami = AmiListener(asterisk)
    try:
        _call(tmp_path, asterisk, "7000", f"X-Voco-Call: {GOOD}")
        for sender, header in BAD.items():
            _call(tmp_path, asterisk, sender, header)
        found = _accountcodes(asterisk, ami, ["7000", *BAD])
        assert found == {"7000": {f"voco:{GOOD}"}, **{s: {""} for s in BAD}}

        # The same well-formed header from the trunk once it is a provider's: ignored.
        ok(run_cli("trunk", "set", "peer", "--no-voco-peer"))
        ok(run_cli("apply"))
        _call(tmp_path, asterisk, "7010", f"X-Voco-Call: {GOOD}")
        assert _accountcodes(asterisk, ami, ["7010"]) == {"7010": {""}}
    finally:
        ami.close()
