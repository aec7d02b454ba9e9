"""Legal holds block every destructive path for what they cover, naming the hold: CDR deletion,
recording deletion, subject erasure (refused as a whole) and retention (keeps the held data,
purges the rest). Every change is in the operation log, never with a caller's number in clear.
Run on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from asterisk_bridge.cdr import tombstones
from asterisk_bridge.errors import ExitCode
from asterisk_bridge.retention import policy
from asterisk_bridge.store.models.cdr import CdrRecord
from asterisk_bridge.store.models.holds import LegalHold
from asterisk_bridge.store.models.recording import RecordingTombstone
from asterisk_bridge.subjects import FieldRef, SubjectVault, identity
from tests.conftest import CliCall
from tests.unit.cli_support import ok
from tests.unit.subject_support import (
    ALICE,
    CALL_A,
    CALL_B,
    REC_A,
    REC_B,
    Store,
    build,
    counts,
    in_clear,
    last_entry,
    oplog_text,
)


@pytest.fixture
def store(db_url: str, config_path: Path, tmp_path: Path, ram_spool: Path,
          run_cli: CliCall) -> Store:
    return build(db_url, config_path, tmp_path, ram_spool, run_cli)


def refused(store: Store, *args: str, hold: int) -> str:
    result = store.cli(*args)
    assert result.exit_code == ExitCode.HELD, (args, result.output)
    assert f"legal hold {hold} on " in result.output and "nothing was changed" in result.output
    return result.output


def test_a_hold_on_a_call_refuses_every_deletion_of_it(store: Store) -> None:
    ok(store.cli, "hold", "add", "--call", CALL_A, "--reason", "case 42: keep the call")
    before = counts(store.app)
    message = refused(store, "cdr", "delete", "--id", str(store.cdr_a[0]), "--reason", "x",
                      "--yes", hold=1)
    assert f"call {CALL_A}" in message and "case 42: keep the call" in message
    refused(store, "cdr", "delete", "--extension", "1001", "--reason", "x", "--yes", hold=1)
    refused(store, "recording", "delete", REC_A, "--reason", "x", hold=1)
    refused(store, "subject", "erase", "+44 20 7946 0000", "--reason", "x", "--yes", hold=1)
    assert counts(store.app) == before
    assert last_entry(store.app)[1] == "error"  # the refusal itself is on record
    # What the hold does not cover goes as usual.
    ok(store.cli, "cdr", "delete", "--id", str(store.cdr_b[0]), "--reason", "x", "--yes")
    ok(store.cli, "recording", "delete", REC_B, "--reason", "x")
    assert counts(store.app) == (before[0] - 1, before[1] - 1)


def test_a_hold_on_a_person_covers_every_row_naming_them(store: Store) -> None:
    ok(store.cli, "hold", "add", "--subject", "+44 20 7946 0000", "--reason", "litigation",
       "--until", "2099-12-31")
    refused(store, "recording", "delete", REC_A, "--reason", "x", hold=1)
    refused(store, "subject", "erase", ALICE, "--reason", "x", "--yes", hold=1)
    # The extension owner's erasure would blank what the held recording says about its party.
    refused(store, "subject", "erase", "--extension", "1001", "--reason", "x", "--yes", hold=1)
    ok(store.cli, "hold", "release", "1", "--reason", "case closed")
    # Regression: a released hold on her made every active hold (here on Bob's call) refuse.
    ok(store.cli, "hold", "add", "--call", CALL_B, "--reason", "Bob's case")
    ok(store.cli, "subject", "erase", ALICE, "--reason", "request", "--yes")
    assert counts(store.app)[1] == 1
    refused(store, "recording", "delete", REC_B, "--reason", "x", hold=2)


def test_retention_keeps_what_a_hold_covers_and_purges_the_rest(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    later = policy.now() + timedelta(days=3)
    monkeypatch.setattr(policy, "now", lambda: later)
    ok(store.cli, "retention", "set", "cdr", "1")
    ok(store.cli, "retention", "set", "recordings", "1")
    ok(store.cli, "hold", "add", "--call", CALL_A, "--reason", "keep A")
    assert policy.enforce(store.app, "bridge") == {"cdr": 1, "recordings": 1}
    with store.app.engine.connect() as conn:
        kept = list(conn.execute(select(CdrRecord.id, CdrRecord.start).order_by(CdrRecord.id)))
        assert [r.id for r in kept] == store.cdr_a
        # Everything below the floor is gone for good: it stops below the held records.
        assert tombstones.floor(conn) == min(r.start for r in kept)
        stones = list(conn.execute(select(RecordingTombstone.recording_id,
                                          RecordingTombstone.reason)))
    assert stones == [(REC_B, "retention policy: recordings kept 1 days")]
    assert counts(store.app) == (2, 1)
    command, _, args, _ = last_entry(store.app)
    assert (command, args["ids"]) == ("recording tombstone", [REC_B])
    ok(store.cli, "hold", "release", "1", "--reason", "case closed")
    assert policy.enforce(store.app, "bridge") == {"cdr": 2, "recordings": 1}
    assert counts(store.app) == (0, 0)
    with store.app.engine.connect() as conn:
        assert tombstones.floor(conn) == later - timedelta(days=1)


def test_holds_end_when_released_or_expired(store: Store) -> None:
    ok(store.cli, "hold", "add", "--call", CALL_A, "--reason", "a", "--until", "2099-01-01")
    ok(store.cli, "hold", "add", "--subject", ALICE, "--reason", "b")
    listed = ok(store.cli, "hold", "list")
    assert "phone:+442079460000" in listed and CALL_A in listed
    with store.app.engine.begin() as conn:  # the first hold's last day was yesterday
        conn.execute(update(LegalHold).where(LegalHold.id == 1).values(until="2000-01-01"))
    ok(store.cli, "hold", "release", "2", "--reason", "settled")
    states = {h["id"]: h["state"] for h in _holds(store)}
    assert states == {1: "expired", 2: "released"}
    assert _holds(store, "--active") == []
    ok(store.cli, "recording", "delete", REC_A, "--reason", "no hold in force")
    result = store.cli("hold", "release", "2", "--reason", "again")
    assert result.exit_code == ExitCode.BAD_INPUT and "already released" in result.output
    assert store.cli("hold", "release", "9", "--reason", "x").exit_code == ExitCode.NOT_FOUND


def _holds(store: Store, *args: str) -> list[dict[str, object]]:
    return list(json.loads(ok(store.cli, "hold", "list", "--json", *args)))


@pytest.mark.parametrize(("args", "code", "says"), [
    (("--call", "1795;1"), ExitCode.BAD_INPUT, "is not a linkedid"),
    (("--call", "1795000000.9"), ExitCode.NOT_FOUND, "nothing of it is held"),
    (("--call", CALL_A, "--until", "2001-01-01"), ExitCode.BAD_INPUT, "in the past"),
    (("--call", CALL_A, "--until", "soon"), ExitCode.BAD_INPUT, "is not a date"),
    (("--call", CALL_A, "--subject", ALICE), ExitCode.BAD_INPUT, "not both"),
    ((), ExitCode.BAD_INPUT, "exactly one"),
    (("--email", "nobody@example.com"), ExitCode.NOT_FOUND, "no subject is known"),
    (("--subject", "+44 20 7946 000x"), ExitCode.BAD_INPUT, "not a phone number"),
])
def test_bad_hold_input_changes_nothing(store: Store, args: tuple[str, ...], code: ExitCode,
                                        says: str) -> None:
    result = store.cli("hold", "add", *args, "--reason", "r")
    assert result.exit_code == code and says in result.output, result.output
    assert _holds(store) == []
    assert in_clear(oplog_text(store.app)) == [] and "example.com" not in oplog_text(store.app)


def test_hold_changes_are_logged_with_the_person_sealed(store: Store) -> None:
    ok(store.cli, "hold", "add", "--subject", "+44 20 7946 0000", "--reason", "order 7")
    command, result, args, _ = last_entry(store.app)
    assert (command, result, args["reason"]) == ("hold add", "ok", "order 7")
    logged = args["subject"]
    assert logged["kind"] == "phone" and "number" not in args
    vault = SubjectVault(store.app.master_key)
    with store.app.engine.connect() as conn:
        subject = vault.lookup(conn, [identity.phone(ALICE)])[identity.phone(ALICE)]
        ring = vault.keys(conn, [subject])
    assert logged["subject"] == subject
    opened = ring.open(FieldRef("oplog", "args.subject", logged["ref"], subject),
                       base64.b64decode(logged["sealed"]))
    assert opened == ALICE
    ok(store.cli, "hold", "release", "1", "--reason", "done")
    assert last_entry(store.app)[:2] == ("hold release", "ok")
    assert in_clear(oplog_text(store.app)) == []
