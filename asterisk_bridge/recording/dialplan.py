"""Compile the recording policy into template variables for the generated dialplan.

Each rule becomes one extension of ``[voco-rec-rules]``: ``<sha1(scope:key)>`` returns
``<mode>/<weight>/<consent>``. The dialplan finds a party's rule with
``Gosub(voco-rec-rules,${SHA1(ext:1001)},1)``: whatever a route passes as a key is only ever
hashed, never spliced into dialplan, and the weight is computed here by
:func:`asterisk_bridge.recording.policy.weight`, so the dialplan only compares numbers. Every value
is validated again on the way out, so a tampered row fails the render.

Rules are dialplan rather than ``[globals]``: a reload replaces the dialplan whole, so a cleared
rule stops applying the moment the reload completes, while a global removed from the file keeps
its old value (Asterisk's ``clearglobalvars=no``; see docs/dialplan-safety.md).
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Engine

from asterisk_bridge.provisioning import validate
from asterisk_bridge.recording import policy, prompts

ACTIONS = ("pause", "resume", "stop")
FEATURE_PREFIX = "vocorec"  # applicationmap names: vocorecpause, ..., vocorecpausepeer, ...
PEER_SUFFIX = "peer"


def rule_exten(ref: str) -> str:
    """The extension holding rule ``scope:key`` (Asterisk's SHA1() is lowercase hex)."""
    return hashlib.sha1(ref.encode()).hexdigest()  # a lookup key, not security


def _compile_rule(rule: policy.Rule) -> dict[str, str]:
    checked = policy.make_rule(rule.scope, rule.key, rule.mode, rule.priority, rule.consent)
    base = policy.WEIGHT_ROUTE if checked.scope == "route" else policy.WEIGHT_PARTY
    return {"ref": checked.ref, "exten": rule_exten(checked.ref),
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
        "features": _features(checked),
        "dynamic_features": {"self": "#".join(FEATURE_PREFIX + a for a in ACTIONS),
                             "peer": "#".join(FEATURE_PREFIX + a + PEER_SUFFIX
                                              for a in ACTIONS)},
    }}


def _features(checked: dict[str, str]) -> list[dict[str, str]]:
    """The applicationmap: each code twice, since the feature must run on the channel holding
    the MixMonitor. The recorder's own code runs on itself (``self``); the other party's runs
    on its bridged peer, the recorder (``peer``), naming the caller as who pressed it."""
    return [{"action": a, "name": FEATURE_PREFIX + a + suffix, "code": checked[f"code_{a}"],
             "on": on, "leg": leg}
            for a in ACTIONS
            for suffix, on, leg in (("", "self", ""), (PEER_SUFFIX, "peer", "caller"))]
