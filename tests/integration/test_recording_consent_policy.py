"""The policy algebra as Asterisk runs it equals :func:`policy.decide`, case by case; and an
uploaded prompt is converted, installed and played by the generated dialplan."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
from pathlib import Path

import pytest

from asterisk_bridge.config import write_config
from asterisk_bridge.context import App
from asterisk_bridge.generator.pbx import render_pbx
from asterisk_bridge.provisioning import secrets
from asterisk_bridge.recording import policy
from asterisk_bridge.sandbox.instance import Instance
from tests.conftest import CliCall
from tests.integration.consent_harness import Pbx
from tests.polling import await_for

pytestmark = pytest.mark.asterisk
PROBE = """
[recprobe]
exten => _X.,1,Gosub(voco-rec-policy,s,1(${KIND},${CALLER},${CALLEE},${ROUTE}))
 same => n,UserEvent(VocoProbe,Case: ${EXTEN},Record: ${VOCO_REC},Rule: ${VOCO_REC_RULE},\
Consent: ${VOCO_REC_CONSENT},AskCaller: ${VOCO_REC_ASK_CALLER},AskCallee: ${VOCO_REC_ASK_CALLEE})
 same => n,Hangup()
[recnull]
exten => s,1,Answer()
 same => n,Wait(2)
"""
MODES = (None, *policy.MODES)


@pytest.fixture
def pbx(app: App, asterisk: Instance) -> Pbx:
    app.config.asterisk = asterisk.settings()
    write_config(app.config)
    return Pbx(app, asterisk)


def cases() -> list[tuple[str, str, str, str, str | None, str | None, str | None, int, int]]:
    """(kind, caller, callee, route, caller mode, callee mode, route mode, prio A, prio B)."""
    out = []
    combos = itertools.product(MODES, MODES, (None, "yes", "no", "never"))
    for i, (ma, mb, mr) in enumerate(combos):
        kind = policy.KINDS[i % 3]
        ext_a, ext_b, trunk = f"2{i:03d}", f"3{i:03d}", f"carrier-{i}.x"
        caller = trunk if kind == "inbound" else ext_a
        callee = trunk if kind == "outbound" else ext_b
        out.append((kind, caller, callee, f"r{i}" if i % 2 else "", ma, mb, mr, i % 7 * 3, 10))
    return out


def test_dialplan_decides_like_the_python_algebra(pbx: Pbx) -> None:
    engine = pbx.app.engine
    policy.store_settings(engine, {"consent": "external"})
    table = cases()
    for kind, caller, callee, route, ma, mb, mr, pa, pb in table:
        sa, sb = policy.party_scopes(kind)
        for scope, key, mode, prio in ((sa, caller, ma, pa), (sb, callee, mb, pb),
                                       ("route", route, mr, 10)):
            if mode and key:
                policy.set_rule(engine, policy.make_rule(scope, key, mode, prio,
                                                         "both" if prio == 6 else ""))
    with secrets.unlocked(pbx.app.master_key):
        files = render_pbx(engine, pbx.inst.node_context())
    pbx.inst.write_files({**files, "extensions_test.conf": PROBE})
    assert "failure" not in pbx.inst.rx("module reload pbx_config")
    rules, cfg = policy.rules(engine), policy.settings(engine)

    async def main() -> dict[str, dict[str, str]]:
        async with pbx.bridge() as bridge:
            for n, (kind, caller, callee, route, *_rest) in enumerate(table):
                await bridge.ami_action({
                    "Action": "Originate", "Channel": "Local/s@recnull/n",
                    "Context": "recprobe", "Exten": str(1000 + n), "Priority": "1",
                    "Async": "true",
                    "Variable": f"KIND={kind},CALLER={caller},CALLEE={callee},ROUTE={route}"})

            def answers() -> dict[str, dict[str, str]]:
                return {e["Case"]: e for e in pbx.seen if e.get("UserEvent") == "VocoProbe"}

            await await_for(lambda: len(answers()) == len(table), "every probe's answer", 120)
            return answers()

    got = asyncio.run(main())
    for n, (kind, caller, callee, route, *_rest) in enumerate(table):
        d = policy.decide(rules, cfg, kind, caller, callee, route)
        e = got[str(1000 + n)]
        assert (e["Record"], e["Rule"], e["Consent"], e["AskCaller"], e["AskCallee"]) == (
            str(int(d.record)), d.rule, d.consent, str(int(d.ask_caller)),
            str(int(d.ask_callee))), table[n]


def test_uploaded_prompt_is_converted_installed_and_played(pbx: Pbx, run_cli: CliCall,
                                                           tmp_path: Path) -> None:
    src = tmp_path / "notice.wav"  # "any WAV": 44.1 kHz stereo, converted on upload
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", str(src), "synth", "1.5", "sine",
                    "300"], check=True)
    for args in (("prompt", "upload", "notice", str(src), "--lib-dir",
                  str(pbx.inst.base / "lib")),
                 ("prompt", "assign", "inbound", "announce", "notice"),
                 ("recording-policy", "set", "trunk", "carrier", "yes", "--consent", "none")):
        result = run_cli(*args)
        assert result.exit_code == 0, result.output
    installed = pbx.inst.base / "lib" / "voco-prompts" / "notice.wav"
    assert installed.read_bytes()[22:28] == b"\x01\x00\x40\x1f\x00\x00"  # mono, 8000 Hz
    assert "notice" in run_cli("prompt", "list").output
    refused = run_cli("prompt", "remove", "notice")
    assert refused.exit_code == 2 and "in use" in refused.output
    pbx.apply(caller=[("wait", "8")], callee=[("wait", "8")])
    call = pbx.place()
    played = [e for e in call.named("VarSet") if e.get("Variable") == "PLAYBACKSTATUS"]
    assert [e["Value"] for e in played] == ["SUCCESS", "SUCCESS"], played
    rows = [r for r in pbx.evidence(call) if r["event"] == "prompt"]
    assert [(r["leg"], r["prompt"], r["outcome"]) for r in rows] == [
        ("caller", "voco:notice", "announce"), ("callee", "voco:notice", "announce")]
    assert len(pbx.recordings(call)) == 1
