"""Compile the recording policy into template variables for the generated dialplan.

Each rule becomes one ``[globals]`` entry ``VOCO_RECP_<sha1(scope:key)>=<mode>/<weight>/<consent>``.
The dialplan finds a party's rule with ``${GLOBAL(VOCO_RECP_${SHA1(ext:1001)})}``: whatever a
route passes as a key is only ever hashed, never spliced into dialplan, and the weight is computed
here by :func:`asterisk_bridge.recording.policy.weight`, so the dialplan only compares numbers.
Every value is validated again on the way out, so a tampered row fails the render.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Engine

from asterisk_bridge import validate
from asterisk_bridge.recording import policy, prompts

ACTIONS = ("pause", "resume", "stop")
FEATURE_PREFIX = "vocorec"  # applicationmap names: vocorecpause, vocorecresume, vocorecstop


def rule_var(ref: str) -> str:
    """The global variable holding rule ``scope:key`` (Asterisk's SHA1() is lowercase hex)."""
    return "VOCO_RECP_" + hashlib.sha1(ref.encode()).hexdigest()  # a lookup key, not security


def _compile_rule(rule: policy.Rule) -> dict[str, str]:
    checked = policy.make_rule(rule.scope, rule.key, rule.mode, rule.priority, rule.consent)
    base = policy.WEIGHT_ROUTE if checked.scope == "route" else policy.WEIGHT_PARTY
    return {"ref": checked.ref, "var": rule_var(checked.ref),
            "value": f"{checked.mode}/{policy.weight(checked.mode, checked.priority, base)}/"
                     f"{checked.consent}"}


def _checked_refs(engine: Engine | None) -> dict[str, dict[str, validate.SoundList]]:
    refs = prompts.refs(engine)
    for roles in refs.values():
        for ref in roles.values():
            if ref.startswith("voco:"):
                validate.prompt_name(ref[5:], "prompt name")
    return {kind: {role: validate.sound_list(ref, "prompt") for role, ref in roles.items()}
            for kind, roles in refs.items()}


def recording_context(engine: Engine | None) -> dict[str, Any]:
    """The ``recording`` template variable (a contributor in ``generator/pbx.py``)."""
    cfg = policy.settings(engine)
    checked = {name: policy.check_setting(name, cfg[name]) for name in policy.DEFAULTS}
    default_mode = checked["default_mode"]
    return {"recording": {
        "rules": [_compile_rule(r) for r in policy.rules(engine)],
        "default_mode": default_mode,
        "default_weight": policy.weight(default_mode, 0, 0),
        "consent": checked["consent"],
        "timeout": checked["consent_timeout"],
        "digit": checked["consent_digit"],
        "prompt_dir": prompts.PROMPT_DIR,
        "prompts": _checked_refs(engine),
        "features": [{"action": a, "name": FEATURE_PREFIX + a, "code": checked[f"code_{a}"]}
                     for a in ACTIONS],
        "dynamic_features": "#".join(FEATURE_PREFIX + a for a in ACTIONS),
    }}
