"""The register of grants: one model for every door (who, what, from where, until when),
listed, shown, revoked and expired from the CLI, each change in the operation log."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from asterisk_bridge.context import App
from asterisk_bridge.errors import ExitCode, ValidationError
from asterisk_bridge.grants import register as grants
from asterisk_bridge.store.models.grants import Grant
from tests.conftest import CliCall
from tests.unit.cli_support import ok
from tests.unit.subject_support import last_entry


def _open(app: App, name: str = "crm", until: str | None = None, secret: str | None = None
          ) -> int:
    new = grants.NewGrant.build("api", name, "Acme CRM Ltd", ["cdr:read"],
                                ["192.0.2.10", "198.51.100.0/24"], until)
    with app.engine.begin() as conn:
        return grants.create(conn, new, "tester", secret=(app.master_key, secret)
                             if secret else None)


def test_a_grant_says_who_what_from_where_until_when(app: App, run_cli: CliCall) -> None:
    until = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    gid = _open(app, until=until)
    [listed] = json.loads(ok(run_cli, "grants", "list", "--json"))
    assert listed["id"] == gid and listed["door"] == "api" and listed["party"] == "Acme CRM Ltd"
    assert listed["scopes"] == ["cdr:read"]
    assert listed["permit"] == ["192.0.2.10/32", "198.51.100.0/24"]
    assert listed["until"] == f"{until}T23:59:59+00:00" and listed["state"] == "open"
    table = ok(run_cli, "grants", "list")
    assert "Acme CRM Ltd" in table and "192.0.2.10/32" in table
    shown = json.loads(ok(run_cli, "grants", "show", str(gid), "--json"))
    assert shown["created_by"] == "tester" and "sealed_secret" not in shown


def test_revoking_closes_at_once_and_is_logged(app: App, run_cli: CliCall) -> None:
    gid = _open(app)
    out = ok(run_cli, "grants", "revoke", str(gid), "--reason", "contract ended")
    assert f"revoked api grant {gid}" in out
    assert last_entry(app)[:2] == ("grants revoke", "ok")
    assert "no grants: every door is closed" in ok(run_cli, "grants", "list")
    [closed] = json.loads(ok(run_cli, "grants", "list", "--all", "--json"))
    assert closed["state"] == "revoked" and closed["close_reason"] == "contract ended"
    again = run_cli("grants", "revoke", str(gid), "--reason", "twice")
    assert again.exit_code == ExitCode.BAD_INPUT and "already closed" in again.output
    assert last_entry(app)[:2] == ("grants revoke", "error")
    missing = run_cli("grants", "revoke", "999", "--reason", "x")
    assert missing.exit_code == ExitCode.NOT_FOUND
    # The name is free again once the grant is closed.
    _open(app)


def test_a_lapsed_grant_admits_nobody_and_expire_records_it(app: App, run_cli: CliCall) -> None:
    gid = _open(app, until="2099-01-01")
    with app.engine.begin() as conn:
        conn.execute(update(Grant).where(Grant.id == gid).values(
            until=(datetime.now(UTC) - timedelta(seconds=1)).isoformat(timespec="seconds")))
        assert grants.listing(conn, open_only=True) == []
        assert grants.listing(conn)[0].state == "expired"
    out = ok(run_cli, "grants", "expire")
    assert f"expired api grant {gid}" in out
    assert last_entry(app)[:2] == ("grants expire", "ok")
    assert "no grant has lapsed" in ok(run_cli, "grants", "expire")


def test_secrets_are_sealed_and_opened_only_with_the_master_key(app: App) -> None:
    gid = _open(app, secret="s3cret-value-for-asterisk")
    with app.engine.connect() as conn:
        row = grants.get(conn, gid)
    assert b"s3cret" not in row.sealed_secret
    assert grants.secret_of(app.master_key, row) == "s3cret-value-for-asterisk"


@pytest.mark.parametrize(("field", "args"), [
    ("until", {"until": "2001-01-01"}),
    ("until", {"until": "tomorrow"}),
    ("permit", {"permit": ["10.0.0.0/33"]}),
    ("permit", {"permit": []}),
    ("permit", {"permit": ["192.0.2.1\n[evil]"]}),
    ("name", {"name": "bad name;"}),
    ("party", {"party": "Acme\nLtd"}),
    ("party", {"party": "  "}),
    ("door", {"door": "ssh"}),
])
def test_bad_grants_are_refused_naming_the_field(field: str, args: dict[str, object]) -> None:
    base: dict[str, object] = {"door": "api", "name": "crm", "party": "Acme",
                               "scopes": ["cdr:read"], "permit": ["192.0.2.10"], "until": None}
    with pytest.raises(ValidationError, match=f"^{field}:"):
        grants.NewGrant.build(**{**base, **args})  # type: ignore[arg-type]


def _lapse(app: App, grant_id: int) -> None:
    with app.engine.begin() as conn:
        conn.execute(update(Grant).where(Grant.id == grant_id).values(
            until=(datetime.now(UTC) - timedelta(seconds=1)).isoformat(timespec="seconds")))


def test_the_bridge_expires_a_lapsed_grant_the_api_refused_already(app: App,
                                                                   run_cli: CliCall) -> None:
    from starlette.testclient import TestClient

    from asterisk_bridge.api.app import create_api
    from asterisk_bridge.grants.capability import ACTOR, GrantExpiry
    from tests.unit.api_support import bearer

    shown = json.loads(ok(run_cli, "api", "token", "add", "crm", "--party", "Acme CRM",
                          "--scope", "cdr:read", "--permit", "192.0.2.10",
                          "--until", "2099-01-01", "--json"))
    client = TestClient(create_api(app), client=("192.0.2.10", 40000))
    assert client.get("/v1/cdr", headers=bearer(shown["token"])).status_code == 200
    _lapse(app, shown["id"])
    refused = client.get("/v1/cdr", headers=bearer(shown["token"]))  # before any sweep
    assert refused.status_code == 401 and "items" not in refused.text
    with app.engine.connect() as conn:
        assert grants.get(conn, shown["id"]).closed_at is None
    expiry = GrantExpiry(app)
    expiry.round()
    with app.engine.connect() as conn:
        closed = grants.view(grants.get(conn, shown["id"]))
    assert (closed.state, closed.closed_by, closed.close_reason) == ("expired", ACTOR, "expired")
    command, result, args, message = last_entry(app)
    assert (command, result, args["grant"], args["door"], args["name"]) == (
        "grants expire", "ok", shown["id"], "api", "crm")
    assert message == "refused from the next request on"
    expiry.round()  # nothing more lapsed: nothing more recorded
    assert last_entry(app)[2]["grant"] == shown["id"]
    assert "no grant has lapsed" in ok(run_cli, "grants", "expire")
