"""The notification settings in ``voco config export/import``: the SMTP door and the rules.

The SMTP door is at most one record (``smtp = []`` turns it off); its password is a secret,
exported only with ``--include-secrets`` and kept when a file withholds it. A rule is keyed by
what it does, ``"EVENT BY TO"`` with TO one of ``owner``, ``extension:N``, ``email:ADDR``,
``phone:NUMBER``; like company contacts, an address or number is in the file as written (encrypt
the export with age when it leaves the machine).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, update

from asterisk_bridge.configio.kinds import Kind
from asterisk_bridge.configio.registry import WITHHELD, Record, Section
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.notifications import rules, smtp_settings
from asterisk_bridge.oplog import current_actor
from asterisk_bridge.store.models.notifications import NotificationRule
from asterisk_bridge.subjects.vault import SubjectVault

_SMTP_FIELDS = {"mode": Kind.TEXT, "host": Kind.TEXT, "port": Kind.INTEGER,
                "security": Kind.TEXT, "user": Kind.TEXT, "password": Kind.TEXT,
                "ca_file": Kind.TEXT, "sender": Kind.TEXT}
_RULE_FIELDS = {"rule": Kind.TEXT, "attach_audio": Kind.BOOLEAN, "quiet": Kind.TEXT}


def _read_smtp(bind: Connection, master_key: bytes, with_secrets: bool) -> list[Record]:
    s = smtp_settings.current(bind)
    if s.mode == "off":
        return []
    rec: Record = {"mode": s.mode, "sender": s.sender}
    if s.mode == "custom":
        rec |= {"host": s.host, "port": s.port, "security": s.security, "user": s.username,
                "ca_file": s.ca_file}
        if s.has_password:
            rec["password"] = (smtp_settings.password(bind, master_key) if with_secrets
                               else WITHHELD)
    return [rec]


def _parse_smtp(raw: Mapping[str, Any]) -> Record:
    mode = str(raw.get("mode", ""))
    if mode not in ("default", "custom"):
        raise ValidationError("mode: use default or custom (smtp = [] turns the door off)")
    if mode == "default":
        extra = set(raw) - {"mode", "sender"}
        if extra:
            raise ValidationError(f"{', '.join(sorted(extra))}: only a custom relay has these")
        return {"mode": mode, "sender": str(raw.get("sender", ""))}
    s = smtp_settings.check_custom(str(raw.get("host", "")), raw.get("port"),
                                   str(raw.get("security", "starttls")), True,
                                   str(raw.get("ca_file", "")), str(raw.get("sender", "")),
                                   str(raw.get("user", "")))
    rec: Record = {"mode": mode, "host": s.host, "port": s.port, "security": s.security,
                   "user": s.username, "ca_file": s.ca_file, "sender": s.sender}
    if "password" in raw:
        value = str(raw["password"])
        rec["password"] = value if value == WITHHELD else smtp_settings.check_password(value)
    return rec


def _set_smtp(bind: Connection, master_key: bytes, rec: Record, *_old: Record) -> None:
    password = rec.get("password")
    settings = smtp_settings.Smtp(rec["mode"], rec.get("host", ""), rec.get("port", 0),
                                  rec.get("security", ""), rec.get("user", ""), False,
                                  rec.get("ca_file", ""), rec.get("sender", ""))
    smtp_settings.store(bind, master_key, settings,
                        None if password in (None, WITHHELD) else password,
                        keep_password=password == WITHHELD)


def _remove_smtp(bind: Connection, master_key: bytes, _key: str) -> None:
    smtp_settings.store(bind, master_key, smtp_settings.Smtp(), None)


def _rule_key(view: rules.RuleView) -> str:
    to = {"owner": "owner", "extension": f"extension:{view.recipient}",
          "address": f"email:{view.recipient}", "number": f"phone:{view.recipient}"}
    return f"{view.event} {view.channel} {to[view.target]}"


def _read_rules(bind: Connection, master_key: bytes, _secrets: bool) -> list[Record]:
    seen: dict[str, Record] = {}
    for view in rules.listing(bind, SubjectVault(master_key)):
        if view.recipient == "(erased)":
            continue
        seen.setdefault(_rule_key(view), {"rule": _rule_key(view),
                                          "attach_audio": view.attach_audio,
                                          "quiet": view.quiet})
    return [seen[k] for k in sorted(seen)]


def _spec(key: str) -> rules.RuleSpec:
    event, by, to = [*key.split(" ", 2), "", ""][:3]
    kind, _, value = to.partition(":")
    given: dict[str, str | None] = {"email": None, "extension": None, "phone": None}
    if kind in given:
        given[kind] = value
    elif to != "owner":
        raise ValidationError("rule: write 'EVENT BY TO', TO one of owner, extension:N, "
                              "email:ADDR, phone:NUMBER")
    if by not in ("email", "phone"):
        raise ValidationError("rule: BY is email or phone")
    return rules.RuleSpec.build(event, given["email"], given["extension"], given["phone"],
                                to == "owner", by, False, None)


def _parse_rule(raw: Mapping[str, Any]) -> Record:
    spec = _spec(str(raw.get("rule", "")))
    full = rules.RuleSpec.build(
        spec.event, spec.value if spec.target == "address" else None,
        spec.value if spec.target == "extension" else None,
        spec.value if spec.target == "number" else None, spec.target == "owner", spec.channel,
        bool(raw.get("attach_audio", False)), str(raw.get("quiet", "")) or None)
    to = {"owner": "owner", "extension": f"extension:{full.value}",
          "address": f"email:{full.value}", "number": f"phone:{full.value}"}[full.target]
    quiet = f"{full.quiet_from}-{full.quiet_until}" if full.quiet_from else ""
    return {"rule": f"{full.event} {full.channel} {to}", "attach_audio": full.attach_audio,
            "quiet": quiet}


def _full_spec(rec: Record) -> rules.RuleSpec:
    spec = _spec(rec["rule"])
    quiet = rec.get("quiet") or None
    q_from, _, q_until = (quiet or "").partition("-")
    return rules.RuleSpec(spec.event, spec.channel, spec.target, spec.value,
                          bool(rec.get("attach_audio")), q_from or None, q_until or None)


def _ids(bind: Connection, master_key: bytes, key: str) -> list[int]:
    return [v.id for v in rules.listing(bind, SubjectVault(master_key)) if _rule_key(v) == key]


def _add_rule(bind: Connection, master_key: bytes, rec: Record) -> None:
    rules.add(bind, SubjectVault(master_key), _full_spec(rec), current_actor())


def _change_rule(bind: Connection, master_key: bytes, rec: Record, _old: Record) -> None:
    spec = _full_spec(rec)
    bind.execute(update(NotificationRule).where(NotificationRule.id.in_(
        _ids(bind, master_key, rec["rule"]))).values(
        attach_audio=spec.attach_audio, quiet_from=spec.quiet_from,
        quiet_until=spec.quiet_until))


def _remove_rule(bind: Connection, master_key: bytes, key: str) -> None:
    bind.execute(delete(NotificationRule).where(NotificationRule.id.in_(
        _ids(bind, master_key, key))))


SECTIONS = (
    Section("smtp", "SMTP door", "mode", _read_smtp, _parse_smtp,
            lambda c, k, r: _set_smtp(c, k, r), _set_smtp, _remove_smtp, _SMTP_FIELDS,
            secret_fields=("password",)),
    Section("notification_rules", "notification rule", "rule", _read_rules, _parse_rule,
            lambda c, k, r: _add_rule(c, k, r), _change_rule, _remove_rule, _RULE_FIELDS),
)
