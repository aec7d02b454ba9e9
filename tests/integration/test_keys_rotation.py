"""``voco keys rotate`` on a real Asterisk, with one of every kind the master key seals stored:
afterwards everything still decrypts, ``config export --include-secrets`` and ``voco apply``
still work, and the extension's phone still registers (sipp, digest auth) with the secret it was
given before the rotation."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from asterisk_bridge import oplog
from asterisk_bridge.context import App
from asterisk_bridge.recording import vault
from asterisk_bridge.recording.spool import SpoolFile
from asterisk_bridge.sandbox.instance import Instance
from tests.audio_tones import tone_wav
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

REC_ID = "voco-1795911331_0-1795911331_1"


def _export_with_secrets(run_cli: CliCall, tmp_path: Path, name: str) -> str:
    identity = tmp_path / f"{name}.age-key"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    recipient = next(line.split(": ")[1] for line in identity.read_text().splitlines()
                     if line.startswith("# public key"))
    out = tmp_path / f"{name}.toml.age"
    ok(run_cli("config", "export", "--include-secrets", "--age-recipient", recipient,
               "-o", str(out)))
    return subprocess.run(["age", "-d", "-i", str(identity), str(out)], check=True,
                          capture_output=True, text=True).stdout


def test_rotation_keeps_every_kind_working(
        app: App, config_path: Path, asterisk: Instance, run_cli: CliCall,
        tmp_path: Path) -> None:
    attach(config_path, asterisk)
    secret = provision_every_secret(run_cli, asterisk, tmp_path)
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("only alice knows this")
    ok(run_cli("contact", "personal", "add", "--extension", "1001", "Zelda Private",
               "--number", "+4917055501234", "--passphrase-file", str(passphrase)))
    wav = tmp_path / f"{REC_ID}.wav"
    tone_wav(wav, 1.0)
    audio = wav.read_bytes()
    vault.store(app, SpoolFile(wav, done=True), partial=False)
    before = _export_with_secrets(run_cli, tmp_path, "before")

    rotated = ok(run_cli("keys", "rotate")).output
    for kind in ("recording data keys: 1", "extension SIP secrets: 1", "trunk passwords: 1",
                 "conference PINs: 1", "operation log seals: "):
        assert kind in rotated

    after = _export_with_secrets(run_cli, tmp_path, "after")
    assert after == before and secret in after and TRUNK_PASSWORD in after and PIN in after
    ok(run_cli("apply"))  # re-renders every secret with the new key, reloads, verifies
    Phone(tmp_path / "after", "1001", secret, asterisk.info().sip_port).register()
    assert "1001/sip:1001@127.0.0.1" in asterisk.rx("pjsip show contacts")
    assert "1001" in asterisk.rx("voicemail show users")
    assert "ConfBridge(board" in asterisk.rx("dialplan show 7001@voco-internal")
    assert f"pin = {PIN}" in (asterisk.etc_dir / "confbridge.conf").read_text()

    rotated_app = App.open(config_path)  # holds the new key
    assert b"".join(vault.open_plaintext(rotated_app, REC_ID, mend=False)) == audio
    listed = ok(run_cli("contact", "personal", "list", "--extension", "1001", "--json",
                        "--passphrase-file", str(passphrase))).output
    assert [c["name"] for c in json.loads(listed)] == ["Zelda Private"]
    assert oplog.verify(app.engine, rotated_app.master_key).entries >= 8
