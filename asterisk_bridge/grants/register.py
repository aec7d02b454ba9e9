"""The register of grants: opening, listing, revoking and expiring the doors for third parties.

Every door (AMI user, API token, database role, popup URL, CRM lookup) is one row of
:class:`~asterisk_bridge.store.models.grants.Grant`, so ``voco grants list`` shows in one place
who may see what, from where, until when. A grant is *open* from its creation until it is
revoked or its ``until`` passes; a door checks :func:`is_open` (or :func:`open_clause`) every
time it lets someone in, so an expired grant admits nobody even before ``voco grants expire``
records it as closed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, insert, or_, select, update

from asterisk_bridge.errors import NotFoundError, ValidationError
from asterisk_bridge.grants.choices import DOORS, OUTBOUND
from asterisk_bridge.provisioning import secrets, validate
from asterisk_bridge.store.models.grants import Grant


def now() -> str:
    """The register's timestamp format: ISO 8601 UTC, seconds (string order is time order)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def check_until(value: str | None) -> str | None:
    """An expiry in the future: a date (the grant ends at the end of that UTC day) or an ISO
    8601 time (naive means UTC); None for a grant that lasts until revoked."""
    if value is None:
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            end = datetime.combine(date.fromisoformat(text), time.max, UTC)
        else:
            end = datetime.fromisoformat(text)
            end = end.replace(tzinfo=UTC) if end.tzinfo is None else end.astimezone(UTC)
    except ValueError:
        raise ValidationError(f"until: {value!r} is not a date or time like 2027-12-31 or "
                              "2027-12-31T18:00:00Z") from None
    stamp = end.replace(microsecond=0).isoformat()
    if stamp <= now():
        raise ValidationError(f"until: {stamp} is in the past")
    return stamp


def check_party(value: str) -> str:
    """Who the grant is for: one printable line."""
    text = validate.note(value, "party")
    if not text:
        raise ValidationError("party: say who the grant is for (an organisation or application)")
    return text


def check_permit(values: Iterable[str], door: str = "api") -> tuple[str, ...]:
    """The networks a grant may be used from (normalised CIDRs); at least one, and none for a
    door that sends data out."""
    nets = tuple(dict.fromkeys(validate.network(v, "permit") for v in values))
    if door in OUTBOUND:
        if nets:
            raise ValidationError(f"permit: a {door} door sends data out; nothing connects in")
        return nets
    if not nets:
        raise ValidationError("permit: name at least one address or network the party "
                              "connects from (e.g. --permit 192.0.2.10)")
    return nets


@dataclass(frozen=True)
class NewGrant:
    """What an admin asked for, validated by :meth:`build`."""

    door: str
    name: str
    party: str
    scopes: tuple[str, ...]
    permit: tuple[str, ...]
    until: str | None
    options: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, door: str, name: str, party: str, scopes: Iterable[str],
              permit: Iterable[str], until: str | None,
              options: Mapping[str, Any] | None = None) -> NewGrant:
        """Validate each part; the messages name the field."""
        if door not in DOORS:
            raise ValidationError(f"door: {door!r} is not one of {', '.join(DOORS)}")
        return cls(door, validate.name(name), check_party(party), tuple(scopes),
                   check_permit(permit, door), check_until(until), dict(options or {}))


def open_clause() -> ColumnElement[bool]:
    """True for a grant that admits its party now."""
    return and_(Grant.closed_at.is_(None), or_(Grant.until.is_(None), Grant.until > now()))


def _label(grant_id: int) -> str:
    return f"grant:{grant_id}:secret"


SEALED = secrets.sealed_column("grant secrets", Grant.sealed_secret, lambda g: _label(g.id))


def create(conn: Connection, new: NewGrant, actor: str, *, token_hash: str | None = None,
           secret: tuple[bytes, str] | None = None) -> int:
    """Open a grant; *secret* is ``(master key, plaintext)`` for a door that must give a secret
    back later (kept sealed). Refuses a name already open on the same door."""
    taken = conn.execute(select(Grant.id).where(Grant.door == new.door, Grant.name == new.name,
                                                open_clause())).first()
    if taken:
        raise ValidationError(f"name: {new.door} grant {new.name!r} is already open (grant "
                              f"{taken.id}); revoke it first or choose another name")
    grant_id = int(conn.execute(insert(Grant).values(
        door=new.door, name=new.name, party=new.party, scopes=json.dumps(list(new.scopes)),
        permit=json.dumps(list(new.permit)), options=json.dumps(dict(new.options),
                                                                sort_keys=True),
        token_hash=token_hash, until=new.until, created_at=now(),
        created_by=actor).returning(Grant.id)).scalar_one())
    if secret is not None:
        master_key, plaintext = secret
        conn.execute(update(Grant).where(Grant.id == grant_id).values(
            sealed_secret=secrets.seal(master_key, _label(grant_id), plaintext)))
    return grant_id


def secret_of(master_key: bytes, row: Grant | Any) -> str:
    """The plaintext of a grant's sealed secret (only while a door needs it)."""
    if row.sealed_secret is None:
        raise NotFoundError(f"grant {row.id} has no secret")
    return secrets.unseal(master_key, _label(row.id), row.sealed_secret)


@dataclass(frozen=True)
class GrantView:
    """A grant as ``voco grants list`` and ``show`` present it (never its secret)."""

    id: int
    door: str
    name: str
    party: str
    scopes: list[str]
    permit: list[str]
    until: str | None
    state: str  # open | expired | revoked
    created_at: str
    created_by: str
    closed_at: str | None
    closed_by: str | None
    close_reason: str | None
    options: dict[str, Any]

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return asdict(self)


def view(row: Any) -> GrantView:
    """The presentation of one grant row."""
    if row.closed_at is not None:
        state = "expired" if row.close_reason == EXPIRED else "revoked"
    else:
        state = "expired" if row.until is not None and row.until <= now() else "open"
    return GrantView(row.id, row.door, row.name, row.party, json.loads(row.scopes),
                     json.loads(row.permit), row.until, state, row.created_at, row.created_by,
                     row.closed_at, row.closed_by, row.close_reason, json.loads(row.options))


EXPIRED = "expired"


def listing(conn: Connection, door: str | None = None, open_only: bool = False
            ) -> list[GrantView]:
    """Grants, oldest first; only one door's with *door*, only those admitting now with
    *open_only*."""
    q = select(Grant).order_by(Grant.id)
    if door is not None:
        q = q.where(Grant.door == door)
    if open_only:
        q = q.where(open_clause())
    return [view(r) for r in conn.execute(q)]


def get(conn: Connection, grant_id: int) -> Any:
    """The grant row, or NotFoundError."""
    row = conn.execute(select(Grant).where(Grant.id == grant_id)).first()
    if row is None:
        raise NotFoundError(f"grant {grant_id} does not exist ('voco grants list' shows them)")
    return row


def open_by_name(conn: Connection, door: str, name: str) -> Any:
    """The open grant of *door* called *name*, or NotFoundError."""
    row = conn.execute(select(Grant).where(Grant.door == door, Grant.name == name,
                                           open_clause())).first()
    if row is None:
        raise NotFoundError(f"no open {door} grant is called {name!r}")
    return row


def close(conn: Connection, grant_id: int, reason: str, actor: str) -> GrantView:
    """Revoke a grant now (the row stays, with who closed it and why)."""
    why = validate.reason(reason, "the grant is revoked")
    row = get(conn, grant_id)
    if row.closed_at is not None:
        raise ValidationError(f"grant {grant_id} was already closed on {row.closed_at[:10]} "
                              f"by {row.closed_by} ({row.close_reason})")
    conn.execute(update(Grant).where(Grant.id == grant_id).values(
        closed_at=now(), closed_by=actor, close_reason=why))
    return view(get(conn, grant_id))


def expire(conn: Connection, actor: str) -> list[GrantView]:
    """Record every grant whose ``until`` has passed as closed (expired); returns them."""
    stamp = now()
    lapsed = [r.id for r in conn.execute(select(Grant.id).where(
        Grant.closed_at.is_(None), Grant.until.is_not(None), Grant.until <= stamp))]
    if lapsed:
        conn.execute(update(Grant).where(Grant.id.in_(lapsed)).values(
            closed_at=stamp, closed_by=actor, close_reason=EXPIRED))
    return [view(get(conn, i)) for i in lapsed]
