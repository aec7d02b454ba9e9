"""Packet captures on real Asterisk: a capture during a sipp call, exported with
--age-recipient and decrypted with the age CLI, is read by tshark and holds the INVITE; no
plaintext stays in the RAM spool; a capture whose Voco process is SIGKILLed still stops at its
deadline (dumpcap's own) and is sealed by the next sweep; delete crypto-shreds it; start,
export and delete are in the operation log."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from asterisk_bridge.capture.spool import running, spool_dir
from asterisk_bridge.context import App
from asterisk_bridge.errors import ExitCode
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.store.models import OplogEntry
from asterisk_bridge.store.models.capture import Capture, CaptureKey
from tests.conftest import CliCall
from tests.integration.provision_support import attach, ok
from tests.integration.sipp_support import Phone
from tests.polling import wait_for

pytestmark = pytest.mark.asterisk


def _extension(run_cli: CliCall, number: str) -> str:
    out = json.loads(ok(run_cli("extension", "add", number, "--name", f"Ext {number}",
                                "--transport", "udp", "--json")).output)
    return str(out["secret"])


def _age_key(tmp_path: Path) -> tuple[Path, str]:
    key = tmp_path / "age.key"
    subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    recipient = subprocess.run(["age-keygen", "-y", str(key)], check=True, capture_output=True,
                               text=True).stdout.strip()
    return key, recipient


def _row(app: App, capture_id: str) -> Capture:
    with app.engine.connect() as conn:
        return Capture(**conn.execute(select(Capture).where(Capture.id == capture_id))
                       .mappings().one())


def test_capture_sipp_call_export_read_by_tshark_then_shred(
        app: App, config_path: Path, asterisk: Instance, run_cli: CliCall,
        tmp_path: Path) -> None:
    attach(config_path, asterisk)
    app = App.open(config_path)
    secrets = {n: _extension(run_cli, n) for n in ("1001", "1002")}
    ok(run_cli("apply"))
    alice, bob = (Phone(tmp_path, n, secrets[n], asterisk.info().sip_port)
                  for n in ("1001", "1002"))
    alice.register()
    bob.register()

    started = ok(run_cli("capture", "start", "--for", "5m", "--all", "--max-size", "20M"))
    capture_id = started.output.split(":")[0]
    spool = spool_dir(app.config.asterisk)
    assert (spool / f"{capture_id}.pcap").exists()
    answering = bob.answer()
    call = alice.call("1002")
    answering.communicate(timeout=120)
    assert call.returncode == 0, alice.errors()
    stopped = ok(run_cli("capture", "stop", capture_id))
    assert "sealed" in stopped.output
    assert not list(spool.glob("*.pcap"))  # no plaintext left in the RAM spool
    sealed = app.config.data_dir / "captures" / f"{capture_id}.vcap"
    assert b"INVITE" not in sealed.read_bytes()

    key, recipient = _age_key(tmp_path)
    exported = tmp_path / "capture.age"
    ok(run_cli("capture", "export", capture_id, "--age-recipient", recipient,
               "-o", str(exported)))
    pcap = tmp_path / "capture.pcap"
    subprocess.run(["age", "-d", "-i", str(key), "-o", str(pcap), str(exported)], check=True)
    invites = subprocess.run(
        ["tshark", "-r", str(pcap), "-Y", "sip.Method == \"INVITE\"", "-T", "fields",
         "-e", "sip.r-uri"], capture_output=True, text=True, check=True).stdout.split()
    assert any(uri.startswith("sip:1002@") for uri in invites), invites

    ok(run_cli("capture", "delete", capture_id, "--reason", "ticket closed"))
    assert not sealed.exists()
    with app.engine.connect() as conn:
        assert conn.execute(select(CaptureKey)).all() == []
        logged = [r.command for r in conn.execute(select(OplogEntry.command))]
    assert {"capture start", "capture stop", "capture export", "capture delete"} <= set(logged)
    refused = run_cli("capture", "export", capture_id, "--age-recipient", recipient,
                      "-o", str(tmp_path / "again.age"))
    assert refused.exit_code == ExitCode.NOT_FOUND, refused.output


def test_deadline_holds_when_the_voco_process_is_killed(
        app: App, config_path: Path, asterisk: Instance, run_cli: CliCall,
        tmp_path: Path) -> None:
    attach(config_path, asterisk)
    app = App.open(config_path)
    capture_id = ok(run_cli("capture", "start", "--for", "10s", "--sip")).output.split(":")[0]
    row = _row(app, capture_id)
    assert running(row.runner_pid, capture_id) and running(row.dumpcap_pid, capture_id)
    os.kill(row.runner_pid or 0, signal.SIGKILL)
    wait_for(lambda: not running(row.dumpcap_pid, capture_id),
             "dumpcap to stop at its own deadline", timeout=120)
    spool = spool_dir(app.config.asterisk)
    assert (spool / f"{capture_id}.pcap").exists()  # the runner never sealed it
    listed = json.loads(ok(run_cli("capture", "list", "--json")).output)
    (shown,) = [c for c in listed if c["id"] == capture_id]
    assert shown["state"] == "sealed" and "sealed by voco capture list" in shown["stop_reason"]
    assert shown["stop_reason"].startswith("deadline")
    assert not list(spool.glob("*.pcap"))
