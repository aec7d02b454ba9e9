"""Checks that span entities: one internal numbering plan, and references between records.

Extensions, conference rooms, queues and speed-dial codes all live in one dialplan context, so
a number may belong to only one of them; and a record that routes or queues refer to cannot be
removed from under them.
"""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from asterisk_bridge.errors import NotFoundError, ValidationError
from asterisk_bridge.store.models.contacts import (
    ContactGrant,
    PersonalContact,
    PersonalKeyring,
)
from asterisk_bridge.store.models.provisioning import (
    ProvConference,
    ProvExtension,
    ProvInboundRoute,
    ProvOutboundRoute,
    ProvQueue,
    ProvSpeedDial,
    ProvTrunk,
)

_NUMBERED = (
    ("extension", ProvExtension, ProvExtension.number, "number"),
    ("conference", ProvConference, ProvConference.number, "name"),
    ("queue", ProvQueue, ProvQueue.number, "name"),
    ("speed dial", ProvSpeedDial, ProvSpeedDial.code, "code"),
)


def ensure_number_free(session: Session, number: str, field: str, owner: str) -> None:
    """Refuse *number* if anything but *owner* (e.g. ``"queue support"``) dials on it."""
    for what, model, column, key in _NUMBERED:
        for row in session.scalars(select(model).where(column == number)):
            holder = f"{what} {getattr(row, key)}"
            if holder != owner:
                raise ValidationError(f"{field}: {number} is already the number of {holder}")


def ensure_exists(session: Session, what: str, key: str, field: str) -> None:
    """Refuse a reference to a record that does not exist."""
    model, column = {
        "extension": (ProvExtension, ProvExtension.number),
        "queue": (ProvQueue, ProvQueue.name),
        "conference": (ProvConference, ProvConference.name),
        "trunk": (ProvTrunk, ProvTrunk.name),
    }[what]
    if session.scalars(select(model).where(column == key)).first() is None:
        raise NotFoundError(f"{field}: {what} {key!r} does not exist")


def _inbound_to(session: Session, kind: str, key: str) -> list[str]:
    rows = session.scalars(select(ProvInboundRoute).where(
        ProvInboundRoute.target_kind == kind, ProvInboundRoute.target == key))
    return [f"inbound route {r.did}" for r in rows]


def users_of_extension(session: Session, number: str) -> list[str]:
    """Inbound routes to it, queues it is a member of, its directory grant and its personal
    contacts (which only its owner can read, so only the owner or a purge may remove them)."""
    queues = [f"queue {q.name}" for q in session.scalars(select(ProvQueue))
              if number in json.loads(q.members)]
    grant = session.get(ContactGrant, number)
    granted = [f"contact grant ({grant.privilege}; 'voco contact revoke {number}')"] if grant \
        else []
    personal = session.scalar(select(func.count()).select_from(PersonalContact)
                              .where(PersonalContact.extension == number)) or 0
    owned = [f"{personal} personal contact(s) ('voco contact personal purge {number}')"] \
        if personal or session.scalars(select(PersonalKeyring.extension).where(
            PersonalKeyring.extension == number)).first() else []
    return _inbound_to(session, "extension", number) + queues + granted + owned


def users_of_queue(session: Session, name: str) -> list[str]:
    """Inbound routes to the queue."""
    return _inbound_to(session, "queue", name)


def users_of_conference(session: Session, name: str) -> list[str]:
    """Inbound routes to the room."""
    return _inbound_to(session, "conference", name)


def users_of_trunk(session: Session, name: str) -> list[str]:
    """Outbound routes that send calls through the trunk."""
    return [f"outbound route {r.name}" for r in session.scalars(select(ProvOutboundRoute))
            if name in json.loads(r.trunks)]
