"""Config-file sections for the company contacts and their grants.

Personal contacts have no section: the admin cannot read them, so they are never exported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from asterisk_bridge.configio.kinds import Kind
from asterisk_bridge.configio.registry import Record, Section
from asterisk_bridge.contacts import company
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.provisioning import validate

_CONTACT_FIELDS = {"name": Kind.TEXT, "numbers": Kind.TEXT_LIST, "email": Kind.TEXT,
                   "company": Kind.TEXT, "notes": Kind.TEXT}
_GRANT_FIELDS = {"extension": Kind.TEXT, "privilege": Kind.TEXT}


def _read_contacts(bind: Connection, mk: bytes, _secrets: bool) -> list[Record]:
    with Session(bind) as s:
        return [fields.as_dict() for _row, fields in company.listing(s, mk)]


def _parse_contact(raw: Mapping[str, Any]) -> Record:
    if "name" not in raw:
        raise ValidationError("name: every contact needs a name")
    return company.clean(**raw).as_dict()


def _fields(rec: Record) -> company.ContactFields:
    return company.ContactFields(rec["name"], tuple(rec["numbers"]), rec["email"],
                                 rec["company"], rec["notes"])


def _add_contact(bind: Connection, mk: bytes, rec: Record) -> None:
    with Session(bind) as s, s.begin():
        company.add(s, mk, _fields(rec))


def _change_contact(bind: Connection, mk: bytes, new: Record, _old: Record) -> None:
    with Session(bind) as s, s.begin():
        company.update(s, mk, company.find(s, mk, new["name"]), _fields(new))


def _remove_contact(bind: Connection, mk: bytes, name: str) -> None:
    with Session(bind) as s, s.begin():
        company.remove(s, company.find(s, mk, name))


def _read_grants(bind: Connection, _mk: bytes, _secrets: bool) -> list[Record]:
    with Session(bind) as s:
        return [{"extension": ext, "privilege": priv} for ext, priv in company.grants(s).items()]


def _parse_grant(raw: Mapping[str, Any]) -> Record:
    privilege = raw.get("privilege", "")
    if privilege not in company.PRIVILEGES:
        raise ValidationError(f"privilege: {privilege!r} is not valid; use view or manage")
    return {"extension": validate.extension(raw.get("extension", "")), "privilege": privilege}


def _set_grant(bind: Connection, _mk: bytes, rec: Record, *_old: Record) -> None:
    with Session(bind) as s, s.begin():
        company.grant(s, rec["extension"], rec["privilege"])


def _revoke(bind: Connection, _mk: bytes, extension: str) -> None:
    with Session(bind) as s, s.begin():
        company.revoke(s, extension)


SECTIONS = (
    Section("contacts", "company contact", "name", _read_contacts, _parse_contact,
            _add_contact, _change_contact, _remove_contact, _CONTACT_FIELDS),
    Section("contact_grants", "contact grant", "extension", _read_grants, _parse_grant,
            _set_grant, _set_grant, _revoke, _GRANT_FIELDS),
)
