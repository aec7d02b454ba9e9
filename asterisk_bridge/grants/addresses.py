"""Where each grant has been used from: a use from an address the grant never came from
before raises ``grant_new_address`` (a stolen token or secret typically shows up from
somewhere new, even inside the permitted networks).

Each door calls :func:`note_use` once it has admitted someone with a grant: the API for a
request, the bridge for an AMI login. The first use from an address is recorded with its time
(``grant_addresses``); later uses from it cost one indexed lookup and are not recorded again.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from asterisk_bridge.grants.register import now
from asterisk_bridge.notifications import bus
from asterisk_bridge.store.models.grants import GrantAddress


def first_use(conn: Connection, grant_id: int, address: str) -> bool:
    """Record *address* for the grant; True when the grant was never used from it before."""
    known = conn.execute(select(GrantAddress.id).where(
        GrantAddress.grant_id == grant_id, GrantAddress.address == address)).first()
    if known is not None:
        return False
    try:
        with conn.begin_nested():
            conn.execute(insert(GrantAddress).values(grant_id=grant_id, address=address[:64],
                                                     first_seen=now()))
    except IntegrityError:  # a concurrent request recorded it first
        return False
    return True


def note_use(engine: Engine, grant_id: int, door: str, name: str, address: str) -> bool:
    """Record a use of the grant from *address*, and tell the rules when it is a new one."""
    with engine.begin() as conn:
        new = first_use(conn, grant_id, address)
    if new:
        bus.publish("grant_new_address", key=f"{door}:{name}:{address}", door=door, grant=name,
                    address=address)
    return new


def seen(conn: Connection, grant_id: int) -> list[tuple[str, str]]:
    """``(address, first seen)`` of every address the grant was used from, oldest first."""
    return [(r.address, r.first_seen) for r in conn.execute(
        select(GrantAddress.address, GrantAddress.first_seen)
        .where(GrantAddress.grant_id == grant_id).order_by(GrantAddress.id))]
