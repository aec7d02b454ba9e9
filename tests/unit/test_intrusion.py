"""Intrusion response's pieces: the allowlist, blocks placed once and expiring, the ACL file
Asterisk is given, and the CLI (off by default; bad input changes nothing)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from asterisk_bridge.context import App
from asterisk_bridge.intrusion import blocks, enforce, settings
from tests.conftest import CliCall
from tests.unit.cli_support import ok

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_allowlist_covers_networks() -> None:
    s = settings.Intrusion(True, 60, settings.check_allow(["10.0.0.0/8", "192.0.2.7"]))
    assert s.allow == ("10.0.0.0/8", "192.0.2.7/32")
    assert s.allowed("10.1.2.3") and s.allowed("192.0.2.7") and not s.allowed("192.0.2.8")


def test_a_block_is_placed_once_and_expires(app: App) -> None:
    with app.engine.begin() as conn:
        first = blocks.place(conn, "203.0.113.7", "PJSIP", 5, 60, T0)
        assert first is not None
        assert blocks.place(conn, "203.0.113.7", "PJSIP", 6, 60, T0 + timedelta(seconds=5)) \
            is None
        assert blocks.active(conn, T0 + timedelta(seconds=30)) == ["203.0.113.7"]
        assert blocks.expire(conn, T0 + timedelta(seconds=30)) == []
        assert blocks.expire(conn, T0 + timedelta(seconds=61)) == ["203.0.113.7"]
        assert blocks.active(conn, T0 + timedelta(seconds=61)) == []


def test_the_acl_names_only_addresses() -> None:
    assert "[voco-intrusion]" not in enforce.render([])
    text = enforce.render(["203.0.113.7", "2001:db8::1"])
    assert "type = acl\ndeny = 203.0.113.7/32\ndeny = 2001:db8::1/128\n" in text


def test_cli_off_by_default_and_bad_input_changes_nothing(app: App, run_cli: CliCall) -> None:
    assert json.loads(ok(run_cli, "intrusion", "show", "--json"))["enabled"] is False
    for args in (("on", "--allow", "10.0.0.0/8;evil"), ("on", "--block-minutes", "0"),
                 ("sideways",)):
        result = run_cli("intrusion", "set", *args)
        assert result.exit_code == 2, (args, result.output)
    assert json.loads(ok(run_cli, "intrusion", "show", "--json"))["enabled"] is False
    out = ok(run_cli, "intrusion", "set", "on", "--block-minutes", "5", "--allow", "10.0.0.0/8")
    assert "on" in out and "10.0.0.0/8" in out
    result = run_cli("intrusion", "unblock", "203.0.113.9")
    assert result.exit_code == 4 and "not blocked" in result.output
    result = run_cli("intrusion", "unblock", "not-an-address")
    assert result.exit_code == 2
