"""Who a recording is of: its two parties as subjects.

When the bridge sees the recorded call end, it knows the recorded channel's name, its caller ID
and its connected line. Which of the two numbers is "the caller" depends on which leg Asterisk
recorded (the consent dialplan records the called leg, whose caller ID may be the dialplan's own
``s``), so the parties are named by what is known for sure: whose the recorded channel is (its
endpoint when that is a provisioned extension, else its caller ID number) and who it was
connected to (its connected line, else its caller ID when that is someone else). A number that
is a provisioned extension is that extension's owner; any other is an external party. Naming
them as subjects is what lets a person's find, export and erasure reach the recording, and a
legal hold on either party cover it.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from asterisk_bridge.channel_names import endpoint
from asterisk_bridge.store.models.provisioning import ProvExtension
from asterisk_bridge.subjects import identity
from asterisk_bridge.subjects.identity import Identifier
from asterisk_bridge.subjects.vault import SubjectVault


def _extension(conn: Connection, number: str) -> Identifier | None:
    text = number.strip()
    if text and conn.execute(select(ProvExtension.id)
                             .where(ProvExtension.number == text)).first():
        return identity.extension(text)
    return None


def party(conn: Connection, number: str, region: str) -> Identifier | None:
    """What a number seen on a recorded call identifies: a provisioned extension's owner, or an
    external number (None for nothing number-like, such as ``anonymous`` or ``s``)."""
    return _extension(conn, number) or identity.phone(number, region)


def _own(conn: Connection, region: str, channel: str, caller: str) -> Identifier | None:
    """Whose a channel is: its endpoint when that is a provisioned extension, else its caller
    ID number."""
    return (_extension(conn, endpoint(channel)) if channel.startswith("PJSIP/") else None) \
        or party(conn, caller, region)


def parties(conn: Connection, vault: SubjectVault, region: str, channel: str, caller: str,
            connected: str) -> tuple[str | None, str | None]:
    """The subjects of the recorded channel's party and of the party it was connected to,
    created when new (None where nobody can be told)."""
    own = _own(conn, region, channel, caller)
    other = next((i for i in (party(conn, connected, region), party(conn, caller, region))
                  if i is not None and i != own), None)
    subjects: dict[Identifier, str] = {}
    for kind in ("extension", "phone"):
        subjects.update(vault.resolve(conn, [i for i in (own, other)
                                             if i is not None and i.kind == kind], kind))
    return (subjects[own] if own else None, subjects[other] if other else None)


def party_of(conn: Connection, vault: SubjectVault, region: str, channel: str,
             caller: str) -> str | None:
    """The subject of the party a channel belongs to (its extension's owner, else its caller
    ID number), created when new; None when nobody can be told."""
    own = _own(conn, region, channel, caller)
    return None if own is None else vault.resolve(conn, [own], own.kind)[own]
