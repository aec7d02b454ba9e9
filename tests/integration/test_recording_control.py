"""Pausing, resuming and stopping a live recording on real Asterisk: by either party's feature
codes (answered by the bridge) and by ``voco live`` from the CLI."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest

from asterisk_bridge.config import write_config
from asterisk_bridge.context import App
from asterisk_bridge.oplog import current_actor
from asterisk_bridge.sandbox.instance import Instance
from tests.audio import ALICE_HZ, BOB_HZ, describe, file_tones
from tests.conftest import CliCall
from tests.integration.consent_harness import SETTLE_S, Pbx
from tests.polling import await_for, wait_for

pytestmark = pytest.mark.asterisk
CONSENT = [("wait", "3"), ("dtmf", "1")]  # both phones consent 3 s after the question starts


@pytest.fixture
def pbx(app: App, asterisk: Instance, run_cli: CliCall) -> Pbx:
    """Recording on for calls from trunk 'carrier', pointed at the sandbox."""
    app.config.asterisk = asterisk.settings()
    write_config(app.config)
    result = run_cli("recording-policy", "set", "trunk", "carrier", "yes")
    assert result.exit_code == 0, result.output
    return Pbx(app, asterisk)


def controls(rows: list[dict[str, str]]) -> list[tuple[str, str, str, str]]:
    return [(r["event"], r["actor"], r["source"], r["outcome"]) for r in rows
            if r["event"] in ("pause", "resume", "stop", "end")]


def longest_silence(windows: list[set[int]]) -> tuple[int, int]:
    """(start, length) of the longest run of windows where neither party is heard."""
    best, start, run = (0, 0), 0, 0
    for i, w in enumerate(windows):
        run = run + 1 if not w else 0
        if run == 1:
            start = i
        best = max(best, (run, start))
    return best[1], best[0]


def seconds(at: str) -> float:
    return datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()


def test_external_party_pauses_and_resumes_with_feature_codes(pbx: Pbx) -> None:
    pbx.apply(caller=[*CONSENT, ("wait", "6"), ("dtmf", "*7"), ("wait", "4"), ("dtmf", "*8"),
                      ("wait", "5")],
              callee=[*CONSENT, ("wait", "40")])
    call = pbx.place()
    [wav] = pbx.recordings(call)
    wait_for(lambda: Path(f"{wav}.done").exists(), "the .done marker")
    rows = pbx.evidence(call)
    assert controls(rows) == [("pause", "caller", "dtmf", "paused"),
                              ("resume", "caller", "dtmf", "recording"),
                              ("end", "hangup", "dialplan", "recording")], rows
    at = {r["event"]: seconds(r["at"]) for r in rows}
    recorded = at["end"] - at["start"] - (at["resume"] - at["pause"])
    windows = file_tones(wav)
    # The paused span is not in the file: it holds the two segments, appended, both parties
    # heard in each, and lasts as long as the call was recorded minus the pause.
    assert abs(len(windows) / 2 - recorded) <= 1.5, (recorded, describe(windows))
    assert all({ALICE_HZ, BOB_HZ} <= w for w in windows[1:-1]), describe(windows)
    pause = next(r for r in rows if r["event"] == "pause")
    assert pause["recording_id"] == wav.stem and pause["channel"].startswith("Local/callee@")
    assert len(call.named("MixMonitorStart")) == 2 and len(call.named("MixMonitorStop")) == 1


def test_stop_by_the_external_party_ends_the_recording_there(pbx: Pbx) -> None:
    pbx.apply(caller=[*CONSENT, ("wait", "6"), ("dtmf", "*9"), ("wait", "8")],
              callee=[*CONSENT, ("wait", "40")])

    async def main() -> tuple[object, bool]:
        async with pbx.bridge() as bridge:
            call = await pbx.call(bridge)
            await await_for(lambda: list(pbx.spool.glob("*.done")), "the recording to end")
            still_up = len(call.named("Hangup")) == 0  # the call outlives the recording
            await pbx.hung_up(call)
            await asyncio.sleep(SETTLE_S)
            return call, still_up

    call, still_up = asyncio.run(main())
    assert still_up, "the recording ended only with the call"
    assert len(call.named("MixMonitorStop")) == 1
    rows = pbx.evidence(call)
    assert controls(rows) == [("stop", "caller", "dtmf", "stopped"),
                              ("end", "hangup", "dialplan", "stopped")], rows
    [wav] = pbx.recordings(call)
    windows = file_tones(wav)
    assert windows and all(len(windows) - i <= 3 or w for i, w in enumerate(windows)), \
        describe(windows)  # audio until the stop, no silent tail: the file ended there


def test_cli_pauses_resumes_and_stops_a_live_call(pbx: Pbx, run_cli: CliCall) -> None:
    assert run_cli("recording-policy", "defaults", "--consent", "none").exit_code == 0
    pbx.apply(caller=[("wait", "40")], callee=[("wait", "40")])

    def cli(*args: str) -> str:
        result = run_cli(*args)
        assert result.exit_code == 0, result.output
        return result.output

    async def main() -> object:
        async with pbx.bridge() as bridge:
            call = await pbx.call(bridge)
            await await_for(lambda: call.named("BridgeEnter")[1:], "the call to be bridged")
            await asyncio.sleep(2)
            out = await asyncio.to_thread(cli, "live", "pause", call.linkedid)
            assert "muted" in out
            again = await asyncio.to_thread(run_cli, "live", "pause", call.linkedid)
            assert again.exit_code != 0 and "it is muted" in again.output
            await asyncio.sleep(3)
            await asyncio.to_thread(cli, "live", "resume", call.linkedid)
            await asyncio.sleep(3)
            await asyncio.to_thread(cli, "live", "stop-recording", call.linkedid)
            await await_for(lambda: list(pbx.spool.glob("*.done")), "the recording to end")
            await bridge.ami_action({"Action": "Hangup", "Channel": "/^Local/caller@/"})
            await pbx.hung_up(call)
            await asyncio.sleep(SETTLE_S)
            return call

    call = asyncio.run(main())
    rows = pbx.evidence(call)
    actor = f"cli:{current_actor()}"
    assert [(r["event"], r["leg"], r["outcome"]) for r in rows if r["event"] == "prompt"] == [
        ("prompt", "caller", "announce"), ("prompt", "callee", "announce")]
    assert controls(rows)[:3] == [("pause", actor, "cli", "muted"),
                                  ("resume", actor, "cli", "recording"),
                                  ("stop", actor, "cli", "stopped")], rows
    [wav] = pbx.recordings(call)
    windows = file_tones(wav)
    assert longest_silence(windows)[1] >= 4, describe(windows)
    assert len(call.named("MixMonitorMute")) == 2 and len(call.named("MixMonitorStop")) == 1
