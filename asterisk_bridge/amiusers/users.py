"""Adding AMI users for applications, and what manager.conf gets of them.

A user is an ``ami`` grant: its read/write classes and event filters are the grant's scopes and
options, its networks the grant's permit list, its generated secret sealed under the master key
(Asterisk must compare it, so it is rendered into manager.conf, 0600, and nowhere else). The
bridge's own user is not a grant: it is rendered by the node context, from this host only,
whatever else is open.
"""

from __future__ import annotations

import ipaddress
import json
import re
import secrets
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from asterisk_bridge.amiusers.choices import CLASSES
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.grants import register as grants
from asterisk_bridge.provisioning import secrets as provisioning_secrets
from asterisk_bridge.store.engine import Bind
from asterisk_bridge.store.models.grants import Grant

_EVENT = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
RESERVED = ("general",)


def classes(text: str, field: str) -> tuple[str, ...]:
    """A comma-separated list of AMI classes ('' or 'none': no class); 'all' is refused: an
    application gets what it needs, named."""
    names = [c.strip().lower() for c in text.split(",") if c.strip()]
    if names in ([], ["none"]):
        return ()
    bad = [n for n in names if n not in CLASSES]
    if bad:
        raise ValidationError(f"{field}: {', '.join(bad)} is not an AMI class; use some of "
                              f"{', '.join(CLASSES)} (or none)")
    return tuple(dict.fromkeys(names))


def events(names: Iterable[str]) -> tuple[str, ...]:
    """Event names an application is limited to (empty: every event its classes allow)."""
    out = tuple(dict.fromkeys(n.strip() for n in names))
    bad = [n for n in out if not _EVENT.fullmatch(n)]
    if bad:
        raise ValidationError(f"events: {bad[0]!r} is not an AMI event name (like Cdr)")
    return out


def add(conn: Connection, master_key: bytes, bridge_user: str, name: str, party: str,
        permit: Iterable[str], read: str, write: str, event_names: Iterable[str],
        until: str | None, actor: str) -> tuple[int, str]:
    """Open an AMI grant; returns its id and the generated secret (shown once)."""
    if name.strip() in (bridge_user, *RESERVED):
        raise ValidationError(f"name: {name.strip()!r} is the bridge's own AMI user or a "
                              "reserved section; choose another name")
    reads, writes = classes(read, "read"), classes(write, "write")
    if not reads and not writes:
        raise ValidationError("read/write: an AMI user with no class can see nothing")
    options = {"read": list(reads), "write": list(writes), "events": list(events(event_names))}
    new = grants.NewGrant.build("ami", name, party, [*(f"read:{c}" for c in reads),
                                                     *(f"write:{c}" for c in writes)],
                                permit, until, options)
    secret = secrets.token_urlsafe(24)
    return grants.create(conn, new, actor, secret=(master_key, secret)), secret


def _acl(network: str) -> str:
    """A permit line's value (Asterisk takes address/netmask)."""
    net = ipaddress.ip_network(network)
    return f"{net.network_address}/{net.netmask}" if net.version == 4 else str(net)


def rendered(engine: Bind, master_key: bytes) -> list[dict[str, Any]]:
    """Every open AMI grant as manager.conf's template needs it (secrets in clear)."""
    with Session(engine) as session:
        rows = session.scalars(select(Grant).where(Grant.door == "ami", grants.open_clause())
                               .order_by(Grant.id)).all()
    users = []
    for row in rows:
        options = json.loads(row.options)
        users.append({"name": row.name, "secret": grants.secret_of(master_key, row),
                      "permit": [_acl(n) for n in json.loads(row.permit)],
                      "read": options["read"], "write": options["write"],
                      "events": options["events"]})
    return users


def ami_context(engine: Bind | None) -> dict[str, Any]:
    """The generator contributor: ``ami_apps``, rendered after the bridge's own user."""
    if engine is None:
        return {"ami_apps": []}
    return {"ami_apps": rendered(engine, provisioning_secrets.render_key())}
