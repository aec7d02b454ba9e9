"""Extension owners and company contacts are sealed under their own keys: nothing of them is in
the store's bytes or the operation log in clear, the CLI shows them, a person's find reaches
them by e-mail or number, and erasing the person leaves the extension working, the contact
unreadable and the log intact. Run on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from asterisk_bridge.context import App
from asterisk_bridge.services.init import initialise
from asterisk_bridge.store.models.contacts import CompanyContact
from asterisk_bridge.store.models.provisioning import ProvExtension
from tests.conftest import CliCall
from tests.unit.cli_support import ok
from tests.unit.subject_support import oplog_text

OWNER = ("Alice Agent", "alice.agent@corp.test", "+447700900123")
CONTACT = ("Carol Client", "+442079460111", "carol@client.test", "Client Ltd", "VIP since 2020")


@pytest.fixture
def app(db_url: str, config_path: Path, tmp_path: Path) -> App:
    return App(initialise(config_path, tmp_path / "data", db_url))


def _raw(app: App) -> bytes:
    """Every byte of the store's personal tables, as a dump would hold them."""
    with app.engine.connect() as conn:
        rows = [*conn.execute(select(ProvExtension)), *conn.execute(select(CompanyContact))]
    return repr(rows).encode()


def _clear(text: str | bytes) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    return [v for v in (*OWNER, *CONTACT, "7700900123", "2079460111")
            if v.encode() in data]


def _find(cli: CliCall, *who: str) -> dict[str, Any]:
    return dict(json.loads(ok(cli, "subject", "find", *who, "--json")))


def test_extension_owner_is_sealed_shown_found_and_erased(app: App, run_cli: CliCall) -> None:
    name, email, mobile = OWNER
    ok(run_cli, "extension", "add", "1001", "--name", name, "--email", email, "--mobile", mobile)
    ok(run_cli, "extension", "set", "1001", "--name", "Alice B. Agent")
    shown = json.loads(ok(run_cli, "extension", "show", "1001", "--json"))
    assert (shown["name"], shown["email"], shown["mobile"]) == ("Alice B. Agent", email, mobile)
    assert _clear(_raw(app)) == [] and b"Alice B" not in _raw(app)
    assert _clear(oplog_text(app)) == [] and "Alice B" not in oplog_text(app)

    by_email, by_mobile = _find(run_cli, "--email", email), _find(run_cli, mobile)
    assert by_email["subject"] == by_mobile["subject"] == _find(
        run_cli, "--extension", "1001")["subject"]
    assert by_email["categories"]["extensions"]["ids"] == ["1"]
    assert by_email["categories"]["oplog"]["count"] >= 2  # the add and the set, sealed

    ok(run_cli, "subject", "erase", "--email", email, "--reason", "left", "--yes")
    after = json.loads(ok(run_cli, "extension", "show", "1001", "--json"))
    assert (after["name"], after["email"], after["mobile"]) == ("1001", "", "")
    assert ok(run_cli, "oplog", "verify").startswith("operation log intact")
    assert _find(run_cli, "--email", email)["subject"] is None


def test_company_contact_is_sealed_shown_found_and_erased(app: App, run_cli: CliCall) -> None:
    name, number, email, company, notes = CONTACT
    ok(run_cli, "contact", "add", name, "--number", number, "--email", email, "--company",
       company, "--notes", notes)
    listed = json.loads(ok(run_cli, "contact", "list", "--json"))
    assert [(c["name"], c["numbers"], c["email"]) for c in listed] == [(name, [number], email)]
    shown = json.loads(ok(run_cli, "contact", "show", name, "--json"))
    assert (shown["company"], shown["notes"]) == (company, notes)
    ok(run_cli, "contact", "set", name, "--notes", "moved")
    assert _clear(_raw(app)) == [] and _clear(oplog_text(app)) == []

    found = _find(run_cli, "+44 20 7946 0111")
    assert found["categories"]["contacts"]["count"] == 1
    assert found["subject"] == _find(run_cli, "--email", email.upper())["subject"]
    ok(run_cli, "subject", "erase", "--email", email, "--reason", "asked", "--yes")
    assert [c["name"] for c in json.loads(ok(run_cli, "contact", "list", "--json"))] == [
        "(erased)"]
    assert ok(run_cli, "oplog", "verify").startswith("operation log intact")
    assert "Carol" not in oplog_text(app)


def test_a_failed_change_logs_no_personal_value(app: App, run_cli: CliCall) -> None:
    result = run_cli("extension", "add", "1;1", "--name", "Mallory Secret",
                     "--email", "mallory@corp.test")
    assert result.exit_code != 0
    assert "Mallory" not in oplog_text(app) and "mallory@" not in oplog_text(app)
