"""A party's stop holds while the bridge is dead: Asterisk enforces it, the bridge only records it.

The bridge runs as its own process (``voco bridge run``, every capability), is SIGKILLed once the
call is under way, and the external party presses stop while it is dead. The recording must end
there (the file is closed and marked finished while the call goes on), and once the bridge is
back it stores the recording and the evidence of the stop from the recording's trail.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from asterisk_bridge.bridge.amiclient import ami_session
from asterisk_bridge.config import write_config
from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from tests.audio_tones import ALICE_HZ, BOB_HZ, tone_sets
from tests.conftest import CliCall
from tests.integration.bridge_process import VOCO
from tests.integration.consent_harness import Pbx
from tests.integration.test_recording_store import audio, rows
from tests.polling import wait_for

pytestmark = pytest.mark.asterisk
CONSENT = [("wait", "3"), ("dtmf", "1")]


def seconds(at: str) -> float:
    return datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()


def ami(app: App, action: dict[str, str]) -> Any:
    async def main() -> Any:
        async with ami_session(app.config.asterisk) as session:
            return await session.action(action)

    return asyncio.run(main())


def call_channels(app: App) -> list[str]:
    """The sandbox's live channels."""
    answer = ami(app, {"Action": "CoreShowChannels"})
    return [str(m.get("Channel")) for m in (answer if isinstance(answer, list) else [answer])
            if m.get("Event") == "CoreShowChannel"]


def bridge_process(app: App, log: Path) -> subprocess.Popen[bytes]:
    """``voco bridge run``, logging to ``log``; returns once it has started."""
    seen = log.read_text().count("bridge.started") if log.exists() else 0
    with log.open("ab") as out:
        proc = subprocess.Popen([VOCO, "--config", str(app.config.path), "bridge", "run"],
                                stdout=out, stderr=out, start_new_session=True)
    wait_for(lambda: log.read_text().count("bridge.started") > seen or proc.poll() is not None,
             "the bridge to start")
    assert proc.poll() is None, log.read_text()
    return proc


@pytest.fixture
def pbx(app: App, asterisk: Instance, run_cli: CliCall) -> Pbx:
    """Recording with consent on calls from trunk 'carrier', pointed at the sandbox."""
    app.config.asterisk = asterisk.settings()
    write_config(app.config)
    assert run_cli("recording-policy", "set", "trunk", "carrier", "yes").exit_code == 0
    return Pbx(app, asterisk)


def test_stop_while_the_bridge_is_dead_ends_the_recording_there(pbx: Pbx, tmp_path: Path
                                                                ) -> None:
    app = pbx.app
    pbx.apply(caller=[*CONSENT, ("wait", "10"), ("dtmf", "*9"), ("wait", "8")],
              callee=[*CONSENT, ("wait", "60")])
    bridge = bridge_process(app, tmp_path / "bridge.log")
    try:
        ami(app, {"Action": "Originate", "Channel": "Local/caller@recphone/n",
                  "Context": "rectest", "Exten": "1001", "Priority": "1", "Async": "false",
                  "CallerID": "Alice <5550100>", "Variable": "KIND=inbound,CALLER=carrier,ROUTE="})
        wait_for(lambda: [e for e in pbx.evidence_all() if e["event"] == "decision"],
                 "the live bridge to store the call's first marker")
        os.killpg(bridge.pid, signal.SIGKILL)
        bridge.wait()

        wait_for(lambda: list(pbx.spool.glob("*.wav.done")), "the stop to end the recording")
        assert call_channels(app), "the recording ended only with the call"
        [wav] = list(pbx.spool.glob("voco-*.wav"))
        assert rows(app) == [] and "stop" not in {e["event"] for e in pbx.evidence_all()}
        wait_for(lambda: not call_channels(app), "the call to end")

        bridge = bridge_process(app, tmp_path / "bridge.log")
        wait_for(lambda: rows(app), "the restarted bridge to store the recording")
        wait_for(lambda: "end" in {e["event"] for e in pbx.evidence_all()},
                 "the evidence from the recording's trail")
    finally:
        if bridge.poll() is None:
            bridge.send_signal(signal.SIGTERM)
            bridge.wait(timeout=60)
    facts = pbx.evidence_all()
    assert [(f["event"], f["leg"], f["actor"], f["source"], f["outcome"]) for f in facts
            if f["event"] in ("start", "stop", "end")] == [
        ("start", "callee", "dialplan", "dialplan", "recording"),
        ("stop", "caller", "caller", "dtmf", "stopped"),
        ("end", "callee", "hangup", "dialplan", "stopped")], facts
    at = {f["event"]: seconds(f["at"]) for f in facts}
    [row] = rows(app)
    assert row.id == wav.stem and not row.partial
    windows = tone_sets(audio(app, row.id))
    # Both parties until the stop, and nothing after it: the file is as long as the span from
    # start to stop, well short of the call, which went on for 8 s more.
    assert all({ALICE_HZ, BOB_HZ} <= w for w in windows[1:-1]), windows
    assert abs(len(windows) / 2 - (at["stop"] - at["start"])) <= 1.5, (at, len(windows))
    assert at["end"] - at["stop"] >= 5
    assert not list(pbx.spool.iterdir()) or all(p.name.startswith(".") for p in
                                                 pbx.spool.iterdir())
