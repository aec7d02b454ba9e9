"""The operation log detects every forgery of its tables, and 'voco oplog verify' names it.

Each tampering is done the way an intruder with database access but without the master key
would: raw SQL, or Alembic run directly (bypassing the CLI's refusal), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from asterisk_bridge import oplog
from asterisk_bridge.context import App
from asterisk_bridge.errors import OplogError
from asterisk_bridge.oplog import seal
from asterisk_bridge.store import migrate
from asterisk_bridge.store.engine import make_engine
from tests.conftest import CliCall

Tamper = Callable[[App], None]


def _sql(app: App, *statements: str) -> None:
    with app.engine.begin() as conn:
        for stmt in statements:
            conn.execute(text(stmt))


def _head(app: App) -> tuple[int, int, str, str]:
    with app.engine.connect() as conn:
        row = conn.execute(text("SELECT count, seq, hash, mac FROM oplog_head")).one()
    return row[0], row[1], row[2], row[3]


def _head_from_entry(seq: int) -> str:
    """The old attack: copy an entry's seq, hash and MAC into the head."""
    return (f"UPDATE oplog_head SET count = {seq}, seq = {seq}, "
            f"hash = (SELECT hash FROM oplog WHERE seq = {seq}), "
            f"mac = (SELECT mac FROM oplog WHERE seq = {seq})")


def _older_head(app: App) -> None:
    """Put back the genuine head from when the log held three entries (a rolled-back head)."""
    count, seq, digest, mac = app.saved_head  # type: ignore[attr-defined]
    _sql(app, f"UPDATE oplog_head SET count = {count}, seq = {seq}, hash = '{digest}', "
              f"mac = '{mac}'")


def _downgrade_and_upgrade(app: App) -> None:
    migrate.downgrade(app.engine, "base")
    migrate.upgrade(app.engine)


def _begin_elsewhere(app: App, tmp: Path) -> None:
    """Someone holding the key wipes the log and begins a new one that looks clean in the DB."""
    _sql(app, "DELETE FROM oplog", "DELETE FROM oplog_head", "DELETE FROM oplog_genesis")
    oplog.begin(app.engine, app.master_key, tmp / "elsewhere.json", "init", {})


TAMPERINGS: dict[str, tuple[Tamper, list[str]]] = {
    "edit": (lambda a: _sql(a, "UPDATE oplog SET args = '{}' WHERE seq = 3"),
             ["entry 3", "content was edited"]),
    "edit-result": (lambda a: _sql(a, "UPDATE oplog SET result = 'error' WHERE seq = 2"),
                    ["entry 2", "content was edited"]),
    "delete-middle": (lambda a: _sql(a, "DELETE FROM oplog WHERE seq = 2"),
                      ["entry 2 is missing: deleted"]),
    "delete-tail": (lambda a: _sql(a, "DELETE FROM oplog WHERE seq >= 4"),
                    ["entry 4", "head says 5 entries but 3 remain", "(entries 4-5) were deleted"]),
    "delete-tail-forged-head": (
        lambda a: _sql(a, "DELETE FROM oplog WHERE seq >= 4", _head_from_entry(3)),
        ["head record was forged or replaced", "may have been deleted"]),
    "insert": (lambda a: _sql(
        a, "INSERT INTO oplog (seq, ts, actor, command, args, result, message, prev_hash, "
           "hash, mac) SELECT 6, ts, actor, 'recording delete', args, result, message, hash, "
           "hash, mac FROM oplog WHERE seq = 5"), ["entry 6", "inserted"]),
    "reorder": (lambda a: _sql(
        a, "UPDATE oplog SET seq = -1 WHERE seq = 2",
        "UPDATE oplog SET seq = 2 WHERE seq = 3",
        "UPDATE oplog SET seq = 3 WHERE seq = -1"), ["entry 2", "reordered"]),
    "replaced-head": (lambda a: _sql(a, _head_from_entry(2)),
                      ["head record was forged or replaced"]),
    "older-head-restored": (_older_head, ["entry 4", "head was replaced by an older copy"]),
    "deleted-head": (lambda a: _sql(a, "DELETE FROM oplog_head"),
                     ["head record was deleted"]),
    "full-truncation": (lambda a: _sql(a, "DELETE FROM oplog", "DELETE FROM oplog_head"),
                        ["truncated: every entry and the head record were deleted"]),
    "every-entry-deleted": (lambda a: _sql(a, "DELETE FROM oplog"),
                            ["head says 5 entries but 0 remain"]),
    "wiped-with-genesis": (lambda a: _sql(a, "DELETE FROM oplog", "DELETE FROM oplog_head",
                                          "DELETE FROM oplog_genesis"),
                           ["wiped: its genesis record is gone", "this installation's log began"]),
    "downgrade-and-upgrade": (_downgrade_and_upgrade,
                              ["wiped: its genesis record is gone", "dropped and recreated"]),
    "dropped-tables": (lambda a: _sql(a, "DROP TABLE oplog", "DROP TABLE oplog_head"),
                       ["tables are missing (oplog, oplog_head)", "dropped"]),
    "restarted-elsewhere": (lambda a: _begin_elsewhere(a, a.config.data_dir),
                            ["was restarted", "this installation's log began"]),
    "edited-genesis": (lambda a: _sql(a, "UPDATE oplog_genesis SET created_at = '2020-01-01'"),
                       ["genesis record was edited"]),
    "anchor-deleted": (lambda a: a.config.oplog_anchor.unlink(), ["anchor", "is missing"]),
}


@pytest.fixture
def logged(run_cli: CliCall, db_url: str) -> App:
    """An installation on either store whose log holds five entries."""
    assert run_cli("init", "--db", db_url).exit_code == 0
    app = App.open(run_cli.config_path)
    for i in range(2, 4):
        app.record("extension add", {"number": f"100{i}", "secret": "hunter2"}, "ok")
    app.saved_head = _head(app)  # type: ignore[attr-defined]
    for i in range(4, 6):
        app.record("extension add", {"number": f"100{i}", "secret": "hunter2"}, "ok")
    return app


def test_untouched_log_verifies_and_secrets_are_redacted(logged: App, run_cli: CliCall) -> None:
    result = run_cli("oplog", "verify")
    assert result.exit_code == 0 and result.output.startswith("operation log intact: 5 entries")
    args = [e.args for e in oplog.entries(logged.engine, oplog.Filters(command="extension"))]
    assert len(args) == 4 and all("hunter2" not in a and '"secret": "***"' in a for a in args)


@pytest.mark.parametrize("kind", list(TAMPERINGS))
def test_verify_detects_and_names_every_tampering(logged: App, run_cli: CliCall,
                                                  kind: str) -> None:
    tamper, named = TAMPERINGS[kind]
    tamper(logged)
    logged.engine.dispose()
    result = run_cli("oplog", "verify")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    for words in named:
        assert words in result.output


def test_wiped_log_does_not_silently_begin_again(logged: App, run_cli: CliCall) -> None:
    """After the tables are recreated, a command's entry is refused rather than starting a
    fresh chain that would verify."""
    _downgrade_and_upgrade(logged)
    result = run_cli("db", "upgrade")
    assert result.exit_code == 1
    assert "no genesis record" in result.output and "voco oplog restart" in result.output
    assert "wiped" in run_cli("oplog", "verify").output


def test_downgrade_that_drops_the_log_is_refused_unless_discarded(logged: App,
                                                                  run_cli: CliCall) -> None:
    refused = run_cli("db", "downgrade", "base")
    assert refused.exit_code == 2 and "drops the operation log" in refused.output
    assert migrate.current(logged.engine) == migrate.heads()
    assert run_cli("oplog", "verify").exit_code == 0
    done = run_cli("db", "downgrade", "base", "--discard-operation-log")
    assert done.exit_code == 0 and done.output.strip() == "database at base"
    assert run_cli("db", "upgrade").exit_code == 1  # nothing can be logged any more
    assert "wiped" in run_cli("oplog", "verify").output
    restart = run_cli("oplog", "restart", "--reason", "schema rebuilt for the test")
    assert restart.exit_code == 0, restart.output
    verify = run_cli("oplog", "verify")
    assert verify.exit_code == 0, verify.output
    assert verify.output.startswith("operation log intact: 1 entries")
    assert "restarted: the previous log" in verify.output
    assert "schema rebuilt for the test" in verify.output
    again = run_cli("oplog", "restart", "--reason", "again")
    assert again.exit_code == 1 and "still exists" in again.output


def test_rebuilt_chain_without_the_key_is_detected(logged: App) -> None:
    """Recomputing the public hashes after an edit does not help without the master key."""
    with logged.engine.connect() as conn:
        rows = conn.execute(text("SELECT seq, ts, actor, command, args, result, message "
                                 "FROM oplog ORDER BY seq")).all()
        prev = conn.execute(text("SELECT hash FROM oplog_genesis")).scalar_one()
    statements = []
    for seq, ts, actor, command, args, result, message in rows:
        if seq == 2:
            command = "nothing happened"
        digest = seal.entry_hash(seq, ts, actor, command, args, result, message, prev)
        statements.append(f"UPDATE oplog SET command = '{command}', prev_hash = '{prev}', "
                          f"hash = '{digest}' WHERE seq = {seq}")
        prev = digest
    _sql(logged, *statements)
    with pytest.raises(OplogError, match="entry 2: its seal does not match"):
        oplog.verify(logged.engine, logged.master_key)
    _sql(logged, f"UPDATE oplog_head SET hash = '{prev}'")  # the head cannot follow either
    with pytest.raises(OplogError, match="head record was forged"):
        oplog.verify(logged.engine, logged.master_key)


def test_wrong_master_key_is_reported(logged: App) -> None:
    with pytest.raises(OplogError, match=r"genesis record was forged .*wrong master key"):
        oplog.verify(logged.engine, secrets.token_bytes(32))


def test_reseal_moves_every_seal_to_the_new_key(logged: App) -> None:
    new = secrets.token_bytes(32)
    with Session(logged.engine) as session, session.begin():
        assert oplog.reseal(session, logged.master_key, new) == 5
    assert oplog.verify(logged.engine, new, logged.config.oplog_anchor).entries == 5
    with pytest.raises(OplogError):
        oplog.verify(logged.engine, logged.master_key)


def test_append_without_tables_is_one_clear_error(tmp_path: Path) -> None:
    engine: Engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(OplogError, match="tables are missing"):
        oplog.append(engine, secrets.token_bytes(32), "x", {}, "ok")


def test_filters(logged: App) -> None:
    logged.record("db upgrade", {}, "error", "boom", actor="alice")
    only = list(oplog.entries(logged.engine, oplog.Filters(result="error")))
    assert [(e.command, e.actor, e.message) for e in only] == [("db upgrade", "alice", "boom")]
    assert len(list(oplog.entries(logged.engine, oplog.Filters(command="extension")))) == 4
    assert len(list(oplog.entries(logged.engine, oplog.Filters(limit=2)))) == 2


def test_init_on_a_database_that_holds_a_log_is_refused(logged: App, db_url: str,
                                                        tmp_path: Path) -> None:
    other = CliCall(tmp_path / "node2" / "voco.toml")
    result = other("init", "--db", db_url)
    assert result.exit_code == 1 and "already holds an operation log" in result.output
    assert "copy the config file, the master key and oplog-genesis.json" in result.output
    assert not (tmp_path / "node2" / "data").exists()
    assert oplog.verify(logged.engine, logged.master_key, logged.config.oplog_anchor).entries == 5
