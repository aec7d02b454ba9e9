"""Company contacts: CRUD and grants on both stores, injection refused per field, oplog entries."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session

from asterisk_bridge.contacts import company
from asterisk_bridge.context import App
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.provisioning import extensions
from asterisk_bridge.store import migrate
from asterisk_bridge.store.models.contacts import CompanyContact
from tests.conftest import CliCall

FORBIDDEN = ["\n", "\r", ";", ",", "(", ")", "[", "]", "$", "{", "}", '"', "\\", "`", "'", "|",
             "&", "<", ">", "\t", "\x00", "\x1b"]
NOTES_ALLOWED = {",", "'", "(", ")", "&"}  # prose punctuation; notes never reach dialplan


def _extensions(engine: Engine, master_key: bytes, *numbers: str) -> None:
    for number in numbers:
        extensions.add(engine, master_key, extensions.Extension(number, f"Phone {number}"))


def test_crud_and_grants_on_both_stores(db_url: str) -> None:
    engine = create_engine(db_url)
    migrate.upgrade(engine)
    key = bytes(32)
    _extensions(engine, key, "1001", "1002")
    with Session(engine) as s, s.begin():
        row = company.add(s, key, company.clean("Acme Support", [" +4930123 ", "0800"],
                                                "help@acme.example", "Acme", "Mon-Fri"))
        assert company.fields_of(s, key, row).numbers == ("+4930123", "0800")
        assert row.name is not None and b"Acme" not in row.name  # sealed under its subject
        with pytest.raises(ValidationError, match="already exists"):
            company.add(s, key, company.clean("Acme Support"))
        company.grant(s, "1001", "view")
        with pytest.raises(ValidationError, match="extension '1003' does not exist"):
            company.grant(s, "1003", "view")
        company.grant(s, "1002", "manage")
        company.grant(s, "1001", "manage")  # replaces
    with Session(engine) as s, s.begin():
        row = company.find(s, key, "Acme Support")
        company.update(s, key, row, company.clean("Acme Helpdesk", ["0800"]))
        assert company.fields_of(s, key, company.find(s, key, str(row.id))).name == \
            "Acme Helpdesk"
        assert company.grants(s) == {"1001": "manage", "1002": "manage"}
        company.revoke(s, "1002")
        company.authorize(s, "1001", "view")
        with pytest.raises(company.AccessDeniedError, match="1002 may not view"):
            company.authorize(s, "1002", "view")
        company.remove(s, row)
    with Session(engine) as s:
        assert company.listing(s, key) == []
        with pytest.raises(company.NotFoundError):
            company.find(s, key, "Acme Helpdesk")
    engine.dispose()


def test_view_grant_does_not_allow_manage(app: App) -> None:
    _extensions(app.engine, app.master_key, "1001")
    with Session(app.engine) as s, s.begin():
        company.grant(s, "1001", "view")
        with pytest.raises(company.AccessDeniedError, match="grant 1001 manage"):
            company.authorize(s, "1001", "manage")


@pytest.mark.parametrize("field", ["name", "numbers", "email", "company", "notes"])
def test_injection_refused_per_field_nothing_stored(app: App, run_cli: CliCall,
                                                    field: str) -> None:
    base = {"name": "Safe Name", "numbers": "+4930123", "email": "a@b.example",
            "company": "Acme", "notes": "fine"}
    for char in FORBIDDEN:
        if field == "notes" and char in NOTES_ALLOWED:
            continue
        values = dict(base, **{field: f"x{char}y"})
        result = run_cli("contact", "add", values["name"], "--number", values["numbers"],
                         "--email", values["email"], "--company", values["company"],
                         "--notes", values["notes"])
        assert result.exit_code == 2, (field, char, result.output)
        assert f"Error: {field}:" in result.output, (field, char, result.output)
    with Session(app.engine) as s:
        assert s.scalar(select(func.count()).select_from(CompanyContact)) == 0


def test_cli_crud_json_and_oplog(app: App, run_cli: CliCall) -> None:
    added = run_cli("contact", "add", "Acme Support", "--number", "+4930123", "--notes",
                    "Call before 5pm, ask for Bob (not Alice) & co", "--json")
    assert added.exit_code == 0, added.output
    contact = json.loads(added.output)
    assert contact["notes"] == "Call before 5pm, ask for Bob (not Alice) & co"
    assert run_cli("contact", "set", "Acme Support", "--email", "help@acme.example",
                   "--number", "+4930999").exit_code == 0
    shown = json.loads(run_cli("contact", "show", str(contact["id"]), "--json").output)
    assert shown["email"] == "help@acme.example" and shown["numbers"] == ["+4930999"]
    assert shown["notes"] == contact["notes"]  # untouched fields stay
    cleared = run_cli("contact", "set", "Acme Support", "--clear-numbers", "--email", "")
    assert cleared.exit_code == 0, cleared.output
    listed = json.loads(run_cli("contact", "list", "--json").output)
    assert [(c["name"], c["numbers"], c["email"]) for c in listed] == [("Acme Support", [], "")]

    _extensions(app.engine, app.master_key, "1001")
    assert run_cli("contact", "grant", "1001", "manage").exit_code == 0
    bad = run_cli("contact", "grant", "10;01", "view")
    assert bad.exit_code == 2 and "extension:" in bad.output
    assert json.loads(run_cli("contact", "grants", "--json").output) == [
        {"extension": "1001", "privilege": "manage"}]
    assert run_cli("contact", "revoke", "1001").exit_code == 0
    assert run_cli("contact", "revoke", "1001").exit_code == 4
    assert run_cli("contact", "remove", "Acme Support").exit_code == 0
    for ref in ("Acme Support", "42"):
        missing = run_cli("contact", "show", ref)
        assert missing.exit_code == 4 and "no such company contact" in missing.output
        assert "Acme" not in missing.output  # a name is personal: never quoted in an error

    log = run_cli("oplog", "list").output
    assert "Acme" not in log and "4930999" not in log  # sealed under the contact's key
    for command in ("contact add", "contact set", "contact grant", "contact revoke",
                    "contact remove"):
        assert command in log
    assert run_cli("oplog", "verify").exit_code == 0

