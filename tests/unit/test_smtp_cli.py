"""``voco smtp``: off after init, a custom relay with a sealed password, a test message through
a real relay (aiosmtpd, STARTTLS, AUTH, pinned CA), and nothing personal or secret kept."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from asterisk_bridge.context import App
from asterisk_bridge.store.models import OplogEntry
from asterisk_bridge.store.models.notifications import SmtpSettings
from tests.conftest import CliCall
from tests.smtp_server import PASSWORD, USER, RelayThread
from tests.unit.cli_support import ok

ADDRESS = "alice.notify@example.com"


def _files(root: Path) -> dict[str, int]:
    return {str(p): p.stat().st_size for p in root.rglob("*") if p.is_file()
            and p.suffix not in {".db-wal", ".db-shm"} and not p.name.endswith("-journal")}


def _ok_input(run_cli: CliCall, password: str, relay: RelayThread) -> str:
    result = run_cli("smtp", "set", "custom", "--host", "127.0.0.1", "--port",
                     str(relay.port), "--user", USER, "--password-stdin", "--ca-file",
                     str(relay.ca), "--sender", "pbx@example.com", input=password + "\n")
    assert result.exit_code == 0, result.output
    return result.output


def test_off_after_init(app: App, run_cli: CliCall) -> None:
    assert json.loads(ok(run_cli, "smtp", "show", "--json"))["mode"] == "off"
    result = run_cli("smtp", "test", "--to", ADDRESS)
    assert result.exit_code == 1 and "smtp is off" in result.output


def test_custom_relay_delivers_and_keeps_nothing(app: App, run_cli: CliCall,
                                                 tmp_path: Path) -> None:
    with RelayThread(tmp_path / "relay") as relay:
        out = _ok_input(run_cli, PASSWORD, relay)
        assert "starttls" in out and PASSWORD not in out
        before = _files(tmp_path / "data")
        ok(run_cli, "smtp", "test", "--to", ADDRESS)
        assert [m["To"] for m in relay.relay.messages] == [ADDRESS]
        assert relay.relay.tls_sessions == 1
    shown = json.loads(ok(run_cli, "smtp", "show", "--json"))
    assert shown["has_password"] and shown["security"] == "starttls" and "password" not in shown
    with app.engine.connect() as conn:
        sealed = conn.execute(select(SmtpSettings.password)).scalar_one()
        log = " ".join(e.command + str(e.args) + e.message
                       for e in conn.execute(select(OplogEntry)))
    assert PASSWORD.encode() not in sealed
    assert PASSWORD not in log and ADDRESS not in log and "smtp test" in log
    after = _files(tmp_path / "data")
    assert set(after) == set(before)  # no outbox, no spool file


def test_wrong_credentials_fail_visibly(app: App, run_cli: CliCall, tmp_path: Path) -> None:
    with RelayThread(tmp_path / "relay") as relay:
        _ok_input(run_cli, "not-the-password", relay)
        result = run_cli("smtp", "test", "--to", ADDRESS)
        assert relay.relay.messages == [] and relay.relay.auth_failures >= 1
    assert result.exit_code == 1 and "refused the credentials" in result.output
    assert "not-the-password" not in result.output


def test_bad_settings_change_nothing(app: App, run_cli: CliCall) -> None:
    for args in (("--host", "mail.example.com", "--security", "plain", "--allow-plain"),
                 ("--host", "127.0.0.1", "--security", "plain"),
                 ("--host", "bad;host"),
                 ("--host", "mail.example.com", "--user", "u")):
        result = run_cli("smtp", "set", "custom", *args)
        assert result.exit_code == 2, (args, result.output)
    assert json.loads(ok(run_cli, "smtp", "show", "--json"))["mode"] == "off"
    ok(run_cli, "smtp", "set", "default")
    shown = json.loads(ok(run_cli, "smtp", "show", "--json"))
    assert (shown["host"], shown["port"], shown["security"]) == ("127.0.0.1", 25, "plain")
