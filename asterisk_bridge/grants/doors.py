"""What each door does when a grant closes: the one registry of how live sessions are cut.

Revoking or expiring a grant first closes it in the register (from then on the door admits
nobody new with it), then asks the door to end what is already connected. A door that checks
the register on every request has nothing more to cut; one whose sessions outlive the check (an
AMI login, a database connection) ends them here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from asterisk_bridge.context import App
from asterisk_bridge.grants.register import GrantView

#: ``cut(app, grant) -> what was done``, one line for the admin.
Cut = Callable[[App, GrantView], str]


@dataclass(frozen=True)
class Door:
    """One kind of door."""

    name: str
    what: str  # what leaves through it, for docs and 'voco grants list'
    cut: Cut


def _checked_per_request(_app: App, _grant: GrantView) -> str:
    return "refused from the next request on"


DOORS: dict[str, Door] = {d.name: d for d in (
    Door("api", "CDRs, calls and recordings over the REST API", _checked_per_request),
)}


def cut(app: App, grant: GrantView) -> str:
    """End the live sessions of a closed grant; what was done, for the admin."""
    door = DOORS.get(grant.door)
    return door.cut(app, grant) if door else "nothing was connected"
