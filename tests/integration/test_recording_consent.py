"""Consent on real Asterisk: the generated voco-dial asks, records only with consent, and the
store holds the evidence of who heard what and answered what, when."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from asterisk_bridge.config import write_config
from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from tests.audio import ALICE_HZ, BOB_HZ, describe, file_tones
from tests.conftest import CliCall
from tests.integration.consent_harness import SETTLE_S, Call, Pbx
from tests.polling import await_for, wait_for

pytestmark = pytest.mark.asterisk
ASK = "conf-now-recording&if-correct-press&digits/1"


@pytest.fixture
def pbx(app: App, asterisk: Instance) -> Pbx:
    """The Voco installation pointed at the sandbox."""
    app.config.asterisk = asterisk.settings()
    write_config(app.config)
    return Pbx(app, asterisk)


def ok(run_cli: CliCall, *args: str) -> str:
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    return result.output


def facts(rows: list[dict[str, str]]) -> list[tuple[str, ...]]:
    return [(r["event"], r["leg"], r["digit"], r["outcome"]) for r in rows]


def test_consent_given_records_both_parties_with_evidence(pbx: Pbx, run_cli: CliCall) -> None:
    ok(run_cli, "recording-policy", "set", "trunk", "carrier", "yes")
    pbx.apply(caller=[("wait", "3"), ("dtmf", "1"), ("wait", "14")],
              callee=[("wait", "3"), ("dtmf", "1"), ("wait", "30")])
    call = pbx.place()
    [wav] = pbx.recordings(call)
    wait_for(lambda: Path(f"{wav}.done").exists(), "the post-recording .done marker")
    windows = file_tones(wav)
    both = sum(1 for w in windows if {ALICE_HZ, BOB_HZ} <= w)
    assert both >= len(windows) * 0.8 and both >= 6, describe(windows)

    rows = pbx.evidence(call)
    rec_id = wav.stem
    assert facts(rows) == [
        ("decision", "", "", "record"),
        ("prompt", "caller", "", "ask"),
        ("answer", "caller", "1", "given"),
        ("prompt", "callee", "", "ask"),
        ("answer", "callee", "1", "given"),
        ("start", "callee", "", "recording"),
        ("end", "callee", "", "recording"),
    ], rows
    assert "rule=trunk:carrier mode=yes consent=both kind=inbound" in rows[0]["detail"]
    assert rows[1]["prompt"] == ASK and rows[3]["prompt"] == ASK
    assert rows[2]["actor"] == "caller" and rows[4]["actor"] == "callee"
    assert rows[5]["recording_id"] == rec_id and rows[6]["recording_id"] == rec_id
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    assert rows[1]["channel"].startswith("Local/caller@recphone")
    assert rows[3]["channel"].startswith("Local/callee@recphone")
    # the same markers went into Asterisk's own record (CEL)
    cel = {e["EventName"] for e in call.named("CEL") if e["EventName"].startswith("VOCO_REC_")}
    assert {"VOCO_REC_DECISION", "VOCO_REC_PROMPT", "VOCO_REC_ANSWER", "VOCO_REC_START",
            "VOCO_REC_END"} <= cel
    shown = ok(run_cli, "live", "evidence", call.linkedid)
    assert "answer" in shown and rec_id in shown


@pytest.mark.parametrize(("who", "caller", "callee", "expected"), [
    ("callee declines", [("wait", "3"), ("dtmf", "1"), ("wait", "12")],
     [("wait", "3"), ("dtmf", "2"), ("wait", "30")],
     [("decision", "", "", "record"), ("prompt", "caller", "", "ask"),
      ("answer", "caller", "1", "given"), ("prompt", "callee", "", "ask"),
      ("answer", "callee", "2", "declined")]),
    ("caller times out", [("wait", "12")], [("wait", "30")],
     [("decision", "", "", "record"), ("prompt", "caller", "", "ask"),
      ("answer", "caller", "", "timeout")]),
])
def test_refused_consent_connects_the_call_unrecorded(
        pbx: Pbx, run_cli: CliCall, who: str, caller: list[tuple[str, str]],
        callee: list[tuple[str, str]], expected: list[tuple[str, ...]]) -> None:
    ok(run_cli, "recording-policy", "set", "trunk", "carrier", "yes")
    ok(run_cli, "recording-policy", "defaults", "--timeout", "2")
    pbx.apply(caller=caller, callee=callee)
    call = pbx.place()
    assert call.named("MixMonitorStart") == [], who
    assert pbx.recordings(call) == [] and list(pbx.spool.iterdir()) == []
    assert len([e for e in call.named("BridgeEnter")]) == 2, "the call was not connected"
    assert facts(pbx.evidence(call)) == expected


def test_never_beats_force(pbx: Pbx, run_cli: CliCall) -> None:
    ok(run_cli, "recording-policy", "set", "trunk", "carrier", "force")
    ok(run_cli, "recording-policy", "set", "ext", "1001", "never", "--priority", "0")
    assert "do not record: rule ext:1001 (never)" in ok(
        run_cli, "recording-policy", "explain", "inbound", "carrier", "1001")
    pbx.apply(caller=[("wait", "3"), ("dtmf", "1"), ("wait", "6")],
              callee=[("wait", "3"), ("dtmf", "1"), ("wait", "30")])
    call = pbx.place()
    rows = pbx.evidence(call)
    assert facts(rows) == [("decision", "", "", "skip")]
    assert "rule=ext:1001 mode=never" in rows[0]["detail"]
    assert call.named("MixMonitorStart") == [] and pbx.recordings(call) == []


CAROL_HZ = 800
TRANSFER = """
[rectransfer]
exten => 1002,1,Gosub(voco-dial,s,1(Local/carol@recphone/n,internal,1001,1002))
 same => n,Hangup()
[recphone]
exten => carol,1,Answer()
 same => n,PlayTones(800)
 same => n,Wait(8)
 same => n,Hangup()
"""


def test_after_a_transfer_the_new_party_hears_the_announcement(pbx: Pbx,
                                                               run_cli: CliCall) -> None:
    ok(run_cli, "recording-policy", "set", "trunk", "carrier", "yes")  # internal calls: off
    pbx.apply(caller=[("wait", "3"), ("dtmf", "1"), ("wait", "30")],
              callee=[("wait", "3"), ("dtmf", "1"), ("wait", "40")], extra=TRANSFER)

    async def main() -> Call:
        async with pbx.bridge() as bridge:
            call = await pbx.call(bridge)
            await await_for(lambda: call.named("MixMonitorStart") and call.named("BridgeEnter")[1:],
                            "the recorded call to be bridged")
            await asyncio.sleep(2)
            caller = call.named("BridgeEnter")[-1]["Channel"]
            resp = await bridge.ami_action({"Action": "BlindTransfer", "Channel": caller,
                                            "Context": "rectransfer", "Exten": "1002"})
            assert resp.get("Response") == "Success", resp
            await pbx.hung_up(call)
            await asyncio.sleep(SETTLE_S)
            return call

    call = asyncio.run(main())
    rows = pbx.evidence(call)
    joined = [r for r in rows if r["event"] == "prompt" and r["channel"].startswith("Local/carol")]
    assert len(joined) == 1 and joined[0]["outcome"] == "announce", rows
    [wav] = pbx.recordings(call)
    assert joined[0]["detail"] == f"joins={wav.stem}"
    played = [e for e in call.named("VarSet") if e.get("Variable") == "PLAYBACKSTATUS"
              and e["Channel"].startswith("Local/carol")]
    assert [e["Value"] for e in played] == ["SUCCESS"]
    windows = file_tones(wav, freqs=(ALICE_HZ, BOB_HZ, CAROL_HZ))
    assert any({BOB_HZ, CAROL_HZ} <= w for w in windows), describe(windows)  # still recording
