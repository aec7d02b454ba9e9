"""Personal contacts their owner made findable by a subject's rights requests.

Personal contacts open only with their owner's passphrase, so an administrator handling a
person's request cannot search them. An owner who wants their contacts to be within reach of
such requests adds a contact with ``--findable``: Voco then also stores blind indexes of its
numbers and e-mail address (the keyed hashes subjects are found by). The administrator's
``voco subject find`` counts the matches, and ``voco subject erase`` deletes the matching
contacts; neither reads one. A contact without ``--findable`` leaves no trace outside its
sealed row.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import Connection, delete, func, insert, select

from asterisk_bridge.store.models.contacts import PersonalContact, PersonalContactIndex
from asterisk_bridge.subjects import identity
from asterisk_bridge.subjects.identity import Identifier
from asterisk_bridge.subjects.vault import SubjectVault


def identifiers(numbers: Iterable[str], email: str, region: str) -> set[Identifier]:
    """What a contact's fields identify, normalised as subjects' identifiers are."""
    found = {identity.phone(n, region) for n in numbers}
    if email:
        found.add(identity.email(email))
    return {i for i in found if i is not None}


def index(conn: Connection, vault: SubjectVault, contact_id: str,
          idents: Iterable[Identifier]) -> int:
    """Make a contact findable by *idents*; returns how many indexes were stored."""
    values = [{"bidx": b, "contact_id": contact_id}
              for b in sorted({vault.blind(conn, i) for i in idents})]
    if values:
        conn.execute(insert(PersonalContactIndex), values)
    return len(values)


def matching(conn: Connection, bidxs: Collection[str]) -> tuple[int, int]:
    """How many findable contacts match *bidxs*, and in how many extensions' lists."""
    ix, pc = PersonalContactIndex, PersonalContact
    contacts, owners = conn.execute(
        select(func.count(func.distinct(ix.contact_id)), func.count(func.distinct(pc.extension)))
        .join(pc, pc.id == ix.contact_id).where(ix.bidx.in_(sorted(bidxs)))).one()
    return int(contacts), int(owners)


def delete_matching(conn: Connection, bidxs: Collection[str]) -> int:
    """Delete the findable contacts matching *bidxs*, unread; returns how many."""
    ids = sorted(set(conn.execute(select(PersonalContactIndex.contact_id)
                                  .where(PersonalContactIndex.bidx.in_(sorted(bidxs))))
                     .scalars()))
    if ids:
        conn.execute(delete(PersonalContact).where(PersonalContact.id.in_(ids)))
    return len(ids)
