"""Asterisk does not tell a SIP scanner its version, on real Asterisk.

A scanner (sipvicious' svmap) sends OPTIONS and reads the Server / User-Agent header, which
Asterisk fills with ``Asterisk PBX <exact version>`` by default: an index into every advisory
that applies. pjsip.conf's ``[global] user_agent`` replaces it with a neutral name.
"""

from __future__ import annotations

import re
import socket
import uuid
from pathlib import Path

import pytest

from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from tests.conftest import CliCall
from tests.integration.provision_support import attach, ok

pytestmark = pytest.mark.asterisk


def _options(port: int) -> str:
    """Send one out-of-dialog OPTIONS from a fresh UDP socket; return Asterisk's reply."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(10)
        here = sock.getsockname()[1]
        call_id = uuid.uuid4().hex
        request = (f"OPTIONS sip:100@127.0.0.1:{port} SIP/2.0\r\n"
                   f"Via: SIP/2.0/UDP 127.0.0.1:{here};branch=z9hG4bK{call_id[:16]};rport\r\n"
                   f"From: <sip:scanner@127.0.0.1:{here}>;tag={call_id[:8]}\r\n"
                   f"To: <sip:100@127.0.0.1:{port}>\r\n"
                   f"Call-ID: {call_id}@127.0.0.1\r\n"
                   "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nAccept: application/sdp\r\n"
                   "Content-Length: 0\r\n\r\n")
        sock.sendto(request.encode(), ("127.0.0.1", port))
        return sock.recv(65536).decode("utf-8", "replace")


def _banner(reply: str) -> list[str]:
    return [h.strip() for h in re.findall(r"^(?:Server|User-Agent):.*$", reply, re.M | re.I)]


def test_options_reply_names_no_product_or_version(app: App, config_path: Path,
                                                   asterisk: Instance, run_cli: CliCall) -> None:
    version = asterisk.rx("core show version").split()[1]  # "Asterisk 22.10.1+dfsg... built by"
    assert re.match(r"\d+\.\d+", version), version
    port = asterisk.info().sip_port

    def check(stage: str) -> None:
        reply = _options(port)
        assert reply.startswith("SIP/2.0 "), reply
        assert _banner(reply) == ["Server: PBX"], (stage, reply)
        assert version not in reply and "Asterisk" not in reply, (stage, reply)

    check("as booted")
    attach(config_path, asterisk)
    ok(run_cli("extension", "add", "1001", "--name", "Alice"))
    ok(run_cli("apply"))
    check("after voco apply")
