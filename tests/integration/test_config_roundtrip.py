"""``voco config export`` -> wipe -> ``voco config import`` -> ``voco apply`` on a real Asterisk.

The wipe drops the database and re-creates its schema, keeping config file and master key (the
master key is the installation's identity: it also derives the mailbox passwords, so a fresh
``voco init`` would render different ``voicemail.conf`` passwords by design).
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pyrage
import pytest

from asterisk_bridge.context import App
from asterisk_bridge.generator.pbx import PBX_FILES
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.services.init import initialise
from tests.conftest import CliCall

pytestmark = pytest.mark.asterisk

PROVISION = (
    ("extension", "add", "1001", "--name", "Alice Example", "--voicemail"),
    ("extension", "add", "1002", "--name", "Bob Example", "--email", "bob@example.com"),
    ("extension", "add", "1003", "--name", "Carol Example", "--webrtc"),
    ("trunk", "add", "carrier", "--host", "192.0.2.10", "--identify", "192.0.2.0/24"),
    ("queue", "add", "support", "--number", "2000", "--member", "1001", "--member", "1002"),
    ("conference", "add", "standup", "--number", "3000", "--pin", "4711"),
    ("speeddial", "add", "*21", "--number", "1003", "--name", "Carol"),
    ("route", "inbound", "add", "4930555000", "--to", "queue:support"),
    ("route", "outbound", "add", "national", "--pattern", "_0[1-9]X.", "--trunk", "carrier",
     "--strip", "1", "--prepend", "49"),
    ("contact", "add", "Acme Support", "--number", "+4930123456", "--company", "Acme",
     "--notes", "Mon-Fri, ask for Bob"),
    ("contact", "grant", "1002", "manage"),
)


def _ok(run_cli: CliCall, *args: str) -> str:
    result = run_cli(*args)
    assert result.exit_code == 0, (args, result.output)
    return result.output


@pytest.fixture
def installed(asterisk: Instance, config_path: Path, tmp_path: Path) -> App:
    """Voco on SQLite, pointed at the sandbox Asterisk so 'voco apply' writes and reloads it."""
    settings = dataclasses.replace(asterisk.settings(), sip_bind="127.0.0.1",
                                   sip_port=asterisk.info().sip_port, sandbox=True)
    return App(initialise(config_path, tmp_path / "data", None, asterisk=settings))


def _pbx_files(asterisk: Instance) -> dict[str, bytes]:
    return {name: (asterisk.etc_dir / name).read_bytes() for name in PBX_FILES}


def _wipe(app: App, run_cli: CliCall) -> None:
    """Drop the database and create an empty, migrated one in its place: the operation log is
    gone with it, and only an explicit restart begins a new one."""
    app.engine.dispose()
    for path in Path(str(app.engine.url.database)).parent.glob("voco.db*"):
        path.unlink()
    upgraded = run_cli("db", "upgrade")
    assert upgraded.exit_code == 1 and "no genesis record" in upgraded.output
    _ok(run_cli, "oplog", "restart", "--reason", "database lost, rebuilt from the config export")
    assert "no company contacts" in _ok(run_cli, "contact", "list")
    assert _ok(run_cli, "extension", "list", "--json").strip() in ("[]", "")


def _mask(files: dict[str, bytes]) -> dict[str, str]:
    """Files with what a secret-less import regenerates masked: SIP password digests, and the
    sentinel whose name is a hash of the rendered content (so it changes with the passwords)."""
    out = {}
    for name, data in files.items():
        text = re.sub(r"(?m)^(password(_digest)?\s*=\s*).*$", r"\1<secret>", data.decode())
        out[name] = re.sub(r"voco-sentinel-[0-9a-z]+", "voco-sentinel-<hash>", text)
    return out


def test_export_wipe_import_apply_reproduces_identical_files(
    installed: App, asterisk: Instance, run_cli: CliCall, tmp_path: Path
) -> None:
    for args in PROVISION:
        _ok(run_cli, *args)
    _ok(run_cli, "apply")
    before = _pbx_files(asterisk)
    assert b"Alice Example" in before["pjsip.conf"] and b"standup" in before["confbridge.conf"]

    identity = pyrage.x25519.Identity.generate()
    (tmp_path / "id.txt").write_text(str(identity) + "\n")
    secret_export, plain_export = tmp_path / "full.toml.age", tmp_path / "plain.toml"
    _ok(run_cli, "config", "export", "--include-secrets", "--age-recipient",
        str(identity.to_public()), "--output", str(secret_export))
    _ok(run_cli, "config", "export", "--output", str(plain_export))
    assert secret_export.read_bytes().startswith(b"-----BEGIN AGE ENCRYPTED FILE-----")
    plain = plain_export.read_text()
    assert 'sip_secret = "withheld"' in plain and 'pin = "withheld"' in plain
    assert "4711" not in plain and "[[extensions]]" in plain

    # Encrypted export with secrets: the files come back byte for byte.
    _wipe(installed, run_cli)
    imported = _ok(run_cli, "config", "import", str(secret_export), "--identity",
                   str(tmp_path / "id.txt"))
    assert "extensions: 3 to add" in imported and "contacts: 1 to add" in imported
    assert "no changes" in _ok(run_cli, "config", "import", str(secret_export), "--identity",
                               str(tmp_path / "id.txt"))
    applied = _ok(run_cli, "apply")
    assert "nothing to change" in applied  # rendered output equals what is on disk
    assert _pbx_files(asterisk) == before
    assert "Acme Support" in _ok(run_cli, "contact", "list")
    assert json.loads(_ok(run_cli, "contact", "grants", "--json")) == [
        {"extension": "1002", "privilege": "manage"}]

    # Export without secrets into an empty store: a PIN-protected room is never opened silently.
    _wipe(installed, run_cli)
    refused = run_cli("config", "import", str(plain_export))
    assert refused.exit_code == 2
    assert "conferences (standup): pin: withheld from this export" in refused.output
    assert _ok(run_cli, "extension", "list", "--json").strip() in ("[]", "")
    # The admin deletes the withheld PIN line, deciding the room opens without one: the files
    # are identical except the regenerated SIP passwords, the PIN, and the sentinel name (a hash
    # of the content).
    plain_export.write_text(plain.replace('pin = "withheld"\n', "", 1))
    imported = _ok(run_cli, "config", "import", str(plain_export))
    assert imported.count("new SIP secret") == 3
    assert "no changes" in _ok(run_cli, "config", "import", str(plain_export))
    _ok(run_cli, "apply")
    after = _pbx_files(asterisk)
    differing = {n for n in PBX_FILES if after[n] != before[n]}
    assert "pjsip.conf" in differing
    masked_before, masked_after = _mask(before), _mask(after)
    for name in PBX_FILES:
        if name != "confbridge.conf":
            assert masked_after[name] == masked_before[name], name
    assert "4711" in before["confbridge.conf"].decode()
    assert "4711" not in after["confbridge.conf"].decode()


def test_injection_in_import_is_refused_and_nothing_changes(
    installed: App, run_cli: CliCall, tmp_path: Path
) -> None:
    for args in PROVISION:
        _ok(run_cli, *args)
    exported = _ok(run_cli, "config", "export")
    attacks = {
        "extensions[1] (1001): name:": ('name = "Alice Example"',
                                         'name = "Alice\\nexten => _X.,1,System(id)"'),
        "contacts[1] (Acme Support): notes:": ('notes = "Mon-Fri, ask for Bob"',
                                               'notes = "x; [globals] $"'),
        "outbound_routes[1] (national): prepend:": ('prepend = "49"', 'prepend = "49)"'),
        "queues[1] (support): members:": ('"1002",', '"10;02",'),
    }
    for field, (good, evil) in attacks.items():
        assert good in exported, good
        bad_file = tmp_path / "evil.toml"
        bad_file.write_text(exported.replace(good, evil, 1))
        result = run_cli("config", "import", str(bad_file))
        assert result.exit_code == 2, (field, result.output)
        assert field in result.output, (field, result.output)
        assert _ok(run_cli, "config", "export") == exported

    broken_ref = tmp_path / "ref.toml"
    broken_ref.write_text(exported.replace('target = "support"', 'target = "nosuchqueue"'))
    result = run_cli("config", "import", str(broken_ref))
    # The route is named, its number scrubbed like every long number in a CLI error.
    assert result.exit_code == 2 and "inbound_routes ([number]): target:" in result.output
    assert _ok(run_cli, "config", "export") == exported
