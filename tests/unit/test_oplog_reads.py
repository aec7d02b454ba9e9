"""Reads of personal data leave an operation-log entry (who, what filter, how many rows), and
every command declares what it logs, so a new command cannot forget."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from asterisk_bridge import oplog
from asterisk_bridge.cdr import csvsource
from asterisk_bridge.cdr.sealing import CdrSealer
from asterisk_bridge.cdr.store import insert_rows
from asterisk_bridge.context import App
from asterisk_bridge.services.clidocs import walk
from cli.common import NOT_LOGGED, OPLOG_MARK
from cli.main import voco
from tests.conftest import CliCall

DATA = Path(__file__).parent / "data"


def _leaves(cmd: click.Command) -> Iterator[tuple[str, click.Command]]:
    for path, sub in walk(cmd, []):
        if not isinstance(sub, click.Group):
            yield " ".join(path), sub


def test_every_command_declares_its_oplog_entry() -> None:
    commands = dict(_leaves(voco))
    marks = {name: getattr(cmd.callback, OPLOG_MARK, None) for name, cmd in commands.items()}
    undeclared = sorted(n for n, m in marks.items() if m is None and n not in NOT_LOGGED)
    twice = sorted(n for n, m in marks.items() if m is not None and n in NOT_LOGGED)
    assert undeclared == [], "decorate with @oplogged/@oplogged_read or explain in NOT_LOGGED"
    assert twice == []
    assert sorted(set(NOT_LOGGED) - set(commands)) == []  # no stale exemptions
    reads = sorted(n for n, m in marks.items() if m == "read")
    assert reads == ["calls list", "capture export", "cdr export", "cdr list", "contact list",
                     "contact personal list", "contact show", "debug export", "disclosure list",
                     "disclosure show", "extension list", "extension show", "hold list",
                     "intrusion list", "live evidence", "notify rule list", "recording export",
                     "recording list", "recording show", "report agents", "report calls",
                     "report queues", "subject export", "subject find", "voicemail export",
                     "voicemail list", "voicemail show"]


@pytest.fixture
def populated(app: App, run_cli: CliCall) -> App:
    for name in ("cdr_attended_transfer.csv", "cdr_queue_ringall.csv"):
        rows = csvsource.read_records(DATA / name, "node1").rows
        if name.startswith("cdr_queue"):  # recorded on another sandbox: keep keys apart
            for r in rows:
                r["uniqueid"] += "q"
                r["linkedid"] += "q"
        insert_rows(app.engine, rows, CdrSealer(app.master_key))
    assert run_cli("extension", "add", "1001", "--name", "Alice Example",
                   "--email", "alice@example.com").exit_code == 0
    assert run_cli("contact", "add", "Bob Customer", "--number", "+4930123456").exit_code == 0
    return app


READS: dict[str, tuple[tuple[str, ...], str, int, dict[str, object]]] = {
    "cdr list": (("cdr", "list", "--extension", "700"), "cdr", 2, {"extension": "700"}),
    "cdr export to stdout": (("cdr", "export", "--extension", "700"), "cdr", 2,
                             {"extension": "700", "fmt": "csv"}),
    "cdr export to a file": (("cdr", "export", "--format", "json", "--output", "{tmp}/c.json"),
                             "cdr", 14, {"fmt": "json"}),
    "calls list": (("calls", "list", "--json"), "cdr", 2, {"disposition": None}),
    "contact list": (("contact", "list"), "company contacts", 1, {}),
    "contact show": (("contact", "show", "Bob Customer"), "company contacts", 1, {}),
    "extension list": (("extension", "list"), "extensions", 1, {}),
    "extension show": (("extension", "show", "1001"), "extensions", 1, {"number": "1001"}),
    "recording list": (("recording", "list", "--since", "2026-01-01"), "recordings", 0,
                       {"since": "2026-01-01"}),
    "live evidence": (("live", "evidence", "1795911781.158"), "consent evidence", 0,
                      {"linkedid": "1795911781.158"}),
    "hold list": (("hold", "list", "--active"), "legal holds", 0, {"active_only": True}),
    "disclosure list": (("disclosure", "list"), "disclosures", 0, {}),
    "subject find": (("subject", "find", "--extension", "1999"), "subject data", 0,
                     {"subject": {"kind": "extension", "subject": None}}),
    "voicemail list": (("voicemail", "list", "--mailbox", "1001"), "voicemail", 0,
                       {"mailbox": "1001"}),
}


@pytest.mark.parametrize("case", list(READS))
def test_read_of_personal_data_is_logged(populated: App, run_cli: CliCall, tmp_path: Path,
                                         case: str) -> None:
    args, data, rows, shown = READS[case]
    result = run_cli(*(a.format(tmp=tmp_path) for a in args))
    assert result.exit_code == 0, result.output
    last = list(oplog.entries(populated.engine, oplog.Filters()))[-1]
    logged = json.loads(last.args)
    assert (last.command, last.result) == (" ".join(args[:2]), "ok")
    assert last.actor == oplog.current_actor()
    assert logged["data"] == data and logged["rows"] == rows
    assert {k: logged[k] for k in shown} == shown
    assert "Bob" not in last.args and "4930123456" not in last.args  # personal: sealed


def test_failed_read_is_logged_as_failed(populated: App, run_cli: CliCall) -> None:
    assert run_cli("contact", "show", "Nobody").exit_code != 0
    last = list(oplog.entries(populated.engine, oplog.Filters()))[-1]
    assert (last.command, last.result) == ("contact show", "error")
    assert "Nobody" not in last.args and "Nobody" not in last.message  # a name: personal
