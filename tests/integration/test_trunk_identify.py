"""A trunk's identify payload cannot open it to every source, on real Asterisk.

``'::%1,0.0.0.0/0'`` parsed as an IPv6 network with a scope id, was rendered verbatim, and
PJSIP's ``match`` (which splits on ',') then took every IPv4 source for the carrier. Here each
payload is refused by ``voco trunk set``, Asterisk's ``pjsip show identifies`` lists only the
intended network after ``voco apply``, and a call from an address outside it is not taken for
the carrier; naming that address in identify makes the same call the carrier's, which shows the
check can see a match.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from tests.conftest import CliCall
from tests.integration.provision_support import AmiListener, attach, ok
from tests.integration.sipp_support import Phone

pytestmark = pytest.mark.asterisk

PAYLOADS = ["::%1,0.0.0.0/0", "::%${SHELL(id)}()/0", "::%1,127.0.0.1", "0.0.0.0/0", "::/0"]


def _matches(inst: Instance) -> list[str]:
    return re.findall(r"^\s+Match: (\S+)", inst.rx("pjsip show identifies"), re.M)


def _carrier_calls(ami: AmiListener) -> int:
    return len(ami.matching(lambda e: e.get("Event") == "Newchannel"
                            and e.get("Channel", "").startswith("PJSIP/trunk-carrier-")))


def test_identify_payloads_are_refused_and_asterisk_matches_only_the_network(
        app: App, config_path: Path, asterisk: Instance, run_cli: CliCall,
        tmp_path: Path) -> None:
    attach(config_path, asterisk)
    ok(run_cli("extension", "add", "1001", "--name", "Alice"))
    ok(run_cli("trunk", "add", "carrier", "--host", "192.0.2.10", "--identify", "192.0.2.0/24"))
    ok(run_cli("route", "inbound", "add", "5550100", "--to", "extension:1001"))
    ok(run_cli("apply"))
    shown = ok(run_cli("trunk", "show", "carrier")).output

    for payload in PAYLOADS:
        result = run_cli("trunk", "set", "carrier", "--identify", payload)
        assert result.exit_code == 2 and "identify:" in result.output, (payload, result.output)
    assert ok(run_cli("trunk", "show", "carrier")).output == shown
    ok(run_cli("apply"))
    assert _matches(asterisk) == ["192.0.2.0/24"]

    # An INVITE for the DID from 127.0.0.1, outside the trunk's network: not the carrier.
    ami = AmiListener(asterisk)
    try:
        intruder = Phone(tmp_path, "intruder", "not-a-secret-123", asterisk.info().sip_port)
        intruder.call("5550100")
        assert _carrier_calls(ami) == 0
        # the quiet log keeps security events: an INVITE from no known endpoint is one
        assert 'SecurityEvent="InvalidAccountID"' in (asterisk.log_dir / "messages.log"
                                                      ).read_text()

        ok(run_cli("trunk", "set", "carrier", "--identify", "127.0.0.1"))
        ok(run_cli("apply"))
        assert _matches(asterisk) == ["127.0.0.1/32"]
        intruder.call("5550100")
        ami.wait(lambda e: e.get("Event") == "Newchannel"
                 and e.get("Channel", "").startswith("PJSIP/trunk-carrier-"),
                 what="the call taken for the carrier once its address is named")
    finally:
        ami.close()
