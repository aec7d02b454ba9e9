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

from pathlib import Path

import pytest

from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from tests.conftest import CliCall
from tests.integration.cdr_support import asterisk_records
from tests.integration.provision_support import AmiListener, attach, ok
from tests.integration.sipp_support import Phone

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

def _call(workdir: Path, inst: Instance, sender: str, header: str) -> None:
    """One call from 127.0.0.1 (the trunk's address) to DID 5550100, answered by a room."""
    phone = Phone(workdir, sender, "", inst.info().sip_port)
    proc = phone.trunk_call("5550100", header, {"folded": "node-a/1795915404.12\r\n x"})
    assert proc.returncode == 0, f"call from {sender}: {phone.errors()}"


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
