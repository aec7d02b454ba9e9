"""A store holding two recorded calls between external callers and extension 1001, for the
tests of subjects' rights, legal holds, disclosures and retention."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from asterisk_bridge import oplog
from asterisk_bridge.cdr.rows import Row
from asterisk_bridge.cdr.sealing import CdrSealer
from asterisk_bridge.cdr.store import insert_rows
from asterisk_bridge.context import App
from asterisk_bridge.recording.parties import CallInfo
from asterisk_bridge.services.init import initialise
from asterisk_bridge.store.models.cdr import CdrRecord
from asterisk_bridge.store.models.recording import Recording
from tests.conftest import CliCall
from tests.unit.cli_support import ok, store_recording

ALICE = "+442079460000"  # an external caller, typed as "+44 20 7946 0000" too
BOB = "+12125550100"  # another one
CALL_A, CALL_B = "1795911331.0", "1795911999.0"
REC_A, REC_B = "voco-1795911331_0-1795911331_1", "voco-1795911999_0-1795911999_1"


@dataclass
class Store:
    """The installation and what the two calls left in it."""

    app: App
    cli: CliCall
    cdr_a: list[int]  # CDR ids of call A (ALICE -> 1001, recorded)
    cdr_b: list[int]  # of call B (BOB -> 1001, recorded)


def leg(linkedid: str, n: int, src: str, start: datetime) -> Row:
    """One CDR leg of a call."""
    return {
        "node": "node1", "uniqueid": f"{linkedid[:-2]}.{n}", "sequence": n, "linkedid": linkedid,
        "accountcode": "", "src": src, "dst": "1001", "dcontext": "voco-inbound",
        "clid": f'"Caller" <{src}>', "channel": "PJSIP/carrier-00000001",
        "dstchannel": "PJSIP/1001-00000002", "lastapp": "Dial", "lastdata": "PJSIP/1001",
        "start": start, "answer": start + timedelta(seconds=2),
        "end": start + timedelta(seconds=32), "duration": 32, "billsec": 30,
        "disposition": "ANSWERED", "amaflags": "DOCUMENTATION", "userfield": "",
        "peeraccount": "", "rec_id": None, "consent": None, "origin": "ami",
    }


def build(db_url: str, config_path: Path, tmp_path: Path, spool: Path,
          cli: CliCall) -> Store:
    """Extension 1001, and two recorded calls to it (A from ALICE, B from BOB)."""
    app = App(initialise(config_path, tmp_path / "data", db_url))
    ok(cli, "extension", "add", "1001", "--name", "Alice Agent")
    now = datetime.now(UTC).replace(tzinfo=None)
    insert_rows(app.engine, [leg(CALL_A, 1, ALICE, now), leg(CALL_A, 2, ALICE, now),
                             leg(CALL_B, 1, BOB, now)], CdrSealer(app.master_key))
    for rec_id, caller in ((REC_A, ALICE), (REC_B, BOB)):  # the called leg is recorded
        store_recording(app, spool, rec_id, CallInfo(channel="PJSIP/1001-00000002",
                                                     caller=caller, connected="1001"))
    return Store(app, cli, _ids(app, CALL_A), _ids(app, CALL_B))


def _ids(app: App, linkedid: str) -> list[int]:
    with app.engine.connect() as conn:
        return list(conn.execute(select(CdrRecord.id).where(CdrRecord.linkedid == linkedid)
                                 .order_by(CdrRecord.id)).scalars())


def counts(app: App) -> tuple[int, int]:
    """(CDR rows, recordings) in the store."""
    with app.engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(CdrRecord)).scalar_one(),
                conn.execute(select(func.count()).select_from(Recording)).scalar_one())


def last_entry(app: App) -> tuple[str, str, dict[str, Any], str]:
    """The newest operation-log entry: command, result, arguments, message."""
    entry = list(oplog.entries(app.engine, oplog.Filters()))[-1]
    return entry.command, entry.result, json.loads(entry.args), entry.message


def oplog_text(app: App) -> str:
    """Every argument and message the operation log holds, as one text."""
    return "\n".join(f"{e.args} {e.message}" for e in oplog.entries(app.engine, oplog.Filters()))


def in_clear(text: str) -> list[str]:
    """Which of the callers' numbers (in any usual spelling) *text* holds."""
    return [n for n in ("2079460000", "20 7946 0000", "2125550100") if n in text]
