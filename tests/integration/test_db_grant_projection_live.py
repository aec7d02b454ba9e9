"""A database grant that asks for personal fields, on a PostgreSQL cluster the test owns: its
role reads callers' numbers in clear from its own projection while the grant is open, and only
then; no other role can; new CDRs reach it on refresh, deleted ones and an erased person's values
leave it at once; revoking (or the grant lapsing) drops it, after which a raw ``pg_dump`` holds
no caller's number."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text, update

from asterisk_bridge.cdr import csvsource
from asterisk_bridge.cdr.rows import Row
from asterisk_bridge.cdr.sealing import CdrSealer
from asterisk_bridge.cdr.store import insert_rows
from asterisk_bridge.context import App
from asterisk_bridge.dbgrant.capability import GrantProjections
from asterisk_bridge.oplog import Filters, entries
from asterisk_bridge.store.models.grants import Grant
from tests.conftest import CliCall
from tests.integration.cdr_support import PG_BIN, ThrowawayPostgres
from tests.unit.cli_support import ok

pytestmark = pytest.mark.postgres
DATA = Path(__file__).parents[1] / "unit" / "data"
ALICE, BOB, CAROL = "+442079460001", "+442079460002", "+442079460003"
ROLE, PLAIN = "voco_grant_reports", "voco_grant_plain"


@pytest.fixture
def cluster() -> Iterator[ThrowawayPostgres]:
    pg = ThrowawayPostgres()
    yield pg
    pg.destroy()


def _calls_from(app: App, *callers: str) -> None:
    """One call per caller to extension 1001 (the CDRs of a real no-answer call, renumbered)."""
    rows: list[Row] = []
    for caller in callers:
        call = f"17959{caller[-4:]}"
        for row in csvsource.read_records(DATA / "cdr_no_answer.csv", "node1").rows:
            rows.append({**row, "src": caller, "clid": f'"Caller {caller[-1]}" <{caller}>',
                         "uniqueid": f"{call}.{row['sequence']}", "linkedid": call})
    insert_rows(app.engine, rows, CdrSealer(app.master_key))


def _password(out: str) -> str:
    return out.split("password (shown once): ", 1)[1].split()[0]


def _dump(cluster: ThrowawayPostgres) -> bytes:
    return subprocess.run([str(PG_BIN / "pg_dump"), "-h", "127.0.0.1", "-p", str(cluster.port),
                           "-U", "postgres", "voco"], check=True, capture_output=True).stdout


def _admin(cluster: ThrowawayPostgres) -> psycopg.Connection:
    return psycopg.connect(f"postgresql://postgres@127.0.0.1:{cluster.port}/voco",
                           autocommit=True)


def test_the_clear_projection_lives_only_while_its_grant_is_open(
        cluster: ThrowawayPostgres, run_cli: CliCall, config_path: Path, tmp_path: Path) -> None:
    ok(run_cli, "init", "--data-dir", str(tmp_path / "data"), "--db", cluster.url)
    app = App.open(config_path)
    _calls_from(app, ALICE, BOB)
    assert ALICE.encode() not in _dump(cluster)  # sealed per person in the store

    # Without --personal: the view only; no number anywhere the role can reach.
    plain = _password(ok(run_cli, "db-grant", "add", "plain", "--party", "BI",
                         "--permit", "127.0.0.1"))
    other = cluster.connect_as(PLAIN, plain)
    assert "src" not in [c.name for c in other.execute(
        "SELECT * FROM voco_grant_cdr LIMIT 0").description or []]
    assert ALICE.encode() not in _dump(cluster)

    out = ok(run_cli, "db-grant", "add", "reports", "--party", "Billing", "--permit",
             "127.0.0.1", "--personal", "src", "--personal", "clid")
    assert f"in clear, src, clid from {ROLE}.cdr (8 rows now" in out
    live = cluster.connect_as(ROLE, _password(out))
    seen = live.execute("SELECT src, clid FROM cdr WHERE disposition = 'NO ANSWER' ORDER BY src"
                        ).fetchall()  # its search_path finds its own schema first
    assert seen == [(ALICE, f'"Caller 1" <{ALICE}>'), (BOB, f'"Caller 2" <{BOB}>')]
    columns = [c.name for c in live.execute("SELECT * FROM cdr LIMIT 0").description or []]
    assert "src" in columns and "dst" not in columns  # not asked for: not projected
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        other.execute(f"SELECT src FROM {ROLE}.cdr")  # readable by its own role alone
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        live.execute("SELECT src FROM public.cdr")  # the sealed store stays out of reach
    assert ALICE.encode() in _dump(cluster)  # the trade-off: clear in PostgreSQL while open

    _calls_from(app, CAROL)  # a new call is not there until a refresh
    assert live.execute("SELECT count(*) FROM cdr WHERE src = %s", (CAROL,)).fetchone() == (0,)
    assert f"{ROLE}.cdr: 4 row(s) added" in ok(run_cli, "db-grant", "refresh")
    assert live.execute("SELECT count(*) FROM cdr WHERE src = %s", (CAROL,)).fetchone() == (4,)
    assert "every projection is up to date" in ok(run_cli, "db-grant", "refresh")

    carol_dial = live.execute("SELECT id FROM cdr WHERE src = %s", (CAROL,)).fetchone()[0]
    ok(run_cli, "cdr", "delete", "--id", str(carol_dial), "--reason", "test", "--yes")
    assert live.execute("SELECT count(*) FROM cdr WHERE id = %s",
                        (carol_dial,)).fetchone() == (0,)  # gone with the store's row

    found = ok(run_cli, "subject", "find", BOB)
    assert "db_grant_rows" in found and ROLE in found
    ok(run_cli, "hold", "add", "--subject", ALICE, "--reason", "case 42")
    assert run_cli("subject", "erase", ALICE, "--reason", "asked", "--yes").exit_code != 0
    assert live.execute("SELECT count(*) FROM cdr WHERE src = %s", (ALICE,)).fetchone() == (4,)
    before = live.execute("SELECT count(*), sum(duration) FROM cdr").fetchone()
    ok(run_cli, "subject", "erase", BOB, "--reason", "their request", "--yes")
    assert live.execute("SELECT count(*) FROM cdr WHERE src = %s OR clid LIKE %s",
                        (BOB, f"%{BOB}%")).fetchone() == (0,)
    assert live.execute("SELECT count(*), sum(duration) FROM cdr").fetchone() == before
    assert BOB.encode() not in _dump(cluster)  # the old row versions are not dumped
    ok(run_cli, "db-grant", "refresh")  # a refresh does not bring an erased person back
    assert live.execute("SELECT count(*) FROM cdr WHERE src = %s", (BOB,)).fetchone() == (0,)

    revoked = ok(run_cli, "grants", "revoke", "2", "--reason", "contract ended")
    assert f"clear projection {ROLE}.cdr dropped" in revoked
    with pytest.raises(psycopg.OperationalError):
        live.execute("SELECT 1")
    with _admin(cluster) as admin:
        assert admin.execute("SELECT to_regnamespace(%s)", (ROLE,)).fetchone() == (None,)
    dump = _dump(cluster)
    assert ALICE.encode() not in dump and CAROL.encode() not in dump
    assert other.execute("SELECT count(*) FROM voco_grant_cdr").fetchone()[0] > 0

    commands = [e.command for e in entries(app.engine, Filters())]
    assert commands.count("db-grant projection open") == 1
    assert commands.count("db-grant projection refresh") == 1  # only the round that added
    assert commands.count("db-grant projection drop") == 1


def test_the_bridge_keeps_it_current_and_drops_it_when_the_grant_lapses(
        cluster: ThrowawayPostgres, run_cli: CliCall, config_path: Path, tmp_path: Path) -> None:
    ok(run_cli, "init", "--data-dir", str(tmp_path / "data"), "--db", cluster.url)
    app = App.open(config_path)
    _calls_from(app, ALICE)
    out = ok(run_cli, "db-grant", "add", "reports", "--party", "Billing", "--permit",
             "127.0.0.1", "--personal", "src", "--until", "2099-12-31")
    live = cluster.connect_as(ROLE, _password(out))
    _calls_from(app, BOB)
    GrantProjections(app).round()  # the bridge capability's round, as its timer runs it
    assert live.execute("SELECT count(*) FROM cdr WHERE src = %s", (BOB,)).fetchone() == (4,)
    refreshed = list(entries(app.engine, Filters(command="db-grant projection refresh")))
    assert [(e.actor, '"rows": 4' in e.args) for e in refreshed] == [("bridge", True)]

    with app.engine.begin() as conn:  # its day has come: the register says so, nobody else
        conn.execute(update(Grant).values(until="2000-01-01T00:00:00+00:00"))
    GrantProjections(app).round()
    with pytest.raises(psycopg.OperationalError):
        live.execute("SELECT 1")  # its session ended before the projection went
    assert "every projection is up to date" in ok(run_cli, "db-grant", "refresh")
    with app.engine.connect() as conn:
        assert conn.execute(text("SELECT to_regnamespace(:s)"), {"s": ROLE}).scalar() is None
    assert ALICE.encode() not in _dump(cluster)
    expired = ok(run_cli, "grants", "expire")
    assert f"role {ROLE} dropped, 0 session(s) ended" in expired  # the projection went first


def test_a_cdr_corrected_to_master_csv_is_projected_again(
        cluster: ThrowawayPostgres, run_cli: CliCall, config_path: Path, tmp_path: Path) -> None:
    """A CDR stored from a forged AMI event (the caller's own choice of Source) and later
    corrected to Master.csv's copy: the clear projection shows the corrected value at once."""
    ok(run_cli, "init", "--data-dir", str(tmp_path / "data"), "--db", cluster.url)
    app = App.open(config_path)
    truth = [{**row, "src": ALICE, "uniqueid": f"1795955555.{row['sequence']}",
              "linkedid": "1795955555"}
             for row in csvsource.read_records(DATA / "cdr_no_answer.csv", "node1").rows]
    forged = [{**row, "src": "999", "origin": "ami"} for row in truth]
    insert_rows(app.engine, forged, CdrSealer(app.master_key))
    out = ok(run_cli, "db-grant", "add", "reports", "--party", "Billing", "--permit",
             "127.0.0.1", "--personal", "src")
    live = cluster.connect_as(ROLE, _password(out))
    assert {r[0] for r in live.execute("SELECT src FROM cdr")} == {"999"}
    assert insert_rows(app.engine, truth, CdrSealer(app.master_key)) == len(truth)
    assert {r[0] for r in live.execute("SELECT src FROM cdr")} == {ALICE}
