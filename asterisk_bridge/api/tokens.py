"""API tokens: random, shown once, stored only as a SHA-256; each one an ``api`` grant.

A token carries 256 random bits, so a fast hash is enough to store it (there is nothing to
brute-force). Who presents it is checked on every request against the grant: open (not revoked,
not expired), from a permitted address, within its scopes.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, select

from asterisk_bridge.api.scopes import DEFAULT_RATE, SCOPES
from asterisk_bridge.crypto.age import recipients as age_recipients
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.grants import register as grants
from asterisk_bridge.store.models.grants import Grant

PREFIX = "voco_"


def digest(token: str) -> str:
    """What is stored of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue(conn: Connection, name: str, party: str, scopes: Iterable[str],
          permit: Iterable[str], until: str | None, actor: str, *,
          age_recipient: str | None = None, rate: int = DEFAULT_RATE) -> tuple[int, str]:
    """Open an API grant; returns its id and the token (shown once, never stored)."""
    wanted = tuple(dict.fromkeys(scopes))
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown or not wanted:
        raise ValidationError(f"scope: {', '.join(unknown) or 'none given'}; use one or more "
                              f"of {', '.join(SCOPES)}")
    if not 1 <= rate <= 100_000:
        raise ValidationError("rate: requests per minute must be 1-100000")
    options: dict[str, object] = {"rate_per_minute": rate}
    if age_recipient:
        age_recipients([age_recipient])
        options["age_recipient"] = age_recipient
    new = grants.NewGrant.build("api", name, party, wanted, permit, until, options)
    token = PREFIX + secrets.token_urlsafe(32)
    return grants.create(conn, new, actor, token_hash=digest(token)), token


@dataclass(frozen=True)
class Caller:
    """Who a request comes from, once its token is accepted."""

    grant_id: int
    name: str
    scopes: frozenset[str]
    client: str
    rate_per_minute: int
    age_recipient: str | None


class Refused(Exception):
    """A token refused: ``status`` 401 (no such open token) or 403 (not from there)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def authenticate(conn: Connection, token: str, client: str) -> Caller:
    """The caller presenting *token* from address *client*, or Refused. Unknown, expired and
    revoked tokens get the same answer, so a guess learns nothing."""
    row = conn.execute(select(Grant).where(Grant.token_hash == digest(token),
                                           Grant.door == "api", grants.open_clause())).first()
    if row is None:
        raise Refused(401, "unknown, expired or revoked token")
    try:
        addr = ipaddress.ip_address(client)
    except ValueError:
        raise Refused(403, "the client address cannot be checked against the token's "
                      "allowlist") from None
    if not any(addr in ipaddress.ip_network(net) for net in json.loads(row.permit)):
        raise Refused(403, f"this token is not permitted from {addr}")
    options = json.loads(row.options)
    return Caller(row.id, row.name, frozenset(json.loads(row.scopes)), str(addr),
                  int(options.get("rate_per_minute", DEFAULT_RATE)),
                  options.get("age_recipient"))


def still_open(conn: Connection, grant_id: int) -> bool:
    """True while the grant admits its party (checked again during a long download)."""
    return conn.execute(select(Grant.id).where(Grant.id == grant_id,
                                               grants.open_clause())).first() is not None
