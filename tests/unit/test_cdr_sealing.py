"""CDRs are sealed per party: no number or name in the store's bytes, the caller and the called
party each under their own key (an extension's owner for a provisioned extension), opened
transparently, found through the blind index; the writer's in-memory key cache never seals
under a key another process erased. Run on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from asterisk_bridge.cdr.query import CdrFilter, list_cdrs, resolved
from asterisk_bridge.cdr.rows import Row
from asterisk_bridge.cdr.sealing import CdrSealer
from asterisk_bridge.cdr.store import insert_rows
from asterisk_bridge.context import App
from asterisk_bridge.provisioning import extensions
from asterisk_bridge.services.init import initialise
from asterisk_bridge.store.models.cdr import CdrRecord
from asterisk_bridge.subjects import identity
from asterisk_bridge.subjects.vault import SubjectVault

CALLER = "+442079460000"
T0 = datetime(2026, 11, 30, 9, 0, 0)


def leg(n: int, src: str = CALLER, dst: str = "1001") -> Row:
    start = T0 + timedelta(minutes=n)
    return {
        "node": "node1", "uniqueid": f"1795.{n}", "sequence": n, "linkedid": f"1795.{n}",
        "accountcode": "", "src": src, "dst": dst, "dcontext": "voco-inbound",
        "clid": f'"Alice Liddell" <{src}>', "channel": "PJSIP/trunk-carrier-00000001",
        "dstchannel": f"PJSIP/{dst}-00000002", "lastapp": "Dial", "lastdata": f"PJSIP/{dst},30",
        "start": start, "answer": start + timedelta(seconds=2),
        "end": start + timedelta(seconds=32), "duration": 32, "billsec": 30,
        "disposition": "ANSWERED", "amaflags": "DOCUMENTATION", "userfield": "",
        "peeraccount": "", "rec_id": None, "consent": None, "origin": "ami",
    }


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> App:
    app = App(initialise(tmp_path / "voco.toml", tmp_path / "data", db_url))
    extensions.add(app.engine, app.master_key, extensions.Extension("1001", "Bob Sales"))
    return app


def _stored(app: App) -> list[CdrRecord]:
    with app.engine.connect() as conn:
        return list(conn.execute(select(CdrRecord).order_by(CdrRecord.id)))


def test_parties_are_sealed_under_their_own_keys_and_opened(store: App) -> None:
    sealer = CdrSealer(store.master_key)
    insert_rows(store.engine, [leg(1), leg(2)], sealer)
    rows = _stored(store)
    assert all(CALLER[1:].encode() not in (r.src or b"") + (r.clid or b"") for r in rows)
    assert all(b"Alice" not in (r.clid or b"") and b"1001" not in (r.lastdata or b"")
               for r in rows)
    vault = SubjectVault(store.master_key)
    with store.engine.begin() as conn:
        ids = vault.lookup(conn, [identity.phone(CALLER), identity.extension("1001")])
    assert {r.src_subject for r in rows} == {ids[identity.phone(CALLER)]}  # type: ignore[index]
    assert {r.dst_subject for r in rows} == {ids[identity.extension("1001")]}
    shown = list_cdrs(store.engine, vault, CdrFilter(), 10)
    assert [(r["src"], r["dst"], r["clid"], r["lastdata"]) for r in shown] == [
        (CALLER, "1001", f'"Alice Liddell" <{CALLER}>', "PJSIP/1001,30")] * 2
    assert "src_subject" not in shown[0]
    found = list_cdrs(store.engine, vault, resolved(store, CdrFilter.build(number=CALLER)), 10)
    assert len(found) == 2
    by_ext = resolved(store, CdrFilter.build(extension="1001"))
    assert len(list_cdrs(store.engine, vault, by_ext, 10)) == 2


def test_the_key_cache_forgets_a_subject_erased_by_another_process(store: App) -> None:
    sealer = CdrSealer(store.master_key)  # the bridge's, kept across batches
    insert_rows(store.engine, [leg(1)], sealer)
    first = _stored(store)[0].src_subject
    vault = SubjectVault(store.master_key)  # another process erases the caller
    with store.engine.begin() as conn:
        assert first is not None
        vault.erase(conn, first, "admin", "their request")
    insert_rows(store.engine, [leg(2)], sealer)
    old, new = _stored(store)
    assert old.src_subject == first and new.src_subject not in (None, first)  # a new key
    shown = list_cdrs(store.engine, vault, CdrFilter(), 10)
    assert [r["src"] for r in shown] == [CALLER, ""]  # newest first; the erased one unreadable


def test_a_value_with_no_party_of_its_own_is_sealed_under_the_other(store: App) -> None:
    nobody = leg(2, src="", dst="xferer") | {"clid": '"Alice Liddell" <>'}  # a Local half
    insert_rows(store.engine, [leg(1, dst="s"), nobody], CdrSealer(store.master_key))
    row, half = _stored(store)
    assert row.dst_subject is None and row.lastdata is not None
    assert half.src_subject and half.dst_subject is None and b"Alice" not in (half.clid or b"")
    shown = list_cdrs(store.engine, SubjectVault(store.master_key), CdrFilter(), 10)
    assert [(r["dst"], r["lastdata"], r["clid"]) for r in shown] == [
        ("xferer", "PJSIP/xferer,30", '"Alice Liddell" <>'),
        ("s", "PJSIP/s,30", f'"Alice Liddell" <{CALLER}>')]
