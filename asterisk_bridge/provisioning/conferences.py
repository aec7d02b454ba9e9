"""Conference rooms (ConfBridge) on an internal number, optionally behind a PIN.

Decision: the PIN is sealed with the master key rather than hashed, because ConfBridge itself
checks it (``pin=`` in the room's user profile) and so must be given it in clear; a hash of a
4-12 digit PIN would add no protection against anyone holding the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from asterisk_bridge.provisioning import links, secrets, validate
from asterisk_bridge.provisioning.records import Repo, Spec, transaction
from asterisk_bridge.store.engine import Bind
from asterisk_bridge.store.models.provisioning import ProvConference


@dataclass(frozen=True)
class Conference(Spec):
    """A room: callers to ``number`` join ConfBridge room ``name``."""

    KEY = "name"
    WHAT = "conference"

    name: str
    number: str
    max_members: int = 0  # 0 = no limit

    def __post_init__(self) -> None:
        self._norm("name", validate.name)
        self._norm("number", validate.extension)
        self._int("max_members", 0, 1000)


def _label(name: str) -> str:
    return f"conference:{name}:pin"


SEALED = secrets.sealed_column("conference PINs", ProvConference.pin,
                                lambda row: _label(row.name))


def _check(session: Session, room: Conference, old: str | None) -> None:
    links.ensure_number_free(session, room.number, "number", f"conference {room.name}")


_REPO = Repo(ProvConference, Conference, _check, links.users_of_conference)
list_all = _REPO.list_all
get = _REPO.get
update = _REPO.update
remove = _REPO.remove


def _sealed(master_key: bytes, name: str, pin: str | None) -> bytes | None:
    return None if pin is None else secrets.seal(master_key, _label(name), validate.pin(pin))


def add(engine: Bind, master_key: bytes, room: Conference, pin: str | None = None) -> Conference:
    """Store *room*, with its PIN sealed if it has one."""
    return _REPO.add(engine, room, pin=_sealed(master_key, room.name, pin))


def pin(engine: Bind, master_key: bytes, name: str) -> str | None:
    """The room's PIN in clear, or None."""
    with Session(engine) as session:
        blob = _REPO.row(session, name).pin
    return None if blob is None else secrets.unseal(master_key, _label(name), blob)


def has_pin(engine: Bind, name: str) -> bool:
    """Whether the room asks for a PIN (without decrypting it)."""
    with Session(engine) as session:
        return _REPO.row(session, name).pin is not None


def set_pin(engine: Bind, master_key: bytes, name: str, new: str | None) -> None:
    """Replace the PIN, or with None open the room to anyone who dials it."""
    sealed = _sealed(master_key, name, new)
    with transaction(engine) as session:
        _REPO.row(session, name).pin = sealed
