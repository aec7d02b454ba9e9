"""A store with one of everything the CLI can show, for the tests of its output and input."""

from __future__ import annotations

import json
from pathlib import Path

from asterisk_bridge.context import App
from asterisk_bridge.recording import pipeline
from asterisk_bridge.recording.vault import CallInfo
from tests.audio_tones import tone_wav
from tests.conftest import CliCall

#: Every kind of provisioned record and policy setting, after extension 1001 (see provision()).
PROVISION = (
    ("extension", "add", "1002", "--name", "Bob"),
    ("trunk", "add", "carrier", "--host", "192.0.2.10", "--identify", "192.0.2.0/24"),
    ("conference", "add", "standup", "--number", "3000", "--pin", "4711"),
    ("queue", "add", "support", "--number", "2000", "--member", "1001"),
    ("speeddial", "add", "*21", "--number", "1002"),
    ("route", "inbound", "add", "4930555000", "--to", "queue:support"),
    ("route", "outbound", "add", "national", "--pattern", "_0X.", "--trunk", "carrier"),
    ("contact", "add", "Acme Support", "--number", "+4930123456"),
    ("contact", "grant", "1002", "manage"),
    ("recording-policy", "set", "trunk", "carrier", "yes"),
    ("recording-policy", "defaults", "--timeout", "8"),
    ("smtp", "set", "custom", "--host", "mail.example.net"),
    ("notify", "rule", "add", "voicemail", "--owner"),
)


def ok(run_cli: CliCall, *args: str) -> str:
    """The output of a CLI call that must succeed."""
    result = run_cli(*args)
    assert result.exit_code == 0, (args, result.output)
    return result.output


def provision(run_cli: CliCall, tmp_path: Path) -> Path:
    """Extension 1001 and everything in PROVISION; returns a file holding 1001's SIP secret."""
    secret = tmp_path / "sip-secret-1001"
    secret.write_text(json.loads(ok(run_cli, "extension", "add", "1001", "--json"))["secret"])
    for args in PROVISION:
        ok(run_cli, *args)
    return secret


def store_recording(app: App, spool: Path, rec_id: str, info: CallInfo) -> None:
    """A finished 1 s recording in the spool, swept into the encrypted store."""
    tone_wav(spool / f"{rec_id}.wav", 1.0, 440)
    (spool / f"{rec_id}.wav.done").touch()
    pipeline.sweep(app, spool, active=set(), hints={rec_id: info})
