"""Call queues on an internal number; members (agents) are extensions.

Members are extension numbers only — never free-form Asterisk interfaces — so nothing a user
types becomes a channel string. Each member is rung through a Local channel that dials via
``voco-dial``, so queue calls get the same recording policy as every other call.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from asterisk_bridge.errors import ValidationError
from asterisk_bridge.provisioning import links, validate
from asterisk_bridge.provisioning.choices import STRATEGIES
from asterisk_bridge.provisioning.records import Repo, Spec
from asterisk_bridge.store.engine import Bind
from asterisk_bridge.store.models.provisioning import ProvQueue


@dataclass(frozen=True)
class Queue(Spec):
    """Callers to ``number`` wait in queue ``name`` while its ``members`` ring."""

    KEY = "name"
    WHAT = "queue"

    name: str
    number: str
    strategy: str = "ringall"
    timeout: int = 15  # seconds each attempt rings a member
    members: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._norm("name", validate.name)
        if self.name.lower() == "general":
            raise ValidationError("name: 'general' is reserved by queues.conf; choose another")
        self._norm("number", validate.extension)
        if self.strategy not in STRATEGIES:
            raise ValidationError(f"strategy: {self.strategy!r} is not valid; use one of "
                                  f"{', '.join(STRATEGIES)}")
        self._int("timeout", 1, 600)
        object.__setattr__(self, "members", tuple(dict.fromkeys(
            validate.extension(m, "members") for m in self.members)))


def _check(session: Session, queue: Queue, old: str | None) -> None:
    links.ensure_number_free(session, queue.number, "number", f"queue {queue.name}")
    for member in queue.members:
        links.ensure_exists(session, "extension", member, "members")


_REPO = Repo(ProvQueue, Queue, _check, links.users_of_queue)
add = _REPO.add
list_all = _REPO.list_all
get = _REPO.get
update = _REPO.update
remove = _REPO.remove


def add_member(engine: Bind, name: str, number: str) -> Queue:
    """Add extension *number* as a member of queue *name* (no-op if it already is)."""
    queue = get(engine, name)
    return update(engine, name, members=(*queue.members, number))


def remove_member(engine: Bind, name: str, number: str) -> Queue:
    """Take extension *number* out of queue *name*."""
    queue = get(engine, name)
    number = validate.extension(number, "member")
    if number not in queue.members:
        raise ValidationError(f"member: extension {number} is not in queue {name}")
    return update(engine, name, members=tuple(m for m in queue.members if m != number))

