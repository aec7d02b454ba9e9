"""Who a recording is of: who called whom, as subjects and as labels sealed under their keys.

The consent dialplan records the called leg (MixMonitor starts in ``voco-rec-callee``), so the
recorded channel's party is the callee and the party it was connected to when recording began
is the caller. The bridge notes both from the event that announces the recording (its
``MIXMONITOR_FILENAME`` VarSet): what is known then does not change when a transfer later
reconnects the channel to someone else. The callee is named by the recorded channel (its
endpoint when that is a provisioned extension, or a Local channel to one), else by its caller
ID; the caller by the connected line, else the channel's caller ID when that is someone else.
A number that is a provisioned extension is that extension's owner ("Bob <1002>", the
extension's name); any other is an external party (the name the network gave, if any).

Naming them as subjects is what lets a person's find, export and erasure reach the recording,
and a legal hold on either party cover it; each label is sealed under its party's own key
(docs/subjects.md), so an erasure leaves it unreadable.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from asterisk_bridge.cdr.channel_names import endpoint
from asterisk_bridge.provisioning import owners
from asterisk_bridge.store.models.provisioning import ProvExtension
from asterisk_bridge.subjects import identity
from asterisk_bridge.subjects.fields import FieldRef
from asterisk_bridge.subjects.identity import Identifier
from asterisk_bridge.subjects.vault import Keyring, SubjectVault

TABLE = "recordings"
CALLEE, CALLER = "channel_party", "connected_party"  # sealed columns, by role
_SUBJECT = {CALLEE: "channel_subject", CALLER: "connected_subject"}


@dataclass
class CallInfo:
    """What the bridge saw of the recorded channel (AMI events); anything unknown stays empty.
    The caller ID and connected line are those of when recording began."""

    channel: str = ""
    caller: str = ""  # the recorded channel's caller ID number
    caller_name: str = ""
    connected: str = ""  # its connected line number: the other party
    connected_name: str = ""
    started_at: float | None = None  # epoch seconds
    ended_at: float | None = None


@dataclass(frozen=True)
class Party:
    """One party: who they are, and how a person reads them."""

    identifier: Identifier
    label: str


@dataclass(frozen=True)
class Named:
    """A recording's parties, ready for its row."""

    channel_subject: str | None = None
    connected_subject: str | None = None
    channel_party: bytes | None = None
    connected_party: bytes | None = None


def _extension(conn: Connection, vault: SubjectVault, number: str) -> Party | None:
    """A provisioned extension's owner, labelled with their name (sealed under their key)."""
    text = number.strip()
    row = conn.execute(select(ProvExtension.name, ProvExtension.owner_subject)
                       .where(ProvExtension.number == text)).first() if text else None
    if row is None:
        return None
    ring = vault.keys(conn, [row.owner_subject] if row.owner_subject else [])
    name = ring.open_row(owners.TABLE, text, row.owner_subject, {"name": row.name})["name"]
    return Party(identity.extension(text), f"{name or ''} <{text}>".strip())


def party(conn: Connection, vault: SubjectVault, number: str, region: str,
          name: str = "") -> Party | None:
    """What a number seen on a recorded call identifies: a provisioned extension's owner, or an
    external number (None for nothing number-like, such as ``anonymous`` or ``s``)."""
    found = _extension(conn, vault, number)
    if found is not None:
        return found
    ident = identity.phone(number, region)
    return Party(ident, f"{name} <{number.strip()}>".strip()) if ident is not None else None


def _own(conn: Connection, vault: SubjectVault, region: str, channel: str, caller: str,
         caller_name: str = "") -> Party | None:
    """Whose a channel is: its endpoint when that is a provisioned extension (a phone, or a
    Local channel to one), else its caller ID number."""
    return (_extension(conn, vault, endpoint(channel)) if channel else None) \
        or party(conn, vault, caller, region, caller_name)


def party_of(conn: Connection, vault: SubjectVault, region: str, channel: str,
             caller: str) -> str | None:
    """The subject of the party a channel belongs to (its extension's owner, else its caller
    ID number), created when new; None when nobody can be told."""
    own = _own(conn, vault, region, channel, caller)
    return None if own is None else \
        vault.resolve(conn, [own.identifier], own.identifier.kind)[own.identifier]


def _parties(conn: Connection, vault: SubjectVault, region: str, seen: CallInfo
             ) -> tuple[Party | None, Party | None]:
    """(callee, caller)."""
    own = _own(conn, vault, region, seen.channel, seen.caller, seen.caller_name)
    other = next((p for p in (party(conn, vault, seen.connected, region, seen.connected_name),
                              party(conn, vault, seen.caller, region, seen.caller_name))
                  if p is not None and (own is None or p.identifier != own.identifier)), None)
    return own, other


def name(conn: Connection, vault: SubjectVault, region: str, rec_id: str, seen: CallInfo) -> Named:
    """The subjects of the recording's callee and caller, created when new, and their labels
    sealed under their keys (None where nobody can be told)."""
    own, other = _parties(conn, vault, region, seen)
    known = [p for p in (own, other) if p is not None]
    subjects: dict[Identifier, str] = {}
    for kind in ("extension", "phone"):
        subjects.update(vault.resolve(conn, [p.identifier for p in known
                                             if p.identifier.kind == kind], kind))
    ring = vault.keys(conn, subjects.values())

    def sealed(p: Party | None, column: str) -> tuple[str | None, bytes | None]:
        if p is None:
            return None, None
        subject = subjects[p.identifier]
        return subject, ring.seal(FieldRef(TABLE, column, rec_id, subject), p.label)

    callee, caller = sealed(own, CALLEE), sealed(other, CALLER)
    return Named(callee[0], caller[0], callee[1], caller[1])


def labels(ring: Keyring, rec_id: str, row: dict[str, object]) -> dict[str, str]:
    """``{"caller": ..., "callee": ...}`` of a recording row, opened with ``ring``: empty when
    nobody could be told, ``(erased)`` once the party's key is gone."""
    out = {}
    for role, column in (("caller", CALLER), ("callee", CALLEE)):
        subject, blob = row.get(_SUBJECT[column]), row.get(column)
        if subject is None or not isinstance(blob, bytes):
            out[role] = ""
            continue
        opened = ring.open(FieldRef(TABLE, column, rec_id, str(subject)), blob)
        out[role] = "(erased)" if opened is None else opened
    return out
