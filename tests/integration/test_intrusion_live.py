"""On real Asterisk: bursts of wrong SIP passwords (sipp) and wrong AMI logins each produce one
de-duplicated notification; with intrusion response on, the SIP source is blocked by
Asterisk's own ACL (its next REGISTER gets no answer) and unblocked at expiry, while an
allowlisted source keeps being answered and is never blocked."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from asterisk_bridge.amiusers.watch import AmiLoginWatch
from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.context import App
from asterisk_bridge.intrusion import settings
from asterisk_bridge.intrusion.capability import IntrusionResponse
from asterisk_bridge.notifications import smtp_settings
from asterisk_bridge.notifications.capability import NotificationsCapability
from asterisk_bridge.notifications.notifier import Tuning
from asterisk_bridge.sandbox import ports
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.store.models import OplogEntry
from asterisk_bridge.store.models.intrusion import IntrusionBlock
from tests.conftest import CliCall
from tests.integration.provision_support import attach, ok
from tests.polling import await_for
from tests.smtp_server import PASSWORD, USER, RelayThread

pytestmark = pytest.mark.asterisk

ATTACKER, ALLOWED = "127.0.0.2", "127.0.0.1"
_REGISTER = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="{name}">
<send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:1001@[remote_ip]>;tag=[pid]SIPpTag[call_number]
To: <sip:1001@[remote_ip]>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:1001@[local_ip]:[local_port]>
Max-Forwards: 70
Expires: 300
Content-Length: 0

]]></send>
<recv response="401" auth="true"/>
{rest}
</scenario>
"""
_WRONG = """<send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:1001@[remote_ip]>;tag=[pid]SIPpTag[call_number]
To: <sip:1001@[remote_ip]>
Call-ID: [call_id]
CSeq: 2 REGISTER
Contact: <sip:1001@[local_ip]:[local_port]>
[authentication username=1001 password=not-the-secret]
Max-Forwards: 70
Expires: 300
Content-Length: 0

]]></send>
<recv response="403" optional="true" next="done"/>
<recv response="401"/>
<label id="done"/>"""


def _sipp(workdir: Path, source: str, sip_port: int, scenario: str, calls: int,
          timeout: str = "30s") -> subprocess.CompletedProcess[str]:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "s.xml").write_text(scenario)
    return subprocess.run(
        ["sipp", f"127.0.0.1:{sip_port}", "-sf", "s.xml", "-i", source,
         "-p", str(ports.free_udp_port()), "-m", str(calls), "-l", "1", "-nostdin",
         "-timeout", timeout, "-timeout_error", "-max_retrans", "2", "-trace_err"],
        cwd=workdir, capture_output=True, text=True, timeout=120)


def _burst(tmp: Path, source: str, sip_port: int, calls: int = 6) -> None:
    scenario = _REGISTER.format(name="wrong", rest=_WRONG)
    _sipp(tmp / f"burst-{source}", source, sip_port, scenario, calls)


def _answered(tmp: Path, source: str, sip_port: int, name: str) -> bool:
    """Whether a REGISTER from *source* gets any answer (a 401 challenge)."""
    proc = _sipp(tmp / f"probe-{name}", source, sip_port,
                 _REGISTER.format(name="probe", rest=""), 1, timeout="6s")
    return proc.returncode == 0


def _wrong_ami_login(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.recv(1024)
        s.sendall(b"Action: Login\r\nUsername: nobody\r\nSecret: wrong\r\n\r\n")
        s.recv(1024)


def _blocks(app: App) -> list[tuple[str, str | None]]:
    with app.engine.connect() as conn:
        return [(b.address, b.ended_at) for b in conn.execute(
            select(IntrusionBlock).order_by(IntrusionBlock.id))]


def test_bursts_notify_once_and_the_source_is_blocked_then_freed(
        app: App, config_path: Path, asterisk: Instance, run_cli: CliCall,
        tmp_path: Path) -> None:
    attach(config_path, asterisk)
    ok(run_cli("extension", "add", "1001", "--name", "Alice"))
    ok(run_cli("apply"))
    ok(run_cli("notify", "rule", "add", "auth_failures", "--email", "ops@example.com"))
    ok(run_cli("intrusion", "set", "on", "--allow", f"{ALLOWED}/32"))
    app = App.open(config_path)
    settings.store(app.engine, settings.Intrusion(True, 10, (f"{ALLOWED}/32",)))
    sip_port, ami_port = asterisk.info().sip_port, app.config.asterisk.ami_port

    with RelayThread(tmp_path / "relay") as relay:
        smtp_settings.store(app.engine, app.master_key, smtp_settings.check_custom(
            "127.0.0.1", relay.port, "starttls", False, str(relay.ca), "", USER), PASSWORD)

        async def attack() -> None:
            notes = NotificationsCapability(app, Tuning(window_s=3, interval_s=600))
            response = IntrusionResponse(app, check_s=1)
            logins = AmiLoginWatch(app)
            async with Bridge(app, capabilities=[logins, notes, response]) as bridge:
                await bridge.wait_connected("ami", 30)
                await asyncio.gather(*(asyncio.to_thread(_wrong_ami_login, ami_port)
                                       for _ in range(6)))
                await asyncio.to_thread(_burst, tmp_path, ATTACKER, sip_port)
                await await_for(lambda: _blocks(app), "the attacker's block", timeout=60)
                assert not await asyncio.to_thread(_answered, tmp_path, ATTACKER, sip_port,
                                                   "blocked")
                await asyncio.to_thread(_burst, tmp_path, ALLOWED, sip_port)
                assert await asyncio.to_thread(_answered, tmp_path, ALLOWED, sip_port,
                                               "allowed")
                await await_for(lambda: all(end for _, end in _blocks(app)),
                                "the block's expiry", timeout=90)
                await await_for(lambda: len(relay.relay.messages) >= 3, "the notifications")
                assert await asyncio.to_thread(_answered, tmp_path, ATTACKER, sip_port,
                                               "freed")

        asyncio.run(attack())
        subjects = sorted(str(m["Subject"]) for m in relay.relay.messages)
    assert [a for a, _ in _blocks(app)] == [ATTACKER]  # never the allowlisted source
    assert len(subjects) == 3, subjects  # AMI from ALLOWED, SIP from each: one message each
    assert sum("AMI" in s for s in subjects) == 1
    assert sum("PJSIP" in s and ATTACKER in s for s in subjects) == 1
    with app.engine.connect() as conn:
        log = [(e.command, json.loads(e.args) if isinstance(e.args, str) else e.args)
               for e in conn.execute(select(OplogEntry).order_by(OplogEntry.seq))]
    assert [c for c, _ in log if c.startswith("intrusion ")][-2:] == ["intrusion block",
                                                                        "intrusion unblock"]
