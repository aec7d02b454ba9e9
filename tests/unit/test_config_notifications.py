"""The SMTP door and notification rules travel with `voco config export` / `import`: the relay
password only with --include-secrets (kept when withheld), rules validated on the way in."""

from __future__ import annotations

import json
from pathlib import Path

from asterisk_bridge.context import App
from asterisk_bridge.notifications import smtp_settings
from tests.conftest import CliCall
from tests.unit.cli_support import ok

RELAY_PASSWORD = "relay-secret-31f9"


def _setup(run_cli: CliCall, tmp_path: Path) -> None:
    secret = tmp_path / "relay-password"
    secret.write_text(RELAY_PASSWORD + "\n")
    ok(run_cli, "smtp", "set", "custom", "--host", "mail.example.net", "--user", "pbx",
       "--password-file", str(secret), "--sender", "pbx@example.net")
    ok(run_cli, "notify", "rule", "add", "voicemail", "--owner", "--attach-audio")
    ok(run_cli, "notify", "rule", "add", "auth_failures", "--email", "ops@example.com",
       "--quiet", "22:00-07:00")
    ok(run_cli, "notify", "rule", "add", "link_down", "--extension", "1001", "--by", "phone")


def test_round_trip_with_and_without_secrets(app: App, run_cli: CliCall,
                                             tmp_path: Path) -> None:
    _setup(run_cli, tmp_path)
    plain, full = tmp_path / "plain.toml", tmp_path / "full.toml"
    ok(run_cli, "config", "export", "--output", str(plain))
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("a long export passphrase\n")
    ok(run_cli, "config", "export", "--include-secrets", "--passphrase-file", str(passphrase),
       "--output", str(full))
    text = plain.read_text()
    assert RELAY_PASSWORD not in text and 'password = "withheld"' in text
    assert 'rule = "auth_failures email email:ops@example.com"' in text
    assert 'rule = "voicemail email owner"' in text and 'quiet = "22:00-07:00"' in text
    rules_before = json.loads(ok(run_cli, "notify", "rule", "list", "--json"))

    ok(run_cli, "smtp", "set", "off")
    for rule in rules_before:
        ok(run_cli, "notify", "rule", "remove", str(rule["id"]))
    ok(run_cli, "notify", "rule", "add", "disk_full", "--extension", "1002")
    plan = ok(run_cli, "config", "import", str(plain), "--dry-run")
    assert "notification_rules: 3 to add, 0 to change, 1 to remove" in plan
    ok(run_cli, "config", "import", str(full), "--passphrase-file", str(passphrase))
    after = json.loads(ok(run_cli, "notify", "rule", "list", "--json"))
    assert sorted((r["event"], r["channel"], r["recipient"], r["attach_audio"], r["quiet"])
                  for r in after) == sorted(
        (r["event"], r["channel"], r["recipient"], r["attach_audio"], r["quiet"])
        for r in rules_before)
    door = smtp_settings.door(app.engine, app.master_key)
    assert door is not None and door.password == RELAY_PASSWORD
    assert "no changes" in ok(run_cli, "config", "import", str(plain)).lower()
    door = smtp_settings.door(app.engine, app.master_key)  # withheld: the stored one is kept
    assert door is not None and door.password == RELAY_PASSWORD


def test_bad_records_change_nothing(app: App, run_cli: CliCall, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    for body in ('[[smtp]]\nmode = "custom"\nhost = "mail.example.net"\nsecurity = "plain"\n',
                 '[[notification_rules]]\nrule = "voicemail email email:not-an-address"\n',
                 '[[notification_rules]]\nrule = "nope email owner"\n',
                 '[[notification_rules]]\nrule = "voicemail email owner"\nquiet = "x"\n'):
        bad.write_text('[voco]\nformat = 1\nsecrets = false\n' + body)
        result = run_cli("config", "import", str(bad))
        assert result.exit_code == 2, (body, result.output)
    assert json.loads(ok(run_cli, "smtp", "show", "--json"))["mode"] == "off"
    assert json.loads(ok(run_cli, "notify", "rule", "list", "--json")) == []
