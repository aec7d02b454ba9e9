"""What apply expects Asterisk to run, read back from the rendered files (no Asterisk here; the
live comparison is proven in tests/integration/test_apply_live_state.py)."""

from __future__ import annotations

from asterisk_bridge.context import App
from asterisk_bridge.generator import livestate
from asterisk_bridge.generator.apply import render
from asterisk_bridge.generator.conffile import first_field, sections
from tests.conftest import CliCall


def test_sections_follow_includes_and_keep_repeated_names() -> None:
    text = "[general]\nstatic=yes ; comment\n[1001]\ntype=endpoint\n#tryinclude more.conf\n" \
           "#include missing.conf\n[1001]\ntype = auth\n"
    found = sections(text, lambda name: "[t]\nexten => _X.,1,NoOp(a;b)\n"
                     if name == "more.conf" else None)
    assert [(s.name, s.options) for s in found] == [
        ("general", [("static", "yes")]), ("1001", [("type", "endpoint")]),
        ("t", [("exten", "_X.,1,NoOp(a")]), ("1001", [("type", "auth")])]
    assert first_field("_9[0-9,]X.,1,NoOp()") == "_9[0-9,]X."


def test_every_kind_is_read_from_a_real_render(app: App, run_cli: CliCall) -> None:
    for argv in (["extension", "add", "1001", "--name", "Alice"],
                 ["trunk", "add", "carrier", "--host", "192.0.2.1", "--identify", "192.0.2.0/24",
                  "--identify", "2001:db8::/32"],
                 ["queue", "add", "sales", "--number", "6001", "--member", "1001"],
                 ["recording-policy", "set", "ext", "1001", "yes"]):
        assert run_cli(*argv).exit_code == 0
    files = render(app)
    expected = {k.name: k.expected(sections(files[k.file])) for k in livestate.KINDS}
    assert expected["globals"]["VOCO_REC_DEFAULT_MODE"] == "no"
    assert not [g for g in expected["globals"] if g.startswith("VOCO_RECP_")]
    assert "1001" in expected["dialplan"]["voco-queue-member"]
    assert len(expected["dialplan"]["voco-rec-rules"].split(";")[0].split()) == 3  # 1 rule
    assert expected["pjsip"]["identify trunk-carrier-identify"] == \
        "endpoint trunk-carrier; match 192.0.2.0/24 2001:db8::/32"
    assert {"endpoint 1001", "auth 1001", "aor 1001", "endpoint trunk-carrier"} <= \
        set(expected["pjsip"])
    assert expected["features"] == {"vocorecpause": "*7", "vocorecresume": "*8",
                                    "vocorecstop": "*9", "vocorecpausepeer": "*7",
                                    "vocorecresumepeer": "*8", "vocorecstoppeer": "*9"}
    assert expected["queues"] == {"sales": "Local/1001@voco-queue-member/n"}


def test_comparison_names_missing_stale_and_changed_state() -> None:
    pjsip = next(k for k in livestate.KINDS if k.name == "pjsip")
    problems = livestate._compare(
        pjsip, {"endpoint 1001": "", "transport transport-udp": "0.0.0.0:5061"},
        {"endpoint 1002": "", "transport transport-udp": "0.0.0.0:5060"})
    assert problems == [
        "pjsip: endpoint 1001 is rendered but missing in Asterisk",
        "pjsip: endpoint 1002 is still live in Asterisk but no longer rendered ()",
        "pjsip: transport transport-udp is '0.0.0.0:5060' in Asterisk but '0.0.0.0:5061' in the "
        "rendered files (PJSIP changes a transport only when Asterisk restarts)"]
    dialplan = next(k for k in livestate.KINDS if k.name == "dialplan")
    assert livestate._compare(dialplan, {}, {"pinphone": "x", "voco-old": "y"}) == [
        "dialplan: voco-old is still live in Asterisk but no longer rendered (y)"]


def test_comparison_never_shows_a_secret_global() -> None:
    globals_ = next(k for k in livestate.KINDS if k.name == "globals")
    problems = livestate._compare(
        globals_, {"VOCO_EVENT_SECRET": "rendered-secret"},
        {"VOCO_EVENT_SECRET": "live-secret", "VOCO_PEER_INNER_SECRET": "old-peer-secret"})
    assert problems == [
        "globals: VOCO_EVENT_SECRET in Asterisk is not the rendered secret",
        "globals: VOCO_PEER_INNER_SECRET is still live in Asterisk but no longer rendered"]
