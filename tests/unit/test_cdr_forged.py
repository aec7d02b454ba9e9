"""A caller number holding CR LF forges the AMI Cdr of the caller's own call; Master.csv wins.

The bytes are real: tests/fixtures/ami/capture_forged_cdr.py recorded what a sandbox Asterisk
22 sent on AMI, and wrote to Master.csv, for a call whose caller number was
``1001`` CR LF CR LF ``Event: Cdr`` / ``Source: 999`` / ``Destination: 555`` / ``CallerID: <999``.
Each of the two records naming that number arrives as three frames: the real start (no key:
refused), a middle one repeating ``Destination`` and ``CallerID`` (refused), and a clean
forged frame saying ``999`` -> ``555`` with the real record's key and times, which the bridge
stores. Reconciliation then puts Master.csv's copy in its place.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from asterisk_bridge.bridge.amiframes import FrameParser
from asterisk_bridge.cdr import csvsource, rows, truth
from asterisk_bridge.cdr.capture import CdrCapture
from asterisk_bridge.config import AsteriskSettings
from asterisk_bridge.context import App
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.notifications import bus
from asterisk_bridge.services.init import initialise
from tests.integration.cdr_support import by_key, stored

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ami"
RAW, CSV = FIXTURES / "forged_cdr.raw", FIXTURES / "forged_cdr.csv"


def _events() -> list[dict[str, object]]:
    return [dict(m.items()) for m in FrameParser().feed(RAW.read_bytes())
            if m.get("Event") == "Cdr"]


def _app(db_url: str, tmp_path: Path) -> App:
    logs = tmp_path / "asterisk-log"
    (logs / "cdr-csv").mkdir(parents=True)
    return App(initialise(tmp_path / "voco.toml", tmp_path / "data", db_url,
                          replace(AsteriskSettings(), ast_log_dir=str(logs))))


def test_the_start_a_cr_lf_cuts_off_is_refused_as_cut_short() -> None:
    starts = [e for e in _events() if "UniqueID" not in e and "Destination" not in e]
    assert len(starts) == 2  # one per record naming the number
    with pytest.raises(ValidationError, match=r"\(no UniqueID\): cut short"):
        rows.from_ami(starts[0], "node1")


def test_a_cdr_event_repeating_a_header_is_refused_as_forged() -> None:
    middle = [e for e in _events() if isinstance(e.get("Destination"), list)]
    assert len(middle) == 2  # one per record naming the number
    with pytest.raises(ValidationError, match="repeats CallerID, Destination: a caller's CR LF"):
        rows.from_ami(middle[0], "node1")


def test_an_honest_records_two_copies_do_not_differ() -> None:
    """The record the number does not reach (the far Local half) arrives intact on AMI, and
    its copy equals Master.csv's: reconciliation corrects nothing that was not forged."""
    honest = [rows.from_ami(e, "node1") for e in _events()
              if e.get("Sequence") == "1" and "UniqueID" in e]
    (csv_copy,) = [r for r in csvsource.read_records(CSV, "node1").rows if r["sequence"] == 1]
    assert len(honest) == 1 and truth.differing(honest[0], csv_copy) == []


def test_master_csv_wins_over_the_forged_event(db_url: str, tmp_path: Path) -> None:
    app = _app(db_url, tmp_path)
    node = app.config.asterisk.node
    truth_rows = csvsource.read_records(CSV, node).rows
    assert len(truth_rows) == 3

    async def run() -> CdrCapture:
        capture = CdrCapture(app, reconcile_every=3600, csv_grace_s=0)
        for event in _events():
            await capture.handle_event(event)
        await capture.close()
        return capture

    capture = asyncio.run(run())
    assert (capture.received, capture.rejected) == (3, 4)
    forged = by_key(stored(app.engine, app.master_key))
    assert {k: (r["src"], r["dst"]) for k, r in forged.items() if r["src"] == "999"} == {
        ("1796061907.0", 0): ("999", "555"), ("1796061907.3", 3): ("999", "555")}

    master = Path(app.config.asterisk.ast_log_dir) / "cdr-csv" / csvsource.MASTER
    master.write_bytes(CSV.read_bytes())
    told: list[bus.Event] = []
    unsubscribe = bus.subscribe(told.append)
    try:
        asyncio.run(CdrCapture(app, reconcile_every=3600).reconcile_now())
    finally:
        unsubscribe()
    assert sorted(e.facts["record"] for e in told) == [
        "node1/1796061907.0/0", "node1/1796061907.3/3"]
    assert {(e.kind, e.key, e.facts["columns"]) for e in told} == {
        ("cdr_corrected", "cdr", "src, dst, dcontext, clid")}
    after = by_key(stored(app.engine, app.master_key))
    assert after.keys() == by_key(truth_rows).keys()
    for key, row in by_key(truth_rows).items():
        assert truth.differing(after[key], row) == [], key
        assert after[key]["id"] == forged[key]["id"]  # corrected in place
    assert after[("1796061907.0", 0)]["src"].startswith("1001\r\n\r\nEvent: Cdr\r\n")
    assert after[("1796061907.0", 0)]["dst"] == "forge"
