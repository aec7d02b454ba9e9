"""A real SIP call between two provisioned extensions, and a speed dial out through a trunk.

Extensions are created with the CLI (their generated secrets read from ``--json``), applied,
then sipp registers both with digest auth and one calls the other through Asterisk.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from tests.conftest import CliCall
from tests.integration.provision_support import AmiListener, attach, ok
from tests.integration.sipp_support import Phone

pytestmark = pytest.mark.asterisk


def _extension(run_cli: CliCall, number: str, name: str) -> str:
    out = json.loads(ok(run_cli("extension", "add", number, "--name", name,
                                "--transport", "udp", "--json")).output)
    assert out["number"] == number
    return str(out["secret"])


def test_sip_call_between_two_provisioned_extensions(
        app: App, config_path: Path, asterisk: Instance, run_cli: CliCall,
        tmp_path: Path) -> None:
    attach(config_path, asterisk)
    secrets = {n: _extension(run_cli, n, name) for n, name in (("1001", "Alice"),
                                                               ("1002", "Bob"))}
    ok(run_cli("apply"))
    sip_port = asterisk.info().sip_port
    alice, bob = (Phone(tmp_path, n, secrets[n], sip_port) for n in ("1001", "1002"))
    ami = AmiListener(asterisk)
    try:
        alice.register()
        bob.register()
        contacts = asterisk.rx("pjsip show contacts")
        assert f"1001/sip:1001@127.0.0.1:{alice.port}" in contacts
        assert f"1002/sip:1002@127.0.0.1:{bob.port}" in contacts

        answering = bob.answer()
        call = alice.call("1002")
        _, bob_err = answering.communicate(timeout=120)
        assert call.returncode == 0, f"caller: {alice.errors()}"
        assert answering.returncode == 0, f"callee: {bob.errors()} {bob_err}"

        dial = ami.wait(lambda e: e.get("Event") == "DialBegin"
                        and e.get("DestChannel", "").startswith("PJSIP/1002-"), what="DialBegin")
        assert dial[0]["Channel"].startswith("PJSIP/1001-")
        entered = ami.wait(lambda e: e.get("Event") == "BridgeEnter", what="BridgeEnter x2",
                           count=2)
        assert {e["Channel"].split("-")[0] for e in entered} >= {"PJSIP/1001", "PJSIP/1002"}
        ami.wait(lambda e: e.get("Event") == "DialEnd" and e.get("DialStatus") == "ANSWER",
                 what="DialEnd ANSWER")
        # The call went through voco-dial with the caller's key from its endpoint.
        ami.wait(lambda e: e.get("Event") == "Newexten" and e.get("Context") == "voco-dial"
                 and "internal 1001 -> 1002" in e.get("AppData", ""), what="voco-dial NoOp")
    finally:
        ami.close()


def test_wrong_secret_cannot_register(app: App, config_path: Path, asterisk: Instance,
                                      run_cli: CliCall, tmp_path: Path) -> None:
    attach(config_path, asterisk)
    _extension(run_cli, "1001", "Alice")
    ok(run_cli("apply"))
    intruder = Phone(tmp_path, "1001", "not-the-generated-secret", asterisk.info().sip_port)
    with pytest.raises(AssertionError, match="REGISTER 1001 failed"):
        intruder.register()
    assert "1001/sip:" not in asterisk.rx("pjsip show contacts")


def test_speed_dial_reaches_its_number_through_an_outbound_route(
        app: App, config_path: Path, asterisk: Instance, run_cli: CliCall,
        tmp_path: Path) -> None:
    """*72 dials 0123456; route 'natl' strips the 0, prepends 44, and sends it to the trunk."""
    attach(config_path, asterisk)
    carrier = Phone(tmp_path, "carrier", "unused-secret-123", asterisk.info().sip_port)
    _extension(run_cli, "1001", "Alice")
    ok(run_cli("trunk", "add", "loop", "--host", "127.0.0.1", "--port", str(carrier.port)))
    ok(run_cli("route", "outbound", "add", "natl", "--pattern", "_0X.", "--trunk", "loop",
               "--strip", "1", "--prepend", "44"))
    ok(run_cli("speeddial", "add", "*72", "--number", "0123456", "--name", "Carrier test"))
    ok(run_cli("apply"))
    ami = AmiListener(asterisk)
    try:
        answering = carrier.answer()
        ami.originate("Local/alice-n-1-5@phone/n", "voco-internal", "*72",
                      VOCO_CALLER="1001", VOCO_KIND="internal")
        begin = ami.wait(lambda e: e.get("Event") == "DialBegin"
                         and e.get("DestChannel", "").startswith("PJSIP/trunk-loop-"),
                         what="DialBegin to the trunk")
        assert begin[0]["DialString"] == "44123456@trunk-loop"
        ami.wait(lambda e: e.get("Event") == "DialEnd" and e.get("DialStatus") == "ANSWER",
                 what="the far end answered")
        _, err = answering.communicate(timeout=120)
        assert answering.returncode == 0, f"carrier: {carrier.errors()} {err}"
        assert "INVITE sip:44123456@127.0.0.1" in carrier.received_uris()
        ami.wait(lambda e: e.get("Event") == "Newexten" and e.get("Context") == "voco-dial"
                 and "outbound 1001 -> loop" in e.get("AppData", ""), what="voco-dial NoOp")
    finally:
        ami.close()
