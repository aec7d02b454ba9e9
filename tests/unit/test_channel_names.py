"""People see extensions, not channel names: the one helper, and the lists that use it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asterisk_bridge.cdr import csvsource
from asterisk_bridge.cdr.channel_names import endpoint
from asterisk_bridge.cdr.sealing import CdrSealer
from asterisk_bridge.cdr.store import insert_rows
from asterisk_bridge.context import App
from asterisk_bridge.recording.parties import CallInfo
from tests.conftest import CliCall
from tests.unit.cli_support import store_recording

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(("channel", "shown"), [
    ("PJSIP/2002-00000001", "2002"),
    ("PJSIP/1001-0000001a", "1001"),
    ("PJSIP/trunk-carrier-0000000b", "carrier"),
    ("PJSIP/trunk-my-carrier.de-0000000b", "my-carrier.de"),
    ("Local/1001@voco-queue-member-0000002a;1", "1001"),
    ("Local/carol-n-1-10@cdrphone-00000003;2", "carol-n-1-10"),
    ("SIP/alice-00000001", "alice"),
    ("IAX2/peer-1234-00000001", "peer-1234"),
    ("PJSIP/2002-00000001<ZOMBIE>", "2002"),
    ("PJSIP/2002", "2002"),  # an endpoint name already
    ("", ""),
    ("not a channel", "not a channel"),
])
def test_endpoint(channel: str, shown: str) -> None:
    assert endpoint(channel) == shown


def test_recording_list_has_a_header_and_shows_the_extension(
        app: App, run_cli: CliCall, ram_spool: Path) -> None:
    assert run_cli("recording", "list").output == "no recordings\n"
    rec_id = "voco-1795911331_0-1795911331_1"
    assert run_cli("extension", "add", "2002", "--name", "Bob").exit_code == 0
    # The recorded leg is the callee's: its caller ID and connected line are both the caller.
    alice = {"caller": "+442079460000", "caller_name": "Alice", "connected": "+442079460000",
             "connected_name": "Alice"}
    store_recording(app, ram_spool, rec_id, CallInfo(channel="PJSIP/2002-00000001", **alice))
    lines = run_cli("recording", "list").output.splitlines()
    assert lines[0].split() == ["ID", "START", "(UTC)", "SECONDS", "ON", "PARTIAL", "CALLER",
                                "CALLEE"]
    assert len(lines) == 2
    row = lines[1]
    assert row.startswith(rec_id) and "PJSIP/" not in row
    on = lines[0].index(" ON ") + 1
    assert row[on:on + 4] == "2002", lines
    assert row.endswith("Alice <+442079460000>  Bob <2002>") and " 1.0 " in row, row
    listed = json.loads(run_cli("recording", "list", "--json").output)
    assert [r["channel"] for r in listed] == ["PJSIP/2002-00000001"]  # scripts get the name
    assert (listed[0]["caller"], listed[0]["callee"]) == ("Alice <+442079460000>", "Bob <2002>")
    with app.engine.connect() as conn:  # sealed, not in clear
        assert "Alice" not in str(conn.exec_driver_sql("SELECT * FROM recordings").all())


def test_calls_list_answered_by_shows_the_extension(app: App, run_cli: CliCall) -> None:
    rows = csvsource.read_records(DATA / "cdr_attended_transfer.csv", "node1").rows
    for r in rows:  # the same call, as if the parties were phones and a trunk
        for key in ("channel", "dstchannel"):
            r[key] = (r[key].replace("Local/xferer@cdrphone", "PJSIP/2002")
                      .replace("Local/alice-n-1-12@phone", "PJSIP/trunk-carrier")
                      .replace(";1", "").replace(";2", ""))
    insert_rows(app.engine, rows, CdrSealer(app.master_key))
    lines = run_cli("calls", "list").output.splitlines()
    assert lines[0].endswith("ANSWERED BY") and len(lines) == 2
    assert lines[1].endswith("  2002"), lines
    assert "PJSIP/" not in "\n".join(lines)
    call = json.loads(run_cli("calls", "list", "--json").output)[0]
    assert call["answered_by"].startswith("PJSIP/2002-")
