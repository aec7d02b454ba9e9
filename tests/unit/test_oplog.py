"""The operation log detects an edited, deleted, inserted or reordered entry, naming it.

Each tampering is done with raw SQL, the way an intruder with database access would, on both
SQLite and PostgreSQL.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text

from asterisk_bridge import oplog
from asterisk_bridge.errors import OplogError
from asterisk_bridge.oplog import seal
from asterisk_bridge.store import migrate
from asterisk_bridge.store.engine import make_engine

KEY = secrets.token_bytes(32)


@pytest.fixture
def engine(db_url: str) -> Engine:
    eng = make_engine(db_url)
    migrate.upgrade(eng)
    for i in range(1, 6):
        oplog.append(eng, KEY, "extension add", {"number": f"100{i}", "secret": "hunter2"}, "ok")
    return eng


def _sql(engine: Engine, *statements: str) -> None:
    with engine.begin() as conn:
        for stmt in statements:
            conn.execute(text(stmt))


def test_untouched_log_verifies_and_secrets_are_redacted(engine: Engine) -> None:
    assert oplog.verify(engine, KEY).entries == 5
    args = [e.args for e in oplog.entries(engine, oplog.Filters())]
    assert all("hunter2" not in a and '"secret": "***"' in a for a in args)


TAMPERINGS: dict[str, tuple[Callable[[Engine], None], str]] = {
    "edit": (lambda e: _sql(e, "UPDATE oplog SET args = '{}' WHERE seq = 3"),
             "entry 3: its content was edited"),
    "edit-result": (lambda e: _sql(e, "UPDATE oplog SET result = 'error' WHERE seq = 2"),
                    "entry 2: its content was edited"),
    "delete": (lambda e: _sql(e, "DELETE FROM oplog WHERE seq = 2"), "entry 3"),
    "delete-tail": (lambda e: _sql(e, "DELETE FROM oplog WHERE seq = 5"), "entry 5"),
    "insert": (lambda e: _sql(
        e, "INSERT INTO oplog (seq, ts, actor, command, args, result, message, prev_hash, "
           "hash, mac) SELECT 6, ts, actor, 'recording delete', args, result, message, hash, "
           "hash, mac FROM oplog WHERE seq = 5"), "entry 6"),
    "reorder": (lambda e: _sql(
        e, "UPDATE oplog SET seq = -1 WHERE seq = 2",
        "UPDATE oplog SET seq = 2 WHERE seq = 3",
        "UPDATE oplog SET seq = 3 WHERE seq = -1"), "entry 2"),
}


@pytest.mark.parametrize("kind", sorted(TAMPERINGS))
def test_tampering_is_detected_and_named(engine: Engine, kind: str) -> None:
    tamper, named = TAMPERINGS[kind]
    tamper(engine)
    with pytest.raises(OplogError) as err:
        oplog.verify(engine, KEY)
    assert named in str(err.value)


def test_rebuilt_chain_without_the_key_is_detected(engine: Engine) -> None:
    """Recomputing the public hashes after an edit does not help without the master key."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT seq, ts, actor, command, args, result, message "
                                 "FROM oplog ORDER BY seq")).all()
    prev = oplog.GENESIS
    statements = []
    for seq, ts, actor, command, args, result, message in rows:
        if seq == 2:
            command = "nothing happened"
        digest = seal.entry_hash(seq, ts, actor, command, args, result, message, prev)
        statements.append(f"UPDATE oplog SET command = '{command}', prev_hash = '{prev}', "
                          f"hash = '{digest}' WHERE seq = {seq}")
        prev = digest
    statements.append(f"UPDATE oplog_head SET hash = '{prev}'")
    _sql(engine, *statements)
    with pytest.raises(OplogError, match="entry 2: its seal does not match"):
        oplog.verify(engine, KEY)


def test_filters(engine: Engine) -> None:
    oplog.append(engine, KEY, "db upgrade", {}, "error", "boom", actor="alice")
    only = list(oplog.entries(engine, oplog.Filters(result="error")))
    assert [(e.command, e.actor, e.message) for e in only] == [("db upgrade", "alice", "boom")]
    assert len(list(oplog.entries(engine, oplog.Filters(command="extension")))) == 5
    assert len(list(oplog.entries(engine, oplog.Filters(limit=2)))) == 2
