"""Personal contacts: the owner's secret reads them; neither the admin CLI nor a database dump."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text, update
from sqlalchemy.orm import Session

from asterisk_bridge.contacts import personal
from asterisk_bridge.context import App
from asterisk_bridge.errors import CryptoError
from asterisk_bridge.provisioning import extensions
from asterisk_bridge.services.init import initialise
from asterisk_bridge.store.models.contacts import PersonalContact
from tests.conftest import CliCall

NAME, NUMBER, EMAIL = "Zelda Quincy-Private", "+4917055501234", "zelda@private.example"
OTHER_NAME, OTHER_NUMBER = "Yannick Hidden", "+4917099988877"


@pytest.fixture
def installed(db_url: str, config_path: Path, tmp_path: Path) -> App:
    """A Voco installation on the parametrised store (SQLite or PostgreSQL)."""
    url = None if db_url.startswith("sqlite") else db_url
    app = App(initialise(config_path, tmp_path / "data", url))
    for number, name, secret in (("1001", "Owner One", "owner-secret-1001"),
                                 ("1002", "Owner Two", "other-secret")):
        extensions.add(app.engine, app.master_key, extensions.Extension(number, name), secret)
    return app


def _secret_file(tmp_path: Path, name: str, value: str) -> str:
    path = tmp_path / name
    path.write_text(value + "\n")
    return str(path)


def _provision(run_cli: CliCall, secret_file: str) -> None:
    for args in (
        ("contact", "add", "Acme Support", "--number", "+4930123456", "--company", "Acme"),
        ("contact", "grant", "1001", "view"),
        ("contact", "personal", "add", "--extension", "1001", NAME, "--number", NUMBER,
         "--email", EMAIL, "--notes", "met at the fair, call Tuesdays", "--secret-file",
         secret_file),
        ("contact", "personal", "add", "--extension", "1001", OTHER_NAME, "--number",
         OTHER_NUMBER, "--secret-file", secret_file),
    ):
        result = run_cli(*args)
        assert result.exit_code == 0, result.output


def _assert_hidden(blob: str) -> None:
    for needle in (NAME, "Zelda", NUMBER, "55501234", EMAIL, OTHER_NAME, OTHER_NUMBER, "Tuesdays"):
        assert needle not in blob


def test_admin_cli_and_raw_database_reveal_nothing(
    installed: App, run_cli: CliCall, tmp_path: Path
) -> None:
    _provision(run_cli, _secret_file(tmp_path, "s1001", "owner-secret-1001"))

    admin_outputs = []
    for args in (("contact", "list"), ("contact", "list", "--json"),
                 ("contact", "show", "Acme Support"), ("contact", "show", "1", "--json"),
                 ("contact", "grants"), ("contact", "grants", "--json"),
                 ("contact", "personal", "count", "1001"),
                 ("contact", "personal", "count", "1001", "--json"),
                 ("oplog", "list")):
        result = run_cli(*args)
        assert result.exit_code == 0, (args, result.output)
        admin_outputs.append(result.output)
    _assert_hidden("\n".join(admin_outputs))
    assert json.loads(admin_outputs[7]) == {"extension": "1001", "count": 2}

    # Every table, every column, as the database would dump it.
    engine = installed.engine
    dump = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                dump += [v.hex() + bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview)
                         else str(v) for v in row]
    joined = "\n".join(dump)
    assert "Acme Support" in joined  # the dump did read the store
    _assert_hidden(joined)
    if engine.url.get_backend_name() == "sqlite":
        engine.dispose()
        files = Path(str(engine.url.database)).parent.glob("voco.db*")
        raw = b"".join(p.read_bytes() for p in files)
        for needle in (NAME, NUMBER, EMAIL, OTHER_NUMBER):
            assert needle.encode() not in raw
            assert needle.encode("utf-16-le") not in raw


def test_owner_secret_reads_and_wrong_secret_is_refused(
    installed: App, run_cli: CliCall, tmp_path: Path
) -> None:
    good = _secret_file(tmp_path, "good", "owner-secret-1001")
    _provision(run_cli, good)

    listed = run_cli("contact", "personal", "list", "--extension", "1001", "--secret-file", good,
                     "--json")
    assert listed.exit_code == 0, listed.output
    entries = json.loads(listed.output)
    assert [(e["name"], e["numbers"], e["email"]) for e in entries] == [
        (OTHER_NAME, [OTHER_NUMBER], ""), (NAME, [NUMBER], EMAIL)]

    wrong = run_cli("contact", "personal", "list", "--extension", "1001", "--secret-file",
                    _secret_file(tmp_path, "bad", "guess"))
    assert wrong.exit_code != 0
    assert "wrong secret for extension 1001" in wrong.output
    _assert_hidden(wrong.output)

    prompted = run_cli("contact", "personal", "list", "--extension", "1001",
                       input="owner-secret-1001\n")
    assert prompted.exit_code == 0 and NAME in prompted.output
    assert "owner-secret-1001" not in prompted.output  # hidden input is not echoed

    # A wrong secret must not create a second keyring or add anything.
    added = run_cli("contact", "personal", "add", "--extension", "1001", "Intruder",
                    "--number", "123", "--secret-file", _secret_file(tmp_path, "x", "nope"))
    assert added.exit_code != 0 and "wrong secret" in added.output
    assert run_cli("contact", "personal", "count", "1001").output.strip() == "2"

    removed = run_cli("contact", "personal", "remove", "--extension", "1001", NAME,
                      "--secret-file", good)
    assert removed.exit_code == 0, removed.output
    assert run_cli("contact", "personal", "count", "1001").output.strip() == "1"
    _assert_hidden(run_cli("oplog", "list").output)


def test_swapped_or_moved_rows_are_detected(installed: App, run_cli: CliCall,
                                            tmp_path: Path) -> None:
    good = _secret_file(tmp_path, "good", "owner-secret-1001")
    _provision(run_cli, good)
    with Session(installed.engine) as s, s.begin():
        a, b = s.scalars(select(PersonalContact).order_by(PersonalContact.id)).all()
        a.sealed, b.sealed = b.sealed, a.sealed
    result = run_cli("contact", "personal", "list", "--extension", "1001", "--secret-file", good)
    assert result.exit_code != 0
    assert "failed authentication" in result.output and "swapped" in result.output

    with Session(installed.engine) as s, s.begin():  # swap back: readable again
        a, b = s.scalars(select(PersonalContact).order_by(PersonalContact.id)).all()
        a.sealed, b.sealed = b.sealed, a.sealed
    with Session(installed.engine) as s:
        assert len(personal.entries(s, "1001", "owner-secret-1001")) == 2

    # Another extension copying 1001's ciphertext under its own keyring cannot open it either.
    with Session(installed.engine) as s, s.begin():
        personal.add(s, installed.master_key, "1002", "other-secret",
                     personal.clean("Mine", ["555"]))
        stolen = s.scalars(select(PersonalContact).where(PersonalContact.extension == "1001")
                           ).first()
        assert stolen is not None
        s.execute(update(PersonalContact).where(PersonalContact.extension == "1002")
                  .values(sealed=stolen.sealed))
    with Session(installed.engine) as s, pytest.raises(CryptoError, match="failed authentication"):
        personal.entries(s, "1002", "other-secret")


def test_first_contact_needs_the_sip_secret_and_a_provisioned_extension(
    installed: App, run_cli: CliCall, tmp_path: Path
) -> None:
    guess = run_cli("contact", "personal", "add", "--extension", "1001", NAME, "--secret-file",
                    _secret_file(tmp_path, "guess", "admin-chosen-secret"))
    assert guess.exit_code != 0 and "needs the extension's SIP secret" in guess.output
    ghost = run_cli("contact", "personal", "add", "--extension", "1009", NAME, "--secret-file",
                    _secret_file(tmp_path, "s", "owner-secret-1001"))
    assert ghost.exit_code == 4 and "extension '1009' does not exist" in ghost.output
    assert run_cli("contact", "personal", "count", "1001").output.strip() == "0"


def test_rewrap_after_secret_reset_and_purge(installed: App, run_cli: CliCall,
                                             tmp_path: Path) -> None:
    old = _secret_file(tmp_path, "old", "owner-secret-1001")
    new = _secret_file(tmp_path, "new", "reset-by-admin-7f3a")
    _provision(run_cli, old)
    extensions.reset_secret(installed.engine, installed.master_key, "1001", "reset-by-admin-7f3a")

    stale = run_cli("contact", "personal", "list", "--extension", "1001", "--secret-file", new)
    assert stale.exit_code != 0 and "rewrap" in stale.output

    moved = run_cli("contact", "personal", "rewrap", "--extension", "1001",
                    "--old-secret-file", old, "--new-secret-file", new)
    assert moved.exit_code == 0, moved.output
    assert NAME in run_cli("contact", "personal", "list", "--extension", "1001",
                           "--secret-file", new).output
    assert run_cli("contact", "personal", "list", "--extension", "1001",
                   "--secret-file", old).exit_code != 0

    purged = run_cli("contact", "personal", "purge", "1001", "--yes")
    assert purged.exit_code == 0 and "purged 2" in purged.output
    assert run_cli("contact", "personal", "count", "1001").output.strip() == "0"
