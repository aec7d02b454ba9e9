"""What a caller controls never reaches an application argument unfiltered (AST-2010-002's class).

The whole rendered dialplan of a fully provisioned installation is audited: every reference to a
value the caller chooses (the dialled string, caller ID, connected line, redirecting, SIP
headers) must be the string argument of FILTER() or LEN(). The live proof that a dialled
``,internal,1001,1002`` or ``&PJSIP/...`` changes nothing is in
tests/integration/test_dialplan_injection.py.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from asterisk_bridge.context import App
from asterisk_bridge.generator.apply import render
from asterisk_bridge.generator.conffile import sections
from tests.conftest import CliCall

#: References to caller-controlled values: ${EXTEN}, ${EXTEN:n}, CUT(EXTEN,...), ${CALLERID(..)}...
CALLER_CONTROLLED = re.compile(
    r"\$\{(?:EXTEN|DNID|RDNIS|CALLERID\(|CONNECTEDLINE\(|REDIRECTING\(|PJSIP_HEADER\(|"
    r"SIP_HEADER\(|PJSIP_PARSE_URI\(|PJSIP_DTMF_MODE)|\((?:EXTEN|DNID)\b")
#: What may immediately wrap such a reference: FILTER(<allowed>, ...) or LEN(...).
GUARD = re.compile(r"(?:FILTER\([^,()$]*,|LEN\()$")


@pytest.fixture
def provisioned(app: App, run_cli: CliCall) -> App:
    """Every kind of entity, so every generated context is rendered."""
    for argv in (["extension", "add", "1001", "--name", "Alice", "--voicemail"],
                 ["extension", "add", "1002", "--name", "Bob"],
                 ["trunk", "add", "t1", "--host", "192.0.2.1", "--identify", "192.0.2.0/24"],
                 ["trunk", "add", "t2", "--host", "sip.example.net"],
                 ["queue", "add", "q1", "--number", "6001", "--member", "1001",
                  "--member", "1002"],
                 ["conference", "add", "c1", "--number", "7001", "--pin", "1234"],
                 ["route", "outbound", "add", "o1", "--pattern", "_9.", "--trunk", "t1",
                  "--trunk", "t2", "--strip", "1", "--prepend", "44"],
                 ["route", "outbound", "add", "o2", "--pattern", "_00X!", "--trunk", "t2"],
                 ["route", "inbound", "add", "5550100", "--to", "queue:q1"],
                 ["speeddial", "add", "*71", "--number", "7001"],
                 ["recording-policy", "set", "trunk", "t1", "force"]):
        result = run_cli(*argv)
        assert result.exit_code == 0, result.output
    return app


def _violations(text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        code = line.split(";", 1)[0]
        for m in CALLER_CONTROLLED.finditer(code):
            if not GUARD.search(code[:m.start()]):
                found.append(f"line {number}: {line.strip()}")
    return found


def test_caller_controlled_values_reach_applications_only_filtered(provisioned: App) -> None:
    text = render(provisioned)["extensions.conf"]
    assert "${EXTEN" in text  # the audit has something to audit
    assert _violations(text) == []


def test_the_audit_catches_what_main_rendered() -> None:
    """The outbound line as it was before dialled strings were filtered, and other shapes."""
    bad = [" same => n,Gosub(voco-dial,s,1(PJSIP/44${EXTEN:1}@trunk-t1,outbound,x,t1,o1))",
           "exten => _X.,1,Gosub(voco-dial,s,1(PJSIP/${EXTEN},${VOCO_KIND},x,${EXTEN}))",
           " same => n,Set(CDR(x)=${CALLERID(num)})",
           " same => n,Wait(${CUT(EXTEN,-,3)})",
           " same => n,Set(N=${FILTER(0-9,${EXTEN})}${EXTEN})"]
    flagged = {v.split(":", 1)[0] for v in _violations("\n".join(bad))}
    assert flagged == {f"line {n}" for n in range(1, 6)}


def test_an_outbound_route_refuses_a_dialled_string_that_is_not_a_number(
        provisioned: App) -> None:
    text = render(provisioned)["extensions.conf"]
    [route] = [s for s in sections(text) if s.name == "voco-out-o1"]
    lines = [v for _, v in route.options]
    assert lines[1] == "n,Set(VOCO_NUMBER=${FILTER(0123456789*#+,${EXTEN})})"
    assert lines[2] == "n,GotoIf($[${LEN(${VOCO_NUMBER})} != ${LEN(${EXTEN})}]?refused)"
    dials = [v for v in lines if "Gosub(voco-dial" in v]
    assert dials == [
        "n,Gosub(voco-dial,s,1(PJSIP/44${VOCO_NUMBER:1}@trunk-t1,outbound,${VOCO_CALLER},t1,o1))",
        "n,Gosub(voco-dial,s,1(PJSIP/44${VOCO_NUMBER:1}@trunk-t2,outbound,${VOCO_CALLER},t2,o1))"]
    assert lines[-1] == "n(refused),Hangup(28)"


def test_queue_members_are_literal_extensions(provisioned: App) -> None:
    text = render(provisioned)["extensions.conf"]
    [member] = [s for s in sections(text) if s.name == "voco-queue-member"]
    assert member.values("exten") == [
        "1001,1,Gosub(voco-dial,s,1(PJSIP/1001,${VOCO_KIND},${VOCO_CALLER},1001))",
        "1002,1,Gosub(voco-dial,s,1(PJSIP/1002,${VOCO_KIND},${VOCO_CALLER},1002))"]


def test_voco_dial_ends_a_call_whose_arguments_were_split(provisioned: App) -> None:
    text = render(provisioned)["extensions.conf"]
    [dial] = [s for s in sections(text) if s.name == "voco-dial"]
    assert dial.options[0][1] == "s,1,GotoIf($[${ARGC} < 4 | ${ARGC} > 5]?malformed)"
    assert dial.options[-1][1] == "n(malformed),Hangup(111)"


def test_sandbox_calls_filter_what_they_pass_on(provisioned: App) -> None:
    provisioned.config = replace(provisioned.config,
                                 asterisk=replace(provisioned.config.asterisk, sandbox=True))
    text = render(provisioned)["extensions.conf"]
    [calls] = [s for s in sections(text) if s.name == "sandbox-calls"]
    passing = [v for _, v in calls.options if "Dial(" in v or "Gosub(" in v]
    assert len(passing) == 2 and _violations("\n".join(passing)) == []
