"""Every ``--json`` in the command tree prints what docs/cli.md says: a list command one JSON
array of objects, a single-thing command one JSON object; and every command that shows data has
``--json``.

The test walks the click tree, so a new command with ``--json`` fails here until it is given an
invocation below, and a new showing command without ``--json`` fails the coverage check.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import click
import pytest
from sqlalchemy.orm import Session

from asterisk_bridge.bridge.status import BridgeStatus, LinkState, write_status
from asterisk_bridge.cdr import csvsource
from asterisk_bridge.cdr.sealing import CdrSealer
from asterisk_bridge.cdr.store import insert_rows
from asterisk_bridge.config import load_config, write_config
from asterisk_bridge.context import App
from asterisk_bridge.grants import register as grants
from asterisk_bridge.intrusion import blocks as intrusion_blocks
from asterisk_bridge.recording import evidence
from asterisk_bridge.recording.parties import CallInfo
from asterisk_bridge.services.clidocs import walk
from asterisk_bridge.store.models.capture import Capture
from asterisk_bridge.tls import certs
from asterisk_bridge.voicemail import sweep
from cli.main import voco
from cli.output import LIST_JSON_HELP, OBJECT_JSON_HELP
from tests.audio_tones import tone_wav
from tests.conftest import CliCall
from tests.unit.cli_support import ok, provision, store_recording
from tests.unit.voicemail_support import leave

DATA = Path(__file__).parent / "data"
REC_ID = "voco-1795911331_0-1795911331_1"
LINKEDID = "1795911331.0"
VM_ID = "vm-node1-1795911782-00000000"
CAPTURE_ID = "cap-20260101T000000-abcdef"

#: Commands whose job is to show something (the issue's list included): they must have --json.
MUST_HAVE_JSON = {
    "recording-policy list", "recording-policy defaults", "recording-policy explain",
    "prompt list", "retention show", "db current", "sandbox status", "oplog verify",
    "bridge status", "recording check", "config import",
}
SHOWING_NAMES = {"list", "show", "status", "current", "verify", "explain", "defaults", "count",
                 "grants", "evidence", "check"}

#: How to run each command that has --json against the fixture (``{secret}``: a file holding
#: extension 1001's secret), and the exit codes that mean "ran" (status commands exit 3 when
#: what they report on is not running, and still print the status).
INVOCATIONS: dict[str, tuple[tuple[str, ...], set[int]]] = {
    "apply": (("apply", "--dry-run"), {0}),
    "bridge status": (("bridge", "status"), {3}),
    "debug status": (("debug", "status"), {0}),
    "calls list": (("calls", "list"), {0}),
    "capture list": (("capture", "list"), {0}),
    "capture show": (("capture", "show", "cap-20260101T000000-abcdef"), {0}),
    "cdr list": (("cdr", "list"), {0}),
    "conference add": (("conference", "add", "board", "--number", "3001"), {0}),
    "conference list": (("conference", "list"), {0}),
    "conference set": (("conference", "set", "standup", "--max-members", "5"), {0}),
    "conference show": (("conference", "show", "standup"), {0}),
    "config import": (("config", "import", "--dry-run", "{export}"), {0}),
    "contact add": (("contact", "add", "Zed Ltd", "--number", "+4930999"), {0}),
    "contact grants": (("contact", "grants"), {0}),
    "contact list": (("contact", "list"), {0}),
    "contact personal count": (("contact", "personal", "count", "1001"), {0}),
    "contact personal list": (("contact", "personal", "list", "--extension", "1001",
                               "--passphrase-file", "{secret}"), {0}),
    "contact show": (("contact", "show", "Acme Support"), {0}),
    "db current": (("db", "current"), {0}),
    "disclosure list": (("disclosure", "list"), {0}),
    "disclosure show": (("disclosure", "show", "1"), {0}),
    "extension add": (("extension", "add", "1003"), {0}),
    "extension list": (("extension", "list"), {0}),
    "extension set": (("extension", "set", "1002", "--name", "Robert"), {0}),
    "extension show": (("extension", "show", "1001"), {0}),
    "hold list": (("hold", "list"), {0}),
    "grants list": (("grants", "list"), {0}),
    "ami-user add": (("ami-user", "add", "wallboard", "--party", "Acme", "--permit",
                      "192.0.2.10"), {0}),
    "api token add": (("api", "token", "add", "app2", "--party", "Acme", "--scope", "cdr:read",
                       "--permit", "192.0.2.10"), {0}),
    "grants show": (("grants", "show", "1"), {0}),
    "live evidence": (("live", "evidence", LINKEDID), {0}),
    "oplog list": (("oplog", "list"), {0}),
    "oplog verify": (("oplog", "verify"), {0}),
    "prompt list": (("prompt", "list"), {0}),
    "queue add": (("queue", "add", "sales", "--number", "2001"), {0}),
    "queue list": (("queue", "list"), {0}),
    "queue set": (("queue", "set", "support", "--timeout", "20"), {0}),
    "queue show": (("queue", "show", "support"), {0}),
    "recording check": (("recording", "check"), {0}),
    "check": (("check",), {0, 1}),
    "recording list": (("recording", "list"), {0}),
    "recording show": (("recording", "show", REC_ID), {0}),
    "recording-policy defaults": (("recording-policy", "defaults"), {0}),
    "recording-policy explain": (("recording-policy", "explain", "inbound", "carrier", "1001"),
                                 {0}),
    "recording-policy list": (("recording-policy", "list"), {0}),
    "retention show": (("retention", "show"), {0}),
    "smtp show": (("smtp", "show"), {0}),
    "notify events": (("notify", "events"), {0}),
    "notify rule list": (("notify", "rule", "list"), {0}),
    "notify status": (("notify", "status"), {0}),
    "intrusion list": (("intrusion", "list"), {0}),
    "intrusion show": (("intrusion", "show"), {0}),
    "route inbound add": (("route", "inbound", "add", "4930555001", "--to", "extension:1001"),
                          {0}),
    "route inbound list": (("route", "inbound", "list"), {0}),
    "route inbound set": (("route", "inbound", "set", "4930555000", "--to", "extension:1002"),
                          {0}),
    "route inbound show": (("route", "inbound", "show", "4930555000"), {0}),
    "route outbound add": (("route", "outbound", "add", "intl", "--pattern", "_00X.",
                            "--trunk", "carrier"), {0}),
    "route outbound list": (("route", "outbound", "list"), {0}),
    "route outbound set": (("route", "outbound", "set", "national", "--strip", "1"), {0}),
    "route outbound show": (("route", "outbound", "show", "national"), {0}),
    "sandbox status": (("sandbox", "status", "--name", "never-started"), {3}),
    "speeddial add": (("speeddial", "add", "*22", "--number", "1001"), {0}),
    "speeddial list": (("speeddial", "list"), {0}),
    "speeddial set": (("speeddial", "set", "*21", "--name", "Bob"), {0}),
    "speeddial show": (("speeddial", "show", "*21"), {0}),
    "subject find": (("subject", "find", "+4930123456"), {0}),
    "trunk add": (("trunk", "add", "backup", "--host", "192.0.2.20"), {0}),
    "trunk list": (("trunk", "list"), {0}),
    "trunk set": (("trunk", "set", "carrier", "--port", "5070"), {0}),
    "trunk show": (("trunk", "show", "carrier"), {0}),
    "tls create": (("tls", "create", "--host", "pbx.example.net"), {0}),
    "tls install": (("tls", "install", "--cert", "{tls_cert}", "--key", "{tls_key}"), {0}),
    "tls renew": (("tls", "renew"), {0}),
    "tls show": (("tls", "show"), {0}),
    "transcription show": (("transcription", "show"), {0}),
    "voicemail list": (("voicemail", "list"), {0}),
    "voicemail show": (("voicemail", "show", VM_ID), {0}),
}

def _json_commands() -> dict[str, click.Command]:
    return {" ".join(path[1:]): cmd for path, cmd in walk(voco, ["voco"])
            if not isinstance(cmd, click.Group) and any(p.name == "as_json" for p in cmd.params)}


@pytest.fixture
def populated(app: App, run_cli: CliCall, tmp_path: Path, ram_spool: Path) -> dict[str, str]:
    """One of everything a --json command can show, so no list is empty."""
    etc = tmp_path / "asterisk-etc"
    etc.mkdir()
    write_config(replace(app.config, asterisk=replace(app.config.asterisk,
                                                      ast_etc_dir=str(etc))))
    provision(run_cli, tmp_path)
    secret = tmp_path / "passphrase-1001"
    secret.write_text("the owner's own long passphrase")
    ok(run_cli, "contact", "personal", "add", "--extension", "1001", "Bob", "--passphrase-file",
       str(secret))
    tone_wav(tmp_path / "notice.wav", 1.0, 440)
    ok(run_cli, "prompt", "upload", "notice", str(tmp_path / "notice.wav"), "--lib-dir",
       str(tmp_path / "lib"))
    insert_rows(app.engine, csvsource.read_records(DATA / "cdr_attended_transfer.csv",
                                                   "node1").rows, CdrSealer(app.master_key))
    store_recording(app, ram_spool, REC_ID, CallInfo(channel="PJSIP/1001-00000001"))
    leave(ram_spool / "vm")
    sweep.sweep(app, ram_spool / "vm")
    evidence.record(app, evidence.Fact(
        linkedid=LINKEDID, event="start", recording_id=REC_ID, actor="bridge"))
    write_status(load_config(app.config.path).status_file, BridgeStatus(
        pid=0, node="node1", started=1.0, state="stopped", updated=2.0,
        links={"ami": LinkState(), "ari": LinkState()}))
    ok(run_cli, "hold", "add", "--subject", "+4930123456", "--reason", "case 1")
    ok(run_cli, "disclosure", "add", "--subject", "+4930123456", "--recipient", "Court",
       "--basis", "order", "--items", "cdr", "--notice-sent", "2026-01-01")
    with app.engine.begin() as conn:
        grants.create(conn, grants.NewGrant.build("api", "crm", "Acme", ["cdr:read"],
                                                  ["192.0.2.10"], None), "tester")
        intrusion_blocks.place(conn, "203.0.113.7", "PJSIP", 5, 3600)
    with Session(app.engine) as session, session.begin():
        session.add(Capture(id=CAPTURE_ID, node="node1", scope="sip", bpf="port 5060",
                            started_at="2026-01-01T00:00:00+00:00", max_bytes=65536,
                            deadline_at="2026-01-01T00:01:00+00:00", started_by="tester",
                            state="failed", stop_reason="dumpcap wrote no file"))
    export = tmp_path / "export.toml"
    ok(run_cli, "config", "export", "--output", str(export))
    issued = certs.issue_server(certs.create_ca("Test CA"), ["pbx.example.org"])
    (tmp_path / "own.crt").write_bytes(issued.cert_pem)
    (tmp_path / "own.key").write_bytes(issued.key_pem)
    return {"secret": str(secret), "export": str(export), "tls_cert": str(tmp_path / "own.crt"),
            "tls_key": str(tmp_path / "own.key")}


def test_every_showing_command_has_json() -> None:
    have = set(_json_commands())
    showing = {" ".join(path[1:]) for path, cmd in walk(voco, ["voco"])
               if not isinstance(cmd, click.Group) and path[-1] in SHOWING_NAMES}
    assert not (MUST_HAVE_JSON | showing) - have


def test_every_json_option_documents_its_shape() -> None:
    for name, cmd in _json_commands().items():
        (option,) = [p for p in cmd.params if p.name == "as_json"]
        assert isinstance(option, click.Option) and option.opts == ["--json"], name
        assert option.help in (LIST_JSON_HELP, OBJECT_JSON_HELP), (name, option.help)


def test_every_json_command_prints_its_documented_shape(
        populated: dict[str, str], run_cli: CliCall) -> None:
    commands = _json_commands()
    assert set(commands) == set(INVOCATIONS), "give each --json command an invocation here"
    for name, cmd in commands.items():
        args, codes = INVOCATIONS[name]
        result = run_cli(*(a.format(**populated) for a in args), "--json")
        assert result.exit_code in codes, (name, result.exit_code, result.output)
        data = json.loads(result.stdout)
        (option,) = [p for p in cmd.params if p.name == "as_json"]
        if option.help == LIST_JSON_HELP:
            assert isinstance(data, list) and data, (name, data)
            assert all(isinstance(item, dict) and item for item in data), (name, data)
        else:
            assert isinstance(data, dict) and data, (name, data)


def test_lists_print_a_header_row(populated: dict[str, str], run_cli: CliCall) -> None:
    for name, cmd in _json_commands().items():
        (option,) = [p for p in cmd.params if p.name == "as_json"]
        if option.help != LIST_JSON_HELP:
            continue
        args, _ = INVOCATIONS[name]
        first = ok(run_cli, *(a.format(**populated) for a in args)).splitlines()[0]
        words = first.replace("(UTC)", "").replace("-", "").replace(",", "").split()
        assert words and all(w.isupper() for w in words), (name, first)
