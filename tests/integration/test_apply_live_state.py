"""After every ``voco apply``, what Asterisk enforces is what Voco's state says, on real Asterisk.

A reload does not undo everything: a global removed from extensions.conf kept its value
(``clearglobalvars=no``), so a cleared recording rule went on recording while ``explain`` said it
would not. Each test changes state, applies, and then checks what Asterisk really does (a call's
recording decision, ``dialplan show``, ``pjsip show``, ``features show``), not what was written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from asterisk_bridge.config import load_config, write_config
from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from tests.conftest import CliCall
from tests.integration.provision_support import AmiListener, Event, attach, ok
from tests.polling import wait_for

pytestmark = pytest.mark.asterisk


@pytest.fixture
def voco(app: App, config_path: Path, asterisk: Instance, run_cli: CliCall) -> CliCall:
    attach(config_path, asterisk)
    return run_cli


@pytest.fixture
def ami(asterisk: Instance) -> Iterator[AmiListener]:
    listener = AmiListener(asterisk)
    yield listener
    listener.close()


def _call_2001(ami: AmiListener) -> tuple[str, list[Event]]:
    """The demo's carrier call to extension 2001 through the generated voco-dial (bob answers
    and presses 1); return its recording decision and every event of the call once it ended."""
    start = len(ami.events)

    def since(pred: Callable[[Event], bool]) -> list[Event]:
        return [e for e in ami.events[start:] if pred(e)]

    def caller(e: Event) -> bool:
        return e.get("Event") == "Newexten" and e.get("Context") == "sandbox-calls" \
            and e.get("Exten") == "demo-2001"

    ami.originate("Local/alice-n-1-12@phone/n", "sandbox-calls", "demo-2001")
    wait_for(lambda: since(caller), "the call to 2001")
    new = since(caller)[0]
    channel, linked = new["Channel"], new["Linkedid"]
    ami.wait(lambda e: e.get("Event") == "Hangup" and e.get("Channel") == channel,
             what="the call's end")
    events = since(lambda e: e.get("Linkedid") == linked or e.get("Channel") == channel)
    [decision] = [e for e in events if e.get("UserEvent") == "VocoRecording"
                  and e.get("Stage") == "decision"]
    rule, mode = decision["Detail"].split()[:2]
    return f"{decision['Outcome']} {rule} ({mode.removeprefix('mode=')})", events


def _explained(voco: CliCall) -> str:
    """What ``recording-policy explain`` says for the same call, in the decision's words."""
    out = ok(voco("recording-policy", "explain", "inbound", "carrier", "2001")).output
    m = re.match(r"(record|do not record): rule (\S+) (\(\w+\))", out)
    assert m, out
    return f"{'record' if m.group(1) == 'record' else 'skip'} rule={m.group(2)} {m.group(3)}"


def _recorded(events: list[Event]) -> bool:
    return any(e.get("Event") == "MixMonitorStart" for e in events)


def test_adding_changing_and_clearing_a_rule_is_what_calls_get(voco: CliCall, ami: AmiListener,
                                                               asterisk: Instance) -> None:
    steps = [(["set", "ext", "2001", "yes", "--consent", "none"], "record rule=ext:2001 (yes)"),
             (["set", "ext", "2001", "no"], "skip rule=ext:2001 (no)"),
             (["set", "ext", "2001", "force", "--consent", "none"],
              "record rule=ext:2001 (force)"),
             (["clear", "ext", "2001"], "skip rule=default (no)")]
    for argv, expected in steps:
        ok(voco("recording-policy", *argv))
        ok(voco("apply"))
        decision, events = _call_2001(ami)
        assert (decision, _explained(voco)) == (expected, expected), argv
        assert _recorded(events) == expected.startswith("record"), argv
    assert "VOCO_RECP_" not in asterisk.rx("dialplan show globals")
    rules = asterisk.rx("dialplan show voco-rec-rules")
    assert "-= 1 extension (1 priority) in 1 context. =-" in rules  # only the fallback


def _endpoints(inst: Instance) -> set[str]:
    return set(re.findall(r"^ Endpoint:  ([^/\s<]+)", inst.rx("pjsip show endpoints"), re.M))


def _contexts(inst: Instance) -> set[str]:
    return set(re.findall(r"\[ Context '([^']+)'", inst.rx("dialplan show")))


def test_removed_entities_leave_nothing_live(voco: CliCall, asterisk: Instance) -> None:
    for argv in (["extension", "add", "1001", "--name", "Alice"],
                 ["extension", "add", "1002", "--name", "Bob"],
                 ["trunk", "add", "carrier", "--host", "192.0.2.10",
                  "--identify", "192.0.2.0/24"],
                 ["queue", "add", "sales", "--number", "6001", "--member", "1001",
                  "--member", "1002"],
                 ["route", "outbound", "add", "out", "--pattern", "_9.", "--trunk", "carrier"],
                 ["speeddial", "add", "*72", "--number", "1002"]):
        ok(voco(*argv))
    ok(voco("trunk", "add", "reg", "--host", "127.0.0.1", "--port", "9", "--username", "acct",
            "--register", "--secret-stdin", input="provider-pass-123\n"))
    ok(voco("apply"))
    assert _endpoints(asterisk) == {"1001", "1002", "trunk-carrier", "trunk-reg"}
    assert "trunk-reg-reg" in asterisk.rx("pjsip list registrations")
    assert "trunk-carrier-identify" in asterisk.rx("pjsip show identifies")
    assert "voco-out-out" in _contexts(asterisk)
    assert "'1002' =>" in asterisk.rx("dialplan show voco-queue-member")
    assert "sales" in asterisk.rx("queue show sales")

    for argv in (["route", "outbound", "remove", "out"], ["queue", "remove", "sales"],
                 ["speeddial", "remove", "*72"], ["extension", "remove", "1002"],
                 ["trunk", "remove", "reg"], ["trunk", "remove", "carrier"],
                 ["recording-policy", "defaults", "--pause-code", "*71"]):
        ok(voco(*argv))
    ok(voco("apply"))
    assert _endpoints(asterisk) == {"1001"}
    assert "trunk-reg" not in asterisk.rx("pjsip list registrations")
    assert "Objects found" not in asterisk.rx("pjsip show identifies")
    assert "voco-out-out" not in _contexts(asterisk)
    assert "1002" not in asterisk.rx("dialplan show voco-ext")
    assert "1002" not in asterisk.rx("dialplan show voco-queue-member")
    assert "No such queue" in asterisk.rx("queue show sales")
    features = asterisk.rx("features show")
    assert re.search(r"^vocorecpause\s+no def\s+\*71\s*$", features, re.M), features


def test_apply_repairs_live_state_that_drifted(voco: CliCall, asterisk: Instance) -> None:
    """Files unchanged, Asterisk changed by hand: apply notices and reloads, it does not say
    'nothing to change' over a stale rule."""
    ok(voco("extension", "add", "1001", "--name", "Alice"))
    ok(voco("apply"))
    asterisk.rx("dialplan set global VOCO_RECP_stale force/9999/none")
    asterisk.rx("dialplan add extension 2999,1,NoOp,stray into voco-ext")
    assert "'2999'" in asterisk.rx("dialplan show voco-ext")
    out = ok(voco("apply")).output
    assert "nothing to change" in out
    assert "'2999'" not in asterisk.rx("dialplan show voco-ext")
    assert re.search(r"^\s+VOCO_RECP_stale=$", asterisk.rx("dialplan show globals"), re.M)


def test_a_change_asterisk_cannot_make_live_is_rolled_back(voco: CliCall, app: App,
                                                           asterisk: Instance) -> None:
    """PJSIP keeps a transport's address until a restart, so a new SIP port reloads cleanly
    but is not live: apply fails, names the transport, and restores the previous files."""
    ok(voco("extension", "add", "1001", "--name", "Alice"))
    ok(voco("apply"))
    before = (asterisk.etc_dir / "pjsip.conf").read_text()
    cfg = load_config(app.config.path)
    port = cfg.asterisk.sip_port
    write_config(replace(cfg, asterisk=replace(cfg.asterisk, sip_port=port + 1)))
    result = voco("apply")
    assert result.exit_code != 0
    assert "transport transport-udp" in result.output and f":{port}" in result.output
    assert "previous files were restored and are live again" in result.output
    assert (asterisk.etc_dir / "pjsip.conf").read_text() == before
