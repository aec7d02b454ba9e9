"""Speed dials: a short code any extension can dial instead of a full number.

The code is dialled like an internal number (so it shares the numbering plan); the target is
then routed exactly as if the caller had dialled it, through outbound routes if external.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from asterisk_bridge.provisioning import links, validate
from asterisk_bridge.provisioning.records import Repo, Spec
from asterisk_bridge.store.models.provisioning import ProvSpeedDial


@dataclass(frozen=True)
class SpeedDial(Spec):
    """``code`` dials ``number``."""

    KEY = "code"
    WHAT = "speed dial"

    code: str
    number: str
    name: str = ""

    def __post_init__(self) -> None:
        self._norm("code", validate.dtmf_code)
        self._norm("number", validate.number)
        if self.name:
            self._norm("name", validate.display_name)


def _check(session: Session, dial: SpeedDial, old: str | None) -> None:
    links.ensure_number_free(session, dial.code, "code", f"speed dial {dial.code}")


_REPO = Repo(ProvSpeedDial, SpeedDial, _check)
add = _REPO.add
list_all = _REPO.list_all
get = _REPO.get
update = _REPO.update
remove = _REPO.remove
