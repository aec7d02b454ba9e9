"""The CDR store on SQLite and PostgreSQL: idempotent writes, concurrent writers of several
nodes, the outage journal, filters, streaming export, deletion with tombstones, retention."""

from __future__ import annotations

import io
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from asterisk_bridge.cdr.erase import TOMBSTONE, delete_cdrs
from asterisk_bridge.cdr.export import export
from asterisk_bridge.cdr.journal import Journal
from asterisk_bridge.cdr.pgbatch import COPY_MIN
from asterisk_bridge.cdr.query import CdrFilter, count_cdrs, list_cdrs, resolved
from asterisk_bridge.cdr.rows import Row
from asterisk_bridge.cdr.sealing import CdrSealer
from asterisk_bridge.cdr.sink import CdrSink
from asterisk_bridge.cdr.store import insert_rows
from asterisk_bridge.context import App
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.retention import policy as retention
from asterisk_bridge.services.init import initialise
from asterisk_bridge.store.engine import make_engine
from asterisk_bridge.store.models import OplogEntry
from asterisk_bridge.store.models.cdr import CdrRecord
from asterisk_bridge.subjects.vault import SubjectVault

T0 = datetime(2026, 11, 29, 12, 0, 0)


def row(i: int, node: str = "node1", **over: object) -> Row:
    """A CDR row like Asterisk's; call ``i`` starts ``i`` minutes after T0."""
    start = T0 + timedelta(minutes=i)
    base: Row = {
        "node": node, "uniqueid": f"1795915386.{i}", "sequence": i, "linkedid": f"1795915386.{i}",
        "accountcode": "", "src": f"100{i % 10}", "dst": "2000", "dcontext": "calls",
        "clid": f'"Caller" <100{i % 10}>', "channel": f"PJSIP/100{i % 10}-0000{i:04x}",
        "dstchannel": f"PJSIP/2000-0001{i:04x}", "lastapp": "Dial", "lastdata": "PJSIP/2000,30",
        "start": start, "answer": start + timedelta(seconds=3),
        "end": start + timedelta(seconds=63), "duration": 63, "billsec": 60,
        "disposition": "ANSWERED" if i % 3 else "NO ANSWER", "amaflags": "DOCUMENTATION",
        "userfield": "", "peeraccount": "", "rec_id": None, "consent": None, "origin": "ami",
    }
    base.update(over)
    return base


@pytest.fixture
def store_app(db_url: str, tmp_path: Path) -> App:
    return App(initialise(tmp_path / "voco.toml", tmp_path / "data", db_url))


def _count(app: App) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(CdrRecord)).scalar_one())


def test_inserts_are_idempotent_and_fill_voco_fields_once(store_app: App) -> None:
    engine, seal = store_app.engine, CdrSealer(store_app.master_key)
    batch = [row(i, origin="csv") for i in range(10)]
    assert insert_rows(engine, batch, seal) == 10
    assert insert_rows(engine, batch, seal) == 0
    # The AMI copy arrives later with the recording id and consent only it carries.
    insert_rows(engine, [row(3, rec_id="rec-3", consent="given")], seal)
    insert_rows(engine, [row(3, rec_id="other", consent="refused-caller")], seal)  # first wins
    assert _count(store_app) == 10
    (r3,) = list_cdrs(engine, SubjectVault(store_app.master_key), CdrFilter(ids=()), 100)[6:7]
    assert (r3["uniqueid"], r3["rec_id"], r3["consent"], r3["origin"]) == (
        "1795915386.3", "rec-3", "given", "csv")


def test_large_batches_keep_every_guarantee(store_app: App) -> None:
    """A batch of COPY_MIN rows or more takes PostgreSQL's bulk path (COPY into a staging table,
    then one upsert): idempotent, filling Voco's fields once, refusing deleted records."""
    engine, seal = store_app.engine, CdrSealer(store_app.master_key)
    vault = SubjectVault(store_app.master_key)
    n = COPY_MIN * 3
    batch = [row(i, origin="csv") for i in range(n)]
    assert insert_rows(engine, batch, seal) == n
    assert insert_rows(engine, batch, seal) == 0
    again = [*batch, row(3, rec_id="rec-3", consent="given"), row(3, rec_id="other")]
    assert insert_rows(engine, again, seal) == 1  # row 3 completed once; duplicates merged
    doomed = tuple(r["id"] for r in list_cdrs(engine, vault, CdrFilter(), n)[:5])
    assert delete_cdrs(store_app, CdrFilter.build(ids=doomed), "test", "alice") == 5
    assert insert_rows(engine, [r | {"origin": "ami"} for r in batch], seal) == 0
    assert _count(store_app) == n - 5
    by_number = resolved(store_app, CdrFilter(number="1003"))
    assert [r["rec_id"] for r in list_cdrs(engine, vault, by_number, n)
            if r["uniqueid"] == "1795915386.3"] == ["rec-3"]


def test_two_bridges_of_same_and_other_node_write_at_once(store_app: App) -> None:
    url = str(store_app.engine.url.render_as_string(hide_password=False))
    plans = [[row(i, "node1") for i in range(0, 600)],
             [row(i, "node1") for i in range(300, 900)],  # overlaps the first writer
             [row(i, "node2") for i in range(0, 600)]]  # same uniqueids, other node
    errors: list[BaseException] = []

    def writer(rows: list[Row]) -> None:
        engine, seal = make_engine(url), CdrSealer(store_app.master_key)
        try:
            for k in range(0, len(rows), 50):
                insert_rows(engine, rows[k:k + 50], seal)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=writer, args=(p,)) for p in plans]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert count_cdrs(store_app.engine, CdrFilter(node="node1")) == 900
    assert count_cdrs(store_app.engine, CdrFilter(node="node2")) == 600


def test_journal_keeps_rows_while_store_is_down_then_flushes_once(store_app: App,
                                                                  tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal" / "cdr-journal.db", store_app.master_key)
    seal = CdrSealer(store_app.master_key)
    dead = make_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}") \
        if store_app.engine.dialect.name == "sqlite" else \
        make_engine("postgresql+psycopg://postgres@127.0.0.1:1/nothing")
    down = CdrSink(dead, journal, seal)
    assert down.write([row(i) for i in range(5)]) == "journal"
    assert down.write([row(i) for i in range(3, 8)]) == "journal"  # overlap: replayed twice
    assert journal.pending() == 10
    journal.close()
    raw = b"".join(f.read_bytes() for f in (tmp_path / "journal").iterdir())
    assert b"Caller" not in raw and b"1001" not in raw  # sealed at rest
    reopened = Journal(tmp_path / "journal" / "cdr-journal.db", store_app.master_key)
    up = CdrSink(store_app.engine, reopened, seal)  # survives a crash/restart
    assert reopened.pending() == 10
    assert up.write([row(20)]) == "store"  # flushes the journal first
    assert reopened.pending() == 0
    assert _count(store_app) == 9
    assert up.flush() and _count(store_app) == 9
    assert oct((tmp_path / "journal" / "cdr-journal.db").stat().st_mode & 0o777) == "0o600"


def test_filters(store_app: App) -> None:
    insert_rows(store_app.engine, [row(i) for i in range(30)], CdrSealer(store_app.master_key))

    def n(**kw: str) -> int:
        return count_cdrs(store_app.engine, resolved(store_app, CdrFilter.build(**kw)))

    assert n(disposition="no-answer") == 10 and n(disposition="answered") == 20
    assert n(number="1003") == 3 and n(number="2000") == 30
    assert n(number="100") == 0 and n(number="9999") == 0  # a whole number, never a part
    assert n(extension="1003") == 3 and n(extension="100") == 0  # exact, not a prefix
    assert n(since="2026-11-29T12:10:00", until="2026-11-29T12:20:00Z") == 10
    assert n(since="2026-11-29T13:10:00+01:00") == 20  # offsets converted to UTC
    for bad, field in ((dict(number="1001\n"), "number"), (dict(number="1%"), "number"),
                       (dict(extension="10;01"), "extension"),
                       (dict(disposition="maybe"), "disposition"),
                       (dict(since="yesterday"), "since"),
                       (dict(since="2026-11-30", until="2026-11-29"), "since")):
        with pytest.raises(ValidationError, match=field):
            CdrFilter.build(**bad)


def test_export_streams_csv_and_json(store_app: App) -> None:
    insert_rows(store_app.engine, [row(i, lastdata='a "quoted", value') for i in range(2500)],
                CdrSealer(store_app.master_key))
    out, vault = io.StringIO(), SubjectVault(store_app.master_key)
    assert export(store_app.engine, vault, CdrFilter(), "csv", out) == 2500
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("id,node,uniqueid,sequence") and len(lines) == 2501
    assert '"a ""quoted"", value"' in lines[1]
    out = io.StringIO()
    assert export(store_app.engine, vault, CdrFilter.build(disposition="busy"), "json", out) == 0
    assert json.loads(out.getvalue()) == []
    out = io.StringIO()
    export(store_app.engine, vault, resolved(store_app, CdrFilter.build(number="1001")), "json",
           out)
    data = json.loads(out.getvalue())
    assert len(data) == 250 and data[0]["start"].endswith("Z")


def _tombstones(app: App) -> list[dict[str, object]]:
    with app.engine.connect() as conn:
        msgs = conn.execute(select(OplogEntry.message).where(OplogEntry.command == TOMBSTONE)
                            .order_by(OplogEntry.seq)).scalars().all()
    return [json.loads(m) for m in msgs]


def _subject(app: App, number: str) -> str:
    with app.engine.connect() as conn:
        return str(conn.execute(select(CdrRecord.src_subject).where(
            CdrRecord.channel.like(f"PJSIP/{number}-%"))).scalars().first())


def test_delete_by_filter_leaves_a_tombstone_and_refuses_everything(store_app: App) -> None:
    insert_rows(store_app.engine, [row(i) for i in range(12)], CdrSealer(store_app.master_key))
    subject = _subject(store_app, "1001")
    with pytest.raises(ValidationError, match="refusing to delete every CDR"):
        delete_cdrs(store_app, CdrFilter(), "cleanup")
    with pytest.raises(ValidationError, match="reason"):
        delete_cdrs(store_app, CdrFilter.build(number="1001"), " ")
    assert delete_cdrs(store_app, CdrFilter.build(number="1001"), "subject request #7") == 2
    assert _count(store_app) == 10
    (tomb,) = _tombstones(store_app)
    assert tomb == {"kind": "cdr", "deleted": 2,
                    "filter": {"number_subjects": [subject]},
                    "reason": "subject request #7",
                    "asterisk_files": "not configured ([asterisk] ast_log_dir)"}


def test_retention_is_off_by_default_then_purges_with_a_tombstone(store_app: App) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    old = [row(i, start=now - timedelta(days=40), end=now - timedelta(days=40)) for i in range(4)]
    new = [row(i) | {"start": now, "end": now, "uniqueid": f"n.{i}"} for i in range(3)]
    insert_rows(store_app.engine, old + new, CdrSealer(store_app.master_key))
    assert retention.policies(store_app.engine) == {"cdr": None, "recordings": None,
                                                    "debug-logs": None, "notifications": None,
                                                    "voicemail": None, "transcripts": None,
                                                    "captures": None}
    assert retention.enforce(store_app) == {}  # nothing deleted without a policy
    retention.set_policy(store_app.engine, "cdr", 30)
    assert retention.enforce(store_app, "bridge") == {"cdr": 4}
    assert _count(store_app) == 3
    assert retention.enforce(store_app) == {"cdr": 0}
    (tomb,) = _tombstones(store_app)
    assert tomb["deleted"] == 4 and tomb["reason"] == "retention policy: cdr kept 30 days"
    retention.set_policy(store_app.engine, "cdr", None)
    assert retention.policies(store_app.engine) == {"cdr": None, "recordings": None,
                                                    "debug-logs": None, "notifications": None,
                                                    "voicemail": None, "transcripts": None,
                                                    "captures": None}
    with pytest.raises(ValidationError, match="days"):
        retention.set_policy(store_app.engine, "cdr", 0)
    with pytest.raises(ValidationError, match="kind"):
        retention.set_policy(store_app.engine, "recordings;", 5)


def test_reconciliation_writes_only_what_the_store_lacks(store_app: App, tmp_path: Path
                                                         ) -> None:
    seal = CdrSealer(store_app.master_key)
    insert_rows(store_app.engine, [row(i, rec_id=f"r{i}") for i in range(5)], seal)
    sink = CdrSink(store_app.engine, Journal(tmp_path / "j.db", store_app.master_key), seal)
    from_file = [row(i, origin="csv") for i in range(8)] + [row(2, "node2", origin="csv")]
    assert sink.write_missing(from_file) == "store"
    assert sink.stored == 4  # 5..7 of node1 and 2 of node2; the AMI copies were kept
    assert count_cdrs(store_app.engine, CdrFilter()) == 9
    kept = list_cdrs(store_app.engine, SubjectVault(store_app.master_key),
                     CdrFilter.build(node="node1"), 100)
    assert {r["origin"] for r in kept if r["rec_id"]} == {"ami"}


@pytest.mark.parametrize("size", [1, COPY_MIN])  # the pipelined executemany, and COPY
def test_postgresql_connection_killed_between_batches_journals_then_stores(
        pg_url: str, tmp_path: Path, size: int) -> None:
    """The sink's kept connection dies (server restart, failover): the batch in flight goes to
    the journal, not lost, and reaches the store once the next batch reconnects."""
    app = App(initialise(tmp_path / "voco.toml", tmp_path / "data", pg_url))
    sink = CdrSink(app.engine, Journal(tmp_path / "journal.db", app.master_key),
                   CdrSealer(app.master_key))
    assert sink.write([row(i) for i in range(size)]) == "store"
    with app.engine.connect() as admin:  # every other session of this database: the sink's
        admin.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    assert sink.write([row(i) for i in range(size, 2 * size)]) == "journal"
    assert sink.write([row(i) for i in range(2 * size, 3 * size)]) == "store"  # reconnected
    assert sink.journal.pending() == 0
    sink.close()
    assert _count(app) == 3 * size
    app.engine.dispose()
