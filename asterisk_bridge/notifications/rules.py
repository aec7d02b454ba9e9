"""Notification rules: which event reaches whom, by e-mail or by phone.

A rule names its recipient one of four ways: an e-mail address (``address``), a phone number
(``number``), an extension (``extension``: its owner's e-mail, or a call to it), or the
extension the event is about (``owner``: a voicemail's mailbox owner). Addresses and numbers are
personal data: they are sealed under the recipient's own subject key (a person known only by an
e-mail address becomes a ``contact`` subject), so erasing that person reaches the rule, and
nothing personal is in clear in the table. Extensions are internal and stay in clear.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from asterisk_bridge.errors import NotFoundError, ValidationError
from asterisk_bridge.notifications.events import BY_NAME
from asterisk_bridge.provisioning import validate
from asterisk_bridge.store.models.notifications import NotificationRule
from asterisk_bridge.subjects import identity
from asterisk_bridge.subjects.fields import FieldRef
from asterisk_bridge.subjects.vault import SubjectVault

_HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_NUMBER = re.compile(r"\+?[0-9 ().-]{1,40}")
TARGETS = ("address", "number", "extension", "owner")


@dataclass(frozen=True)
class RuleSpec:
    """A rule as typed: exactly one recipient, and how to reach them."""

    event: str
    channel: str  # email | phone
    target: str  # address | number | extension | owner
    value: str = ""  # the address, number or extension
    attach_audio: bool = False
    quiet_from: str | None = None
    quiet_until: str | None = None

    @classmethod
    def build(cls, event: str, email: str | None, extension: str | None, phone: str | None,
              owner: bool, by: str | None, attach_audio: bool, quiet: str | None,
              region: str = "") -> RuleSpec:
        """Validate the options of ``voco notify rule add``; never quotes personal data."""
        kind = BY_NAME.get(event)
        if kind is None:
            raise ValidationError(f"event: {event!r} is not one of {', '.join(BY_NAME)}")
        given = [n for n, v in (("--email", email), ("--extension", extension),
                                ("--phone", phone), ("--owner", owner or None)) if v]
        if len(given) != 1:
            raise ValidationError("recipient: give exactly one of --email ADDR, --extension N, "
                                  "--phone NUMBER or --owner")
        if email is not None:
            if by == "phone":
                raise ValidationError("by: an e-mail address cannot be called")
            target, channel, value = "address", "email", _address(email)
        elif phone is not None:
            if by == "email":
                raise ValidationError("by: a phone number cannot be e-mailed")
            target, channel, value = "number", "phone", _number(phone, region)
        elif extension is not None:
            target, channel, value = "extension", by or "email", validate.extension(extension)
        else:
            if not kind.owner:
                raise ValidationError(f"owner: event {event} is about no extension; name the "
                                      "recipient")
            target, channel, value = "owner", by or "email", ""
        if attach_audio and (event != "voicemail" or channel != "email"):
            raise ValidationError("attach-audio: only for voicemail rules sent by e-mail")
        q_from, q_until = _quiet(quiet)
        return cls(event, channel, target, value, attach_audio, q_from, q_until)


def _address(raw: str) -> str:
    try:
        return identity.email(validate.email(raw, "email")).value
    except ValidationError:
        raise ValidationError("email: not a plain address like alice@example.com (value not "
                              "shown: it is personal data)") from None


def _number(raw: str, region: str) -> str:
    ident = identity.phone(raw, region) if _NUMBER.fullmatch(raw.strip()) else None
    if ident is None:
        raise ValidationError("phone: not a phone number (value not shown: it is personal "
                              "data); use digits with an optional leading +")
    return ident.value


def _quiet(text: str | None) -> tuple[str | None, str | None]:
    if text is None:
        return None, None
    start, sep, end = text.strip().partition("-")
    if not sep or not _HHMM.fullmatch(start) or not _HHMM.fullmatch(end) or start == end:
        raise ValidationError("quiet: use HH:MM-HH:MM (UTC), e.g. 22:00-07:00")
    return start, end


def in_quiet_hours(quiet_from: str | None, quiet_until: str | None, now: datetime) -> bool:
    """Whether *now* (UTC) falls in the window, which may wrap past midnight."""
    if quiet_from is None or quiet_until is None:
        return False
    t = now.strftime("%H:%M")
    if quiet_from < quiet_until:
        return quiet_from <= t < quiet_until
    return t >= quiet_from or t < quiet_until


def add(conn: Connection, vault: SubjectVault, spec: RuleSpec, actor: str) -> tuple[int,
                                                                                     str | None]:
    """Store the rule; returns its id and the recipient's subject (None for extensions)."""
    rule_id = int(conn.execute(insert(NotificationRule).values(
        event=spec.event, channel=spec.channel, target=spec.target,
        extension=spec.value if spec.target == "extension" else None,
        attach_audio=spec.attach_audio, quiet_from=spec.quiet_from,
        quiet_until=spec.quiet_until,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"), created_by=actor,
    ).returning(NotificationRule.id)).scalar_one())
    if spec.target not in ("address", "number"):
        return rule_id, None
    ident = (identity.email if spec.target == "address" else identity.phone)(spec.value)
    assert ident is not None
    subject = vault.resolve(conn, [ident], "contact" if spec.target == "address"
                            else "phone")[ident]
    sealed = vault.keys(conn, [subject]).seal(_ref(rule_id, subject), spec.value)
    conn.execute(update(NotificationRule).where(NotificationRule.id == rule_id).values(
        recipient_subject=subject, recipient=sealed))
    return rule_id, subject


def _ref(rule_id: int, subject: str) -> FieldRef:
    return FieldRef("notification_rules", "recipient", str(rule_id), subject)


@dataclass(frozen=True)
class RuleView:
    """A rule as ``voco notify rule list`` shows it."""

    id: int
    event: str
    channel: str
    target: str
    recipient: str  # the address/number while the person exists; the extension; "owner"
    subject: str | None
    attach_audio: bool
    quiet: str
    created_at: str
    created_by: str

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return asdict(self)


def recipient(conn: Connection, vault: SubjectVault, row: Row[Any]) -> str | None:
    """The address, number or extension a rule sends to (None: its person was erased, or the
    rule is for the event's owner)."""
    if row.target == "extension":
        return row.extension
    if row.recipient_subject is None:
        return None
    ring = vault.keys(conn, [row.recipient_subject])
    return ring.open(_ref(row.id, row.recipient_subject), row.recipient)


def listing(conn: Connection, vault: SubjectVault, event: str | None = None) -> list[RuleView]:
    """Every rule (of *event*), oldest first."""
    q = select(NotificationRule).order_by(NotificationRule.id)
    if event is not None:
        q = q.where(NotificationRule.event == event)
    out = []
    for row in conn.execute(q):
        shown = "owner" if row.target == "owner" else (recipient(conn, vault, row)
                                                       or "(erased)")
        quiet = f"{row.quiet_from}-{row.quiet_until}" if row.quiet_from else ""
        out.append(RuleView(row.id, row.event, row.channel, row.target, shown,
                            row.recipient_subject, row.attach_audio, quiet, row.created_at,
                            row.created_by))
    return out


def remove(conn: Connection, rule_id: int) -> None:
    """Delete one rule; NotFoundError if there is none."""
    if conn.execute(delete(NotificationRule).where(NotificationRule.id == rule_id)).rowcount != 1:
        raise NotFoundError(f"notification rule {rule_id} does not exist")


def rules_for(conn: Connection, event: str) -> list[Row[Any]]:
    """The rules an event of kind *event* triggers."""
    return list(conn.execute(select(NotificationRule).where(NotificationRule.event == event)
                             .order_by(NotificationRule.id)))
