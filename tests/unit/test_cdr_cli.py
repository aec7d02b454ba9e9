"""``voco cdr``, ``voco calls`` and ``voco retention`` on an initialised installation."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from asterisk_bridge.cdr import csvsource
from asterisk_bridge.cdr.sealing import CdrSealer
from asterisk_bridge.cdr.store import insert_rows
from asterisk_bridge.context import App
from asterisk_bridge.store.models import OplogEntry
from tests.conftest import CliCall

DATA = Path(__file__).parent / "data"


def _load(app: App, age_days: int = 0) -> None:
    for name in ("cdr_attended_transfer.csv", "cdr_queue_ringall.csv"):
        rows = csvsource.read_records(DATA / name, "node1").rows
        for r in rows:
            for key in ("start", "answer", "end"):
                if r[key]:
                    r[key] -= timedelta(days=age_days)
        if name.startswith("cdr_queue"):  # recorded on another sandbox: keep keys apart
            for r in rows:
                r["uniqueid"] += "q"
                r["linkedid"] += "q"
        insert_rows(app.engine, rows, CdrSealer(app.master_key))


def _oplog(app: App) -> list[tuple[str, str, str]]:
    with app.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(OplogEntry.command, OplogEntry.result, OplogEntry.message)
            .order_by(OplogEntry.seq)).all()]


def test_list_filters_and_json(app: App, run_cli: CliCall) -> None:
    _load(app)
    table = run_cli("cdr", "list")
    assert table.exit_code == 0 and len(table.output.splitlines()) == 1 + 14
    listed = json.loads(run_cli("cdr", "list", "--json", "--disposition", "no-answer").output)
    assert [r["disposition"] for r in listed] == ["NO ANSWER", "NO ANSWER"]  # agent, its ;2
    assert listed[0]["start"].endswith("Z")
    bad = run_cli("cdr", "list", "--number", "1001;Hangup")
    assert bad.exit_code == 2
    assert bad.output.strip().splitlines() == [
        "Error: number: '1001;Hangup' may hold only digits, * and #, optionally after a "
        "leading +, at most 32"]


def test_calls_list_groups_transfer_and_queue(app: App, run_cli: CliCall) -> None:
    _load(app)
    calls = json.loads(run_cli("calls", "list", "--json").output)
    assert sorted((c["disposition"], c["records"]) for c in calls) == [
        ("answered", 5), ("answered", 9)]
    table = run_cli("calls", "list", "--disposition", "missed")
    assert table.exit_code == 0 and len(table.output.splitlines()) == 1


def test_export_to_file_and_stdout(app: App, run_cli: CliCall, tmp_path: Path) -> None:
    _load(app)
    out = tmp_path / "cdr.json"
    res = run_cli("cdr", "export", "--format", "json", "--output", str(out))
    assert res.exit_code == 0 and len(json.loads(out.read_text())) == 14
    csv_out = run_cli("cdr", "export", "--extension", "700")
    assert csv_out.exit_code == 0
    assert len(csv_out.output.splitlines()) == 1 + 2  # header + the two records dialling 700


def test_delete_needs_a_filter_and_leaves_a_tombstone(app: App, run_cli: CliCall) -> None:
    _load(app)
    refused = run_cli("cdr", "delete", "--reason", "x", "--yes")
    assert refused.exit_code == 2 and "refusing to delete every CDR" in refused.output
    ok = run_cli("cdr", "delete", "--disposition", "no-answer", "--reason", "test data",
                 "--yes")
    assert ok.exit_code == 0 and "deleted 2 CDR records" in ok.output
    log = _oplog(app)
    tomb = json.loads(log[-2][2])
    assert log[-2][:2] == ("cdr tombstone", "ok")
    assert tomb == {"kind": "cdr", "deleted": 2, "filter": {"disposition": "NO ANSWER"},
                    "reason": "test data",
                    "asterisk_files": "not configured ([asterisk] ast_log_dir)"}
    assert log[-1][:2] == ("cdr delete", "ok") and log[-3][:2] == ("cdr delete", "error")


def test_retention_set_show_run(app: App, run_cli: CliCall) -> None:
    _load(app, age_days=40)
    assert "kept for ever (no policy)" in run_cli("retention", "show").output
    assert "nothing deleted" in run_cli("retention", "run").output
    bad = run_cli("retention", "set", "cdr", "0")
    assert bad.exit_code == 2 and "days" in bad.output
    assert run_cli("retention", "set", "cdr", "30").exit_code == 0
    assert run_cli("retention", "show").output.strip() == (
        "cdr: 30 days\nrecordings: kept for ever (no policy)\n"
        "debug-logs: kept for ever (no policy)\nnotifications: kept for ever (no policy)\n"
        "voicemail: kept for ever (no policy)\ntranscripts: kept for ever (no policy)\n"
        "captures: kept for ever (no policy)")
    ran = run_cli("retention", "run")
    assert ran.output.strip() == "cdr: deleted 14"
    assert run_cli("cdr", "list", "--json").output.strip() == "[]"
    assert run_cli("retention", "set", "cdr", "off").output.strip() == "cdr: kept for ever"
    commands = [c for c, _, _ in _oplog(app)]
    assert commands.count("retention set") == 3 and "cdr tombstone" in commands


def test_calls_list_joins_a_call_across_voco_peer_trunks_from_any_of_its_nodes(
        app: App, run_cli: CliCall) -> None:
    """Node a's call went over a peer trunk to b, and on from b to c: whichever node a filter
    selects, the call is listed once with all three halves."""
    for i, node in enumerate(("a", "b", "c")):
        rows = csvsource.read_records(DATA / "cdr_no_answer.csv", node).rows
        for r in rows:
            for key in ("start", "answer", "end"):
                if r[key]:
                    r[key] += timedelta(seconds=i)
            r["accountcode"] = {"b": "voco:a/1795915404.0", "c": "voco:b/1795915404.0"
                                }.get(node, "")
        insert_rows(app.engine, rows, CdrSealer(app.master_key))
    _load(app)  # calls of node1 nobody links to stay apart
    for node in ("a", "b", "c"):
        (call,) = json.loads(run_cli("calls", "list", "--json", "--node", node).output)
        assert (call["node"], call["nodes"], call["records"]) == ("a", ["a", "b", "c"], 12)
    every = json.loads(run_cli("calls", "list", "--json").output)
    assert sorted(c["nodes"] for c in every) == [["a", "b", "c"], ["node1"], ["node1"]]
    table = run_cli("calls", "list", "--node", "c").output.splitlines()
    assert "a→b→c" in table[1]
