"""Nothing a user types reaches the recording dialplan unchecked: every field refuses the
characters that could inject dialplan or configuration, and a tampered row fails the render."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from asterisk_bridge.context import App
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.generator.pbx import node_context
from asterisk_bridge.generator.render import render
from asterisk_bridge.recording import dialplan, policy, prompts
from asterisk_bridge.store.models.consent import RecordingRule, RecordingSetting
from tests.conftest import CliCall

EVIL = ["\n", ";", ",", "(", ")", "[", "]", "$", "{"]


@pytest.mark.parametrize("bad", EVIL)
@pytest.mark.parametrize("scope", ["ext", "trunk", "route"])
def test_rule_keys(scope: str, bad: str) -> None:
    key = "1001" if scope == "ext" else "carrier"
    with pytest.raises(ValidationError, match="extension" if scope == "ext" else scope):
        policy.make_rule(scope, key[:2] + bad + key[2:], "yes")


@pytest.mark.parametrize("bad", EVIL)
def test_prompt_names(app: App, tmp_path: Path, bad: str) -> None:
    wav = tmp_path / "p.wav"
    wav.write_bytes(b"not audio")
    with pytest.raises(ValidationError, match="prompt name"):
        prompts.upload(app.engine, f"hello{bad}x", wav)
    with pytest.raises(ValidationError, match="prompt name"):
        prompts.assign(app.engine, "inbound", "ask", f"hello{bad}x")


@pytest.mark.parametrize("bad", EVIL)
@pytest.mark.parametrize("name", ["code_pause", "code_resume", "code_stop", "consent_digit",
                                  "consent_timeout", "consent", "default_mode"])
def test_settings(app: App, name: str, bad: str) -> None:
    with pytest.raises(ValidationError):
        policy.update_settings(app.engine, {name: f"1{bad}2"})
    assert policy.settings(app.engine) == policy.DEFAULTS


@pytest.mark.parametrize("bad", EVIL)
def test_cli_refuses_with_the_field_named_and_changes_nothing(run_cli: CliCall, app: App,
                                                              bad: str) -> None:
    result = run_cli("recording-policy", "set", "trunk", f"car{bad}rier", "yes")
    assert result.exit_code == 2 and "trunk" in result.output
    result = run_cli("recording-policy", "defaults", "--pause-code", f"*{bad}5")
    assert result.exit_code == 2 and "code pause" in result.output
    assert policy.rules(app.engine) == []


def test_a_tampered_rule_fails_the_render(app: App) -> None:
    policy.set_rule(app.engine, policy.make_rule("trunk", "carrier", "yes"))
    with Session(app.engine) as s, s.begin():
        s.execute(update(RecordingRule).values(key="x\nexten => s,1,System(rm -rf /)"))
    with pytest.raises(ValidationError, match="trunk"):
        dialplan.recording_context(app.engine)


def test_a_tampered_setting_fails_the_render(app: App) -> None:
    policy.update_settings(app.engine, {"code_pause": "*5"})
    with Session(app.engine) as s, s.begin():
        s.execute(update(RecordingSetting).values(value="*5,self,System(id)"))
    with pytest.raises(ValidationError, match="code pause"):
        dialplan.recording_context(app.engine)


def test_keys_reach_the_dialplan_only_hashed(app: App) -> None:
    policy.set_rule(app.engine, policy.make_rule("trunk", "carrier-1.a", "yes"))
    ctx = {**node_context(app.config.asterisk, "s"), **dialplan.recording_context(app.engine)}
    text = render("recording_policy.conf.j2", ctx)
    [line] = [ln for ln in text.splitlines() if "Return(yes/" in ln]
    assert line == f"exten => {dialplan.rule_exten('trunk:carrier-1.a')},1,Return(yes/1010/)"
    assert "carrier-1.a" not in text.replace("; trunk:carrier-1.a\n", "")
