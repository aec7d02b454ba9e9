"""Who gets recorded: per-extension, per-trunk and per-route rules, a global default, and consent.

The policy is enforced by Asterisk: :mod:`asterisk_bridge.recording.dialplan` compiles it into
the generated dialplan, and :func:`decide` is the same algebra in Python (``voco recording-policy
explain``), checked against the dialplan on a live Asterisk by the tests.

The algebra (FreePBX-like)
--------------------------
A call routed through ``voco-dial`` has a kind (internal | inbound | outbound), a caller key, a
callee key and optionally the route it took. The caller is a trunk on inbound calls and an
extension otherwise; the callee is a trunk on outbound calls and an extension otherwise. Each of
caller, callee and route may have a rule: a mode, a priority 0-99 (default 10) and a consent
setting. The global default is a rule that always exists; out of the box it is ``no``.

Each rule weighs::

    never                      -> 4000
    force                      -> 3000
    yes | no  (caller/callee)  -> 1000 + priority
    yes | no  (route)          ->  500 + priority
    dontcare, or no rule       -> not a candidate

The default is the incumbent (weight 4000 for never, 3000 for force, else 0). Caller, callee and
route are then considered in that order, and a rule replaces the incumbent only when it weighs
strictly more. Hence: never beats everything, force included (whichever side, or the default,
says it); force beats any yes/no; otherwise the yes/no of the party with the higher priority wins,
the caller on equal priorities ("first yes or no wins, caller side first"); a party beats the
route, the route beats the default. The call is recorded when the winning mode is yes or force.

Consent: the winning rule's consent, or the global one when the rule leaves it unset (the default
is ``both``). ``both`` asks caller and callee; ``external`` asks only the party on the trunk side
(the caller of an inbound call, the callee of an outbound one, nobody on an internal call);
``none`` asks nobody. Parties who are not asked hear the announcement instead. Recording starts
only when everybody asked pressed the consent digit; any other digit or a timeout connects the
call unrecorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from asterisk_bridge.errors import ValidationError
from asterisk_bridge.provisioning import validate
from asterisk_bridge.recording.choices import (
    CONSENTS,
    DEFAULT_MODES,
    DEFAULT_PRIORITY,
    KINDS,
    MODES,
    SCOPES,
)
from asterisk_bridge.store.engine import Bind
from asterisk_bridge.store.models.consent import RecordingRule, RecordingSetting

RECORDING_MODES = ("yes", "force")

WEIGHT_NEVER = 4000
WEIGHT_FORCE = 3000
WEIGHT_PARTY = 1000
WEIGHT_ROUTE = 500
MAX_PRIORITY = 99

#: Global settings and their defaults: recording is off until an admin turns it on.
DEFAULTS: dict[str, str] = {
    "default_mode": "no",
    "consent": "both",
    "consent_timeout": "5",
    "consent_digit": "1",
    "code_pause": "*7",
    "code_resume": "*8",
    "code_stop": "*9",
}
FEATURE_CODES = ("code_pause", "code_resume", "code_stop")


@dataclass(frozen=True)
class Rule:
    """The recording mode of one extension, trunk or route."""

    scope: str
    key: str
    mode: str
    priority: int = DEFAULT_PRIORITY
    consent: str = ""  # "" = the global consent

    @property
    def ref(self) -> str:
        """``scope:key``, the name the dialplan looks the rule up by."""
        return f"{self.scope}:{self.key}"


@dataclass(frozen=True)
class Decision:
    """What the policy says about one call."""

    record: bool
    rule: str  # "default" or the deciding rule's scope:key
    mode: str
    consent: str
    ask_caller: bool
    ask_callee: bool


def _choice(value: str, allowed: Iterable[str], field: str) -> str:
    allowed = tuple(allowed)
    v = value.strip().lower() if isinstance(value, str) else value
    if v not in allowed:
        raise ValidationError(f"{field}: {value!r} is not valid; use one of {', '.join(allowed)}")
    return v


def check_key(scope: str, key: str) -> str:
    """The validated key: an extension number for ``ext``, a name for trunks and routes."""
    scope = _choice(scope, SCOPES, "scope")
    if scope == "ext":
        return validate.extension(key, "extension")
    return validate.name(key, scope)


def check_priority(value: int | str) -> int:
    """A rule priority, 0-99."""
    try:
        p = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"priority: {value!r} is not a number; use 0-{MAX_PRIORITY}")\
            from None
    if not 0 <= p <= MAX_PRIORITY:
        raise ValidationError(f"priority: {p} is out of range; use 0-{MAX_PRIORITY}")
    return p


def make_rule(scope: str, key: str, mode: str, priority: int | str = DEFAULT_PRIORITY,
              consent: str = "") -> Rule:
    """A validated rule; ValidationError naming the field otherwise."""
    return Rule(scope=_choice(scope, SCOPES, "scope"), key=check_key(scope, key),
                mode=_choice(mode, MODES, "mode"), priority=check_priority(priority),
                consent=_choice(consent, ("", *CONSENTS), "consent") if consent else "")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


# --- store ------------------------------------------------------------------------------------
def set_rule(engine: Bind, rule: Rule) -> None:
    """Create or replace the rule for ``rule.scope``/``rule.key``."""
    with Session(engine) as s, s.begin():
        row = s.scalar(select(RecordingRule).where(RecordingRule.scope == rule.scope,
                                                   RecordingRule.key == rule.key))
        if row is None:
            row = RecordingRule(scope=rule.scope, key=rule.key)
            s.add(row)
        row.mode, row.priority, row.consent = rule.mode, rule.priority, rule.consent
        row.updated_at = _now()


def clear_rule(engine: Bind, scope: str, key: str) -> bool:
    """Remove a rule; False if there was none."""
    key = check_key(scope, key)
    with Session(engine) as s, s.begin():
        res = s.execute(delete(RecordingRule).where(RecordingRule.scope == scope,
                                                    RecordingRule.key == key))
        return bool(cast(CursorResult[Any], res).rowcount)


def rules(engine: Bind | None) -> list[Rule]:
    """Every rule, ordered by scope and key."""
    if engine is None:
        return []
    with Session(engine) as s:
        rows = s.scalars(select(RecordingRule).order_by(RecordingRule.scope, RecordingRule.key))
        return [Rule(r.scope, r.key, r.mode, r.priority, r.consent) for r in rows]


def settings(engine: Bind | None) -> dict[str, str]:
    """The global settings, defaults filled in."""
    values = dict(DEFAULTS)
    if engine is not None:
        with Session(engine) as s:
            values.update({r.name: r.value for r in s.scalars(select(RecordingSetting))})
    return values


def check_setting(name: str, value: str) -> str:
    """Validate one global setting (prompt assignments are checked by ``prompts``)."""
    if name == "default_mode":
        return _choice(value, DEFAULT_MODES, "default mode")
    if name == "consent":
        return _choice(value, CONSENTS, "consent")
    if name == "consent_timeout":
        try:
            t = int(value)
        except (TypeError, ValueError):
            raise ValidationError(f"timeout: {value!r} is not a whole number of seconds")\
                from None
        if not 1 <= t <= 30:
            raise ValidationError(f"timeout: {t} is out of range; use 1-30 seconds")
        return str(t)
    if name == "consent_digit":
        digit = validate.dtmf_code(value, "consent digit")
        if len(digit) != 1 or digit in "*#":
            raise ValidationError(f"consent digit: {value!r} is not valid; use one digit 0-9")
        return digit
    if name in FEATURE_CODES:
        return validate.dtmf_code(value, name.replace("_", " "))
    raise ValidationError(f"setting: {name!r} is unknown")


def update_settings(engine: Bind, changes: Mapping[str, str]) -> dict[str, str]:
    """Validate and store several settings at once; nothing is stored if one is invalid."""
    checked = {name: check_setting(name, value) for name, value in changes.items()}
    merged = {**settings(engine), **checked}
    codes = [merged[c] for c in FEATURE_CODES]
    for a in codes:
        for b in codes:
            if a is not b and b.startswith(a):
                raise ValidationError(
                    f"feature codes: {a!r} and {b!r} clash (one is a prefix of the other); "
                    "pause, resume and stop need distinct codes"
                )
    store_settings(engine, checked)
    return merged


def store_settings(engine: Bind, values: Mapping[str, str | None]) -> None:
    """Write already-validated settings; ``None`` removes one (back to its default)."""
    with Session(engine) as s, s.begin():
        for name, value in values.items():
            row = s.get(RecordingSetting, name)
            if value is None:
                if row is not None:
                    s.delete(row)
            elif row is None:
                s.add(RecordingSetting(name=name, value=value))
            else:
                row.value = value


# --- the algebra ------------------------------------------------------------------------------
def weight(mode: str, priority: int, base: int) -> int:
    """A rule's weight (see the module docstring); 0 means "not a candidate"."""
    if mode == "never":
        return WEIGHT_NEVER
    if mode == "force":
        return WEIGHT_FORCE
    if mode in ("yes", "no"):
        return base + priority
    return 0


def party_scopes(kind: str) -> tuple[str, str]:
    """The scopes of the caller and callee keys for a call of ``kind``."""
    kind = _choice(kind, KINDS, "route kind")
    return ("trunk" if kind == "inbound" else "ext", "trunk" if kind == "outbound" else "ext")


def decide(all_rules: Iterable[Rule], config: Mapping[str, str], kind: str, caller: str,
           callee: str, route: str = "") -> Decision:
    """Whether a call is recorded and who is asked for consent."""
    by_ref = {r.ref: r for r in all_rules}
    caller_scope, callee_scope = party_scopes(kind)
    mode = config["default_mode"]
    best, rule_name, consent = weight(mode, 0, 0), "default", ""
    candidates = [(f"{caller_scope}:{caller}", WEIGHT_PARTY), (f"{callee_scope}:{callee}",
                                                                WEIGHT_PARTY)]
    if route:
        candidates.append((f"route:{route}", WEIGHT_ROUTE))
    for ref, base in candidates:
        rule = by_ref.get(ref)
        if rule is None:
            continue
        w = weight(rule.mode, rule.priority, base)
        if w > best:
            best, rule_name, mode, consent = w, ref, rule.mode, rule.consent
    consent = consent or config["consent"]
    return Decision(
        record=mode in RECORDING_MODES, rule=rule_name, mode=mode, consent=consent,
        ask_caller=consent == "both" or (consent == "external" and kind == "inbound"),
        ask_callee=consent == "both" or (consent == "external" and kind == "outbound"),
    )
