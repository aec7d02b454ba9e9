"""No file Voco writes holds an extension's SIP secret, and phones still register.

Asterisk is given MD5(user:realm:secret) (``password_digest``), never the secret itself, and every
apply backup has its secret lines masked: after ``--new-secret`` the old secret is gone from disk at
once, instead of outliving its replacement in ten backup sets. Both sipp and baresip register with
digest auth against the rendered digest.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from asterisk_bridge.config import read_secret
from asterisk_bridge.context import App
from asterisk_bridge.sandbox import ports
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
from tests.polling import wait_for

pytestmark = pytest.mark.asterisk

def _baresip_registers(asterisk: Instance, workdir: Path, user: str, secret: str) -> None:
    """A baresip phone registers *user* (polled in 'pjsip show contacts'), then is stopped."""
    workdir.mkdir()
    (workdir / "config").write_text(
        f"sip_listen 127.0.0.1:{ports.free_udp_port()}\n"
        "module_path /usr/lib/baresip/modules\nmodule g711.so\nmodule account.so\n"
        "audio_player aufile,/dev/null\naudio_source aufile,/dev/null\n")
    (workdir / "accounts").write_text(
        f"<sip:{user}@127.0.0.1:{asterisk.info().sip_port}>;auth_pass={secret};regint=300\n")
    phone = subprocess.Popen(["baresip", "-f", str(workdir)], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
    try:
        # baresip's contact user is "<user>-0x<hex>"; the AOR is the extension's
        wait_for(lambda: f"{user}/sip:{user}-" in asterisk.rx("pjsip show contacts"),
                 f"baresip registering {user}")
    finally:
        phone.terminate()
        phone.communicate(timeout=30)


def test_no_file_holds_a_sip_secret_and_phones_register(
        app: App, config_path: Path, asterisk: Instance, run_cli: CliCall,
        tmp_path: Path) -> None:
    attach(config_path, asterisk)
    old = provision_every_secret(run_cli, asterisk, tmp_path)
    sip_port = asterisk.info().sip_port

    new = str(json.loads(ok(run_cli("extension", "set", "1001", "--new-secret", "--json"))
                         .output)["secret"])
    ok(run_cli("extension", "set", "1001", "--name", "Alice Smith"))
    ok(run_cli("apply"))  # backs up the set that held the old digest
    ok(run_cli("conference", "set", "board", "--pin", "8812"))
    ok(run_cli("apply"))  # backs up the set that held the new digest and the old PIN
    Phone(tmp_path / "new", "1001", new, sip_port).register()
    with pytest.raises(AssertionError, match="REGISTER 1001 failed"):
        Phone(tmp_path / "stale", "1001", old, sip_port).register()
    _baresip_registers(asterisk, tmp_path / "baresip", "1001", new)

    live = (asterisk.etc_dir / "pjsip.conf").read_text()
    digest = hashlib.md5(f"1001:voco:{new}".encode()).hexdigest()
    assert f"realm = voco\npassword_digest = MD5:{digest}\n" in live

    backups = sorted(p for p in (app.config.data_dir / "apply-backups").rglob("*")
                     if p.is_file())
    assert {p.parent for p in backups} and len({p.parent for p in backups}) == 3
    ami_secret = read_secret(app.config.asterisk.ami_secret_file, "AMI")
    for path in backups:
        text = path.read_text()
        for value in (old, new, TRUNK_PASSWORD, PIN, ami_secret, digest,
                      hashlib.md5(f"1001:voco:{old}".encode()).hexdigest()):
            assert value not in text, f"{path} holds a secret"
    masked = "\n".join(p.read_text() for p in backups if p.name == "pjsip.conf")
    assert "password_digest = <secret:" in masked and "password = <secret:" in masked
    rendered = [p for p in asterisk.etc_dir.iterdir() if p.is_file()]
    assert any(p.name == "pjsip.conf" for p in rendered)
    for path in rendered:  # the live configuration holds neither secret either
        text = path.read_text(errors="replace")
        assert old not in text and new not in text, path
