"""What a subject's rights reach of contacts: the company directory, and the personal contacts
their owners made findable (counted and deleted, never read; see :mod:`.findable`)."""

from __future__ import annotations

from asterisk_bridge.contacts import company, findable
from asterisk_bridge.context import App
from asterisk_bridge.subjects.reach import Access, Exported, Found, Reach, by_id
from asterisk_bridge.subjects.target import Target


def _found(access: Access) -> Found:
    return Found(findable.matching(access.conn, access.target.bidxs)[0])


def _export(access: Access) -> Exported:
    contacts, owners = findable.matching(access.conn, access.target.bidxs)
    note = (f"{contacts} personal contact(s) in the own address books of {owners} user(s) "
            "hold your number or e-mail address; they belong to those users, and Voco cannot "
            "read them") if contacts else ""
    return Exported([], note=note)


def _erase(app: App, target: Target, actor: str, reason: str) -> int:
    with app.engine.begin() as conn:
        return findable.delete_matching(conn, target.bidxs)


COMPANY = Reach("contacts", table=company.TABLE, row_ref=by_id,
                sealed=dict.fromkeys(company.FIELDS, "contact_subject"))
PERSONAL = Reach("personal_contacts", find=_found, export=_export, erase=_erase,
                 erasure="the findable ones are deleted from their owners' lists, unread")
