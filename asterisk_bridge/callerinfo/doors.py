"""Opening the popup and CRM doors (each one a grant) and reading what is open for a call.

Both send data out rather than let a party in, so their grant names where it goes (the URL's
host, in ``options["to"]``) instead of networks it may come from. The popup's signing key and
the CRM's auth header are sealed under the master key; the signing key is shown once.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from asterisk_bridge.callerinfo import settings
from asterisk_bridge.callerinfo.lookup import CrmLookup
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.grants import register as grants
from asterisk_bridge.store.engine import Bind
from asterisk_bridge.store.models.grants import Grant


def open_popup(conn: Connection, master_key: bytes, name: str, party: str, url: str,
               until: str | None, actor: str) -> tuple[int, str]:
    """A popup grant; returns its id and the signing key (shown once)."""
    target = settings.url(url)
    new = grants.NewGrant.build("popup", name, party, ["caller:number", "caller:name",
                                                       "called:number"], [], until,
                                {"url": target, "to": urlsplit(target).hostname})
    key = secrets.token_urlsafe(32)
    return grants.create(conn, new, actor, secret=(master_key, key)), key


def open_crm(conn: Connection, master_key: bytes, name: str, party: str, url_template: str,
             name_path: str, deadline_ms: int, auth_header: str | None, until: str | None,
             actor: str) -> int:
    """A CRM grant (one at a time: a call shows one name)."""
    target = settings.url(url_template, "url", template=True)
    if auth_header is not None and (":" not in auth_header or "\n" in auth_header):
        raise ValidationError("auth-header: give one 'Name: value' line")
    new = grants.NewGrant.build("crm", name, party, ["caller:number"], [], until, {
        "url": target, "to": urlsplit(target.replace("{number}", "0")).hostname,
        "name_path": settings.json_path(name_path),
        "deadline_ms": settings.deadline_ms(deadline_ms)})
    if conn.execute(select(Grant.id).where(Grant.door == "crm", grants.open_clause())).first():
        raise ValidationError("crm: a CRM lookup is open already; revoke it first "
                              "('voco grants list --door crm')")
    return grants.create(conn, new, actor,
                         secret=(master_key, auth_header.strip()) if auth_header else None)


@dataclass(frozen=True)
class Popup:
    """An open popup door."""

    grant_id: int
    name: str
    url: str
    key: str


@dataclass(frozen=True)
class Open:
    """What an inbound call is announced to."""

    popups: list[Popup]
    crm: tuple[int, str, CrmLookup] | None  # grant id, name, the lookup

    @property
    def deadline_ms(self) -> int:
        """How long a ringing call waits for the CRM (0: not at all)."""
        return int(self.crm[2].deadline_s * 1000) if self.crm else 0


def open_doors(engine: Bind, master_key: bytes) -> Open:
    """The popup and CRM grants open now, secrets unsealed."""
    with Session(engine) as session:
        rows = session.scalars(select(Grant).where(Grant.door.in_(("popup", "crm")),
                                                   grants.open_clause()).order_by(Grant.id)).all()
    popups, crm = [], None
    for row in rows:
        options = json.loads(row.options)
        if row.door == "popup":
            popups.append(Popup(row.id, row.name, options["url"],
                                grants.secret_of(master_key, row)))
        else:
            auth = grants.secret_of(master_key, row) if row.sealed_secret else None
            crm = (row.id, row.name, CrmLookup(options["url"], options["name_path"],
                                               options["deadline_ms"] / 1000, auth))
    return Open(popups, crm)
