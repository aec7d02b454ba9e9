"""The recording policy algebra, its storage and its compilation into dialplan."""

from __future__ import annotations

import hashlib

import pytest

from asterisk_bridge.context import App
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.recording import dialplan, policy
from asterisk_bridge.recording.policy import Rule, decide

CFG = dict(policy.DEFAULTS)


def rule(ref: str, mode: str, priority: int = 10, consent: str = "") -> Rule:
    scope, key = ref.split(":")
    return Rule(scope, key, mode, priority, consent)


def test_off_by_default() -> None:
    d = decide([], CFG, "inbound", "carrier", "1001")
    assert (d.record, d.rule, d.mode) == (False, "default", "no")


@pytest.mark.parametrize(("rules", "record", "winner"), [
    ([rule("trunk:carrier", "force"), rule("ext:1001", "never", 0)], False, "ext:1001"),
    ([rule("trunk:carrier", "never"), rule("ext:1001", "force", 99)], False, "trunk:carrier"),
    ([rule("ext:1001", "force"), rule("trunk:carrier", "no", 99)], True, "ext:1001"),
    ([rule("trunk:carrier", "yes"), rule("ext:1001", "no")], True, "trunk:carrier"),  # caller 1st
    ([rule("trunk:carrier", "yes", 5), rule("ext:1001", "no", 20)], False, "ext:1001"),
    ([rule("trunk:carrier", "dontcare"), rule("ext:1001", "yes")], True, "ext:1001"),
    ([rule("route:main", "yes"), rule("ext:1001", "no", 0)], False, "ext:1001"),
    ([rule("route:main", "yes")], True, "route:main"),
    ([rule("route:main", "never"), rule("ext:1001", "force")], False, "route:main"),
])
def test_algebra(rules: list[Rule], record: bool, winner: str) -> None:
    d = decide(rules, CFG, "inbound", "carrier", "1001", "main")
    assert (d.record, d.rule) == (record, winner)


def test_global_never_and_force_take_part() -> None:
    yes = [rule("ext:1001", "yes", 99)]
    assert not decide(yes, {**CFG, "default_mode": "never"}, "internal", "1000", "1001").record
    no = [rule("ext:1001", "no", 99)]
    assert decide(no, {**CFG, "default_mode": "force"}, "internal", "1000", "1001").record


def test_keys_are_scoped_by_call_kind() -> None:
    rules = [rule("trunk:1001", "yes")]  # a trunk named like an extension
    assert not decide(rules, CFG, "internal", "1000", "1001").record
    assert decide(rules, CFG, "outbound", "1000", "1001").record


@pytest.mark.parametrize(("kind", "consent", "asked"), [
    ("inbound", "both", (True, True)), ("inbound", "external", (True, False)),
    ("outbound", "external", (False, True)), ("internal", "external", (False, False)),
    ("inbound", "none", (False, False)),
])
def test_who_is_asked(kind: str, consent: str, asked: tuple[bool, bool]) -> None:
    d = decide([], {**CFG, "default_mode": "yes", "consent": consent}, kind, "a", "b")
    assert d.record and (d.ask_caller, d.ask_callee) == asked


def test_rule_consent_inherits_the_global_one() -> None:
    d = decide([rule("ext:1001", "yes")], {**CFG, "consent": "external"}, "inbound", "t", "1001")
    assert (d.consent, d.ask_caller, d.ask_callee) == ("external", True, False)
    d = decide([rule("ext:1001", "yes", consent="none")], CFG, "inbound", "t", "1001")
    assert (d.consent, d.ask_caller, d.ask_callee) == ("none", False, False)


def test_rules_are_stored_replaced_and_cleared(app: App) -> None:
    policy.set_rule(app.engine, policy.make_rule("ext", "1001", "yes", 20, "external"))
    policy.set_rule(app.engine, policy.make_rule("ext", "1001", "never"))
    assert policy.rules(app.engine) == [Rule("ext", "1001", "never", 10, "")]
    assert policy.clear_rule(app.engine, "ext", "1001")
    assert not policy.clear_rule(app.engine, "ext", "1001")


def test_feature_codes_must_not_clash(app: App) -> None:
    with pytest.raises(ValidationError, match="prefix"):
        policy.update_settings(app.engine, {"code_pause": "*8", "code_resume": "*81"})
    with pytest.raises(ValidationError, match="clash"):
        policy.update_settings(app.engine, {"code_stop": "*7"})
    assert policy.settings(app.engine)["code_pause"] == "*7"  # nothing stored


def test_compiled_rules_carry_the_weights(app: App) -> None:
    policy.set_rule(app.engine, policy.make_rule("ext", "1001", "yes", 20, "none"))
    policy.set_rule(app.engine, policy.make_rule("route", "main", "no", 3))
    ctx = dialplan.recording_context(app.engine)["recording"]
    by_ref = {r["ref"]: r for r in ctx["rules"]}
    assert by_ref["ext:1001"]["exten"] == hashlib.sha1(b"ext:1001").hexdigest()
    assert by_ref["ext:1001"]["value"] == "yes/1020/none"
    assert by_ref["route:main"]["value"] == "no/503/"
    assert (ctx["default_mode"], ctx["default_weight"]) == ("no", 0)
    assert [(f["name"], f["code"], f["on"]) for f in ctx["features"]] == [
        ("vocorecpause", "*7", "self"), ("vocorecpausepeer", "*7", "peer"),
        ("vocorecresume", "*8", "self"), ("vocorecresumepeer", "*8", "peer"),
        ("vocorecstop", "*9", "self"), ("vocorecstoppeer", "*9", "peer")]


def test_without_a_store_recording_is_off() -> None:
    ctx = dialplan.recording_context(None)["recording"]
    assert ctx["rules"] == [] and ctx["default_mode"] == "no"
