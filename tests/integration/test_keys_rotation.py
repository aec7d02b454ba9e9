"""``voco keys rotate`` on a real Asterisk: after a rotation every provisioning secret still
renders, ``config export --include-secrets`` and ``voco apply`` still work, and the extension's
phone still registers (sipp, digest auth) with the secret it was given before the rotation."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from asterisk_bridge import oplog
from asterisk_bridge.context import App
from asterisk_bridge.masterkey import load_master_key
from asterisk_bridge.sandbox.instance import Instance
from tests.conftest import CliCall
from tests.integration.provision_support import (
    PIN,
    TRUNK_PASSWORD,
    attach,
    ok,
    provision_every_secret,
)
from tests.integration.sipp_support import Phone

pytestmark = pytest.mark.asterisk

def _age_identity(identity: Path) -> str:
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    recipient = next(line.split(": ")[1] for line in identity.read_text().splitlines()
                     if line.startswith("# public key"))
    return recipient


def _export_with_secrets(run_cli: CliCall, tmp_path: Path, name: str) -> str:
    identity = tmp_path / f"{name}.age-key"
    recipient = _age_identity(identity)
    out = tmp_path / f"{name}.toml.age"
    ok(run_cli("config", "export", "--include-secrets", "--age-recipient", recipient,
               "-o", str(out)))
    return subprocess.run(["age", "-d", "-i", str(identity), str(out)], check=True,
                          capture_output=True, text=True).stdout


def test_rotation_keeps_every_rendered_secret_working(
        app: App, config_path: Path, asterisk: Instance, run_cli: CliCall,
        tmp_path: Path) -> None:
    attach(config_path, asterisk)
    secret = provision_every_secret(run_cli, asterisk, tmp_path)
    sip_port = asterisk.info().sip_port
    before = _export_with_secrets(run_cli, tmp_path, "before")

    rotated = ok(run_cli("keys", "rotate")).output
    assert "extension SIP secrets: 1" in rotated and "trunk passwords: 1" in rotated
    assert "conference PINs: 1" in rotated

    after = _export_with_secrets(run_cli, tmp_path, "after")
    assert after == before and secret in after and TRUNK_PASSWORD in after and PIN in after
    ok(run_cli("apply"))  # re-renders every secret with the new key, reloads, verifies
    Phone(tmp_path / "after", "1001", secret, sip_port).register()
    assert "1001/sip:1001@127.0.0.1" in asterisk.rx("pjsip show contacts")
    assert "1001" in asterisk.rx("voicemail show users")
    assert "ConfBridge(board" in asterisk.rx("dialplan show 7001@voco-internal")
    assert f"pin = {PIN}" in (asterisk.etc_dir / "confbridge.conf").read_text()
    assert oplog.verify(app.engine, load_master_key(app.config.master_key_file)).entries >= 6
