"""Config-file sections for the recording policy: its rules and its global settings.

Uploaded prompts are audio, not configuration: they are not exported, and a prompt slot that
names one is left as it is by an import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from asterisk_bridge.configio.kinds import Kind
from asterisk_bridge.configio.registry import Record, Section
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.recording import policy
from asterisk_bridge.store.models.consent import RecordingSetting

_RULE_FIELDS = {"rule": Kind.TEXT, "mode": Kind.TEXT, "priority": Kind.INTEGER,
                "consent": Kind.TEXT}
_SETTING_FIELDS = {"name": Kind.TEXT, "value": Kind.TEXT}


def _rule_record(rule: policy.Rule) -> Record:
    return {"rule": f"{rule.scope}:{rule.key}", "mode": rule.mode, "priority": rule.priority,
            "consent": rule.consent}


def _read_rules(bind: Connection, _mk: bytes, _secrets: bool) -> list[Record]:
    return [_rule_record(r) for r in policy.rules(bind)]


def _parse_rule(raw: Mapping[str, Any]) -> Record:
    scope, sep, key = str(raw.get("rule", "")).partition(":")
    if not sep:
        raise ValidationError("rule: write it as SCOPE:KEY, e.g. 'trunk:carrier' or 'ext:1001'")
    return _rule_record(policy.make_rule(scope, key, str(raw.get("mode", "")),
                                         raw.get("priority", policy.DEFAULT_PRIORITY),
                                         str(raw.get("consent", ""))))


def _set_rule(bind: Connection, _mk: bytes, rec: Record, *_old: Record) -> None:
    """Add or change (a rule's key is its scope and key, so both are a replace)."""
    scope, _, key = rec["rule"].partition(":")
    policy.set_rule(bind, policy.make_rule(scope, key, rec["mode"], rec["priority"],
                                           rec["consent"]))


def _remove_rule(bind: Connection, _mk: bytes, rule: str) -> None:
    scope, _, key = rule.partition(":")
    policy.clear_rule(bind, scope, key)


def _read_settings(bind: Connection, _mk: bytes, _secrets: bool) -> list[Record]:
    with Session(bind) as s:
        rows = s.scalars(select(RecordingSetting).order_by(RecordingSetting.name))
        return [{"name": r.name, "value": r.value} for r in rows if r.name in policy.DEFAULTS]


def _parse_setting(raw: Mapping[str, Any]) -> Record:
    name = str(raw.get("name", ""))
    return {"name": name, "value": policy.check_setting(name, str(raw.get("value", "")))}


def _set_setting(bind: Connection, _mk: bytes, rec: Record, *_old: Record) -> None:
    policy.update_settings(bind, {rec["name"]: rec["value"]})


def _remove_setting(bind: Connection, _mk: bytes, name: str) -> None:
    policy.store_settings(bind, {name: None})


SECTIONS = (
    Section("recording_settings", "recording setting", "name", _read_settings, _parse_setting,
            _set_setting, _set_setting, _remove_setting, _SETTING_FIELDS),
    Section("recording_rules", "recording rule", "rule", _read_rules, _parse_rule, _set_rule,
            _set_rule, _remove_rule, _RULE_FIELDS),
)
