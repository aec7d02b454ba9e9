"""SIP over TLS with SRTP between two real phones, proven on the wire; plain offers refused.

Two extensions with the defaults (TLS, SDES-keyed SRTP) register from baresip over TLS,
verifying the node's certificate against Voco's CA; one calls the other. tshark captures the
loopback for this instance's SIP and RTP ports: no packet carries SIP in clear, and every RTP
packet of the call carries SRTP (payload = G.711 frame + auth tag, ciphertext-like entropy). A
sipp phone offering plain RTP as an SRTP-only extension gets 488; one calling over plain UDP as a
TLS-only extension (plain media allowed by choice) is refused by the dialplan (403).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.tls.store import TlsStore
from tests.conftest import CliCall
from tests.integration.baresip_support import Baresip, Capture, entropy_bits_per_byte
from tests.integration.provision_support import AmiListener, attach, ok
from tests.integration.sipp_support import Phone

pytestmark = pytest.mark.asterisk

G711_FRAME = 160  # 20 ms of PCMU/PCMA
TALK_S = 4


def _extension(run_cli: CliCall, number: str, *options: str) -> str:
    out = json.loads(ok(run_cli("extension", "add", number, "--name", f"P{number}", *options,
                                "--json")).output)
    return str(out["secret"])


def test_tls_srtp_call_shows_nothing_in_clear(app: App, config_path: Path, asterisk: Instance,
                                              run_cli: CliCall, tmp_path: Path) -> None:
    attach(config_path, asterisk)
    secrets = {n: _extension(run_cli, n) for n in ("1001", "1002")}
    shown = json.loads(ok(run_cli("extension", "show", "1001", "--json")).output)
    assert (shown["transport"], shown["media_encryption"]) == ("tls", "sdes")
    ok(run_cli("apply"))
    info = asterisk.info()
    assert f"transport-tls             tls      0      0  127.0.0.1:{info.tls_port}" in \
        asterisk.rx("pjsip show transports")

    capture = Capture(tmp_path / "call.pcap", f"tcp port {info.tls_port} or udp port "
                      f"{info.sip_port} or udp portrange {info.rtp_start}-{info.rtp_end}")
    ca = TlsStore.of(app.config).require().ca
    assert ca is not None
    bob = Baresip(tmp_path, "1002", secrets["1002"], info.tls_port, ca)
    alice = Baresip(tmp_path, "1001", secrets["1001"], info.tls_port, ca)
    ami = AmiListener(asterisk)
    try:
        bob.wait_registered(lambda: asterisk.rx("pjsip show contacts"))
        alice.wait_registered(lambda: asterisk.rx("pjsip show contacts"))
        alice.dial("1002")
        entered = ami.wait(lambda e: e.get("Event") == "BridgeEnter"
                           and e.get("Channel", "").startswith(("PJSIP/1001-", "PJSIP/1002-")),
                           what="both phones in the bridge", count=2)
        caller = next(e["Channel"] for e in entered if e["Channel"].startswith("PJSIP/1001-"))
        for var in ("CHANNEL(pjsip,secure)", "CHANNEL(rtp,secure,audio)"):
            ami.send({"Action": "Getvar", "Channel": caller, "Variable": var,
                      "ActionID": var})
            got = ami.wait(lambda e, v=var: e.get("ActionID") == v, what=f"Getvar {var}")
            assert got[0].get("Value") == "1", (var, got)
        time.sleep(TALK_S)  # let media flow; nothing is asserted about time
        alice.hangup()
        ami.wait(lambda e: e.get("Event") == "Hangup"
                 and e.get("Channel", "").startswith("PJSIP/1002-"), what="callee hung up")
    finally:
        ami.close()
        logs = alice.stop() + bob.stop()
        capture.stop()

    assert capture.read("-d", f"tcp.port=={info.tls_port},tls",
                        "-Y", "tls.handshake.type == 1"), f"no TLS handshake captured: {logs}"
    assert capture.read("-Y", 'frame contains "SIP/2.0"') == []
    assert capture.read("-d", f"udp.port=={info.sip_port},sip", "-Y", "sip") == []
    rtp = capture.read("-o", "rtp.heuristic_rtp:TRUE", "-Y", "rtp", "-T", "fields",
                       "-e", "rtp.payload")
    assert len(rtp) >= 100, f"expected the call's media, captured {len(rtp)} RTP packets"
    payloads = [bytes.fromhex(line.replace(":", "")) for line in rtp]
    assert {len(p) for p in payloads} == {G711_FRAME + 10}  # AES_CM_128_HMAC_SHA1_80's tag
    assert entropy_bits_per_byte(b"".join(payloads)) > 7.9


def test_plain_offers_to_encrypted_extensions_are_refused(
        app: App, config_path: Path, asterisk: Instance, run_cli: CliCall,
        tmp_path: Path) -> None:
    attach(config_path, asterisk)
    srtp_only = _extension(run_cli, "1003")
    tls_plain_media = _extension(run_cli, "1004", "--media-encryption", "none")
    _extension(run_cli, "1005", "--transport", "udp")
    ok(run_cli("trunk", "add", "carrier", "--host", "127.0.0.1", "--port", "5061",
               "--transport", "tls"))  # its contact's \;transport=tls survives the live check
    ok(run_cli("apply"))
    port = asterisk.info().sip_port
    ami = AmiListener(asterisk)
    try:
        plain_rtp = Phone(tmp_path, "1003", srtp_only, port).refused("1005", 488)
        assert plain_rtp.returncode == 0, plain_rtp.stderr + plain_rtp.stdout
        plain_sip = Phone(tmp_path, "1004", tls_plain_media, port).refused("1005", 403)
        assert plain_sip.returncode == 0, plain_sip.stderr + plain_sip.stdout
        assert not [e for e in ami.events if e.get("Event") == "DialBegin"]
    finally:
        ami.close()
