"""Asterisk's logging on real Asterisk: after 'voco apply' a call leaves no caller number in any
log Asterisk or Voco writes; 'voco debug on --for' logs it into RAM only, and the window's
expiry (the detached watchdog, no Voco command running) deletes it and makes logger.conf quiet
again."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from asterisk_bridge.bridge import logs
from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.store.models.cdr import CdrRecord
from asterisk_bridge.store.models.debuglog import DebugWindow
from tests.conftest import CliCall
from tests.integration.provision_support import attach, ok
from tests.polling import await_for, wait_for

pytestmark = pytest.mark.asterisk
# Both parties are personal data: the caller's number and name, and the number they dial out
# (through the outbound route '9' + number), which every dialplan step of the call shows.
CALLER_NUMBER, CALLER_NAME, DIALLED = "+442079460123", "Zebedee Quux", "0044207946077"
FORMS = (CALLER_NUMBER[1:], DIALLED[2:], CALLER_NAME)


def _voco_log(path: Path) -> logging.Handler:
    """What 'voco bridge run' logs, into a file: its handler, its filter, at DEBUG."""
    handler = logging.FileHandler(path)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.redactor())
    handler.setLevel(logging.DEBUG)
    return handler


def _call(app: App, voco_log: Path, calls: int) -> None:
    """The caller dials out; their phone hangs up after 4 s (the trunk answers nothing)."""
    async def run() -> None:
        voco = logging.getLogger("voco")
        handler = _voco_log(voco_log)
        voco.addHandler(handler)
        voco.setLevel(logging.DEBUG)
        try:
            async with Bridge(app) as bridge:
                resp = await bridge.ami_action({
                    "Action": "Originate", "Channel": "Local/alice-n-1-3@phone/n",
                    "Context": "voco-internal", "Exten": f"9{DIALLED}", "Priority": "1",
                    "CallerID": f"{CALLER_NAME} <{CALLER_NUMBER}>", "Async": "false"},
                    timeout=30)
                first = resp[0] if isinstance(resp, list) else resp
                assert first.get("Response") == "Success", resp

                def stored() -> bool:
                    with app.engine.connect() as conn:
                        return len(conn.execute(select(CdrRecord.linkedid).distinct()).all()
                                   ) >= calls

                await await_for(stored, "the call's CDR", timeout=120)
        finally:
            voco.removeHandler(handler)
            handler.close()

    asyncio.run(run())


def _holding(*roots: Path) -> dict[str, str]:
    """Every file under *roots* holding a form of the caller, with the form found."""
    found = {}
    for root in roots:
        for path in (p for p in root.rglob("*") if p.is_file()):
            text = path.read_bytes().decode("utf-8", "replace")
            hits = [f for f in FORMS if f in text]
            if hits:
                found[str(path)] = hits[0]
    return found


def test_quiet_by_default_debug_window_in_ram_expires(
        app: App, asterisk: Instance, run_cli: CliCall, config_path: Path, tmp_path: Path,
) -> None:
    attach(config_path, asterisk)
    app = App.open(config_path)
    ok(run_cli("extension", "add", "1002", "--name", "Bob Sales"))
    ok(run_cli("trunk", "add", "carrier", "--host", "127.0.0.1", "--identify", "127.0.0.1/32"))
    ok(run_cli("route", "outbound", "add", "out", "--pattern", "_9.", "--trunk", "carrier",
               "--strip", "1"))
    ok(run_cli("apply"))
    assert "messages.log => error,warning,security" in (asterisk.etc_dir / "logger.conf"
                                                          ).read_text()
    voco_log = tmp_path / "voco-bridge.log"
    _call(app, voco_log, calls=1)

    # Quiet: the caller is in no log, Asterisk's (the CDR file is a record, not a log: it is
    # the durable source the store reconciles with, governed by CDR retention) nor Voco's.
    logs_dir = [p for p in asterisk.log_dir.iterdir() if p.name != "cdr-csv"]
    assert voco_log.stat().st_size > 0
    assert _holding(*logs_dir, voco_log) == {}

    # Debug on: the full log lands in the RAM directory only, and holds the caller.
    ok(run_cli("debug", "on", "--for", "40s"))
    status = json.loads(ok(run_cli("debug", "status", "--json")).output)
    full = Path(status["log_file"])
    assert status["debug"] == "on" and full.parent == asterisk.ram_log_dir
    _call(app, tmp_path / "voco-bridge-2.log", calls=2)
    wait_for(lambda: full.exists() and DIALLED in full.read_text(errors="replace"),
             "the dialled number in the full log")
    assert _holding(*logs_dir) == {}  # still nothing on disk
    assert _holding(tmp_path / "voco-bridge-2.log") == {}
    mounts = subprocess.run(["findmnt", "-n", "-o", "FSTYPE", "--target", str(full.parent)],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert mounts == "tmpfs"

    # Expiry with no Voco command running: the watchdog ends the window.
    wait_for(lambda: not full.exists(), "the watchdog to delete the full log", timeout=180)
    with app.engine.connect() as conn:
        ended = conn.execute(select(DebugWindow)).one()
    assert ended.ended_by == "voco debug watchdog" and ended.end_reason == "expired"
    assert "voco-debug" not in (asterisk.etc_dir / "logger.conf").read_text()
    assert "voco-debug" not in asterisk.rx("logger show channels")
    assert not list(asterisk.ram_log_dir.iterdir())
    assert json.loads(ok(run_cli("debug", "status", "--json")).output)["debug"] == "off"
