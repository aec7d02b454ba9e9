"""What each door does when a grant closes: the one registry of how live sessions are cut.

Revoking or expiring a grant first closes it in the register (from then on the door admits
nobody new with it), then asks the door to end what is already connected. A door that checks
the register on every request has nothing more to cut; one whose sessions outlive the check (an
AMI login, a database connection) ends them here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from asterisk_bridge.amiusers.sessions import kick
from asterisk_bridge.context import App
from asterisk_bridge.errors import VocoError
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


def _ami(app: App, grant: GrantView) -> str:
    """manager.conf without the user (no new login), then its sessions kicked: Asterisk keeps
    a session logged in after its user is gone. (The generator and the database grant code
    load here, when a door is cut, not with the bridge's grant-expiry capability.)"""
    from asterisk_bridge.generator.apply import apply

    apply(app)
    return f"removed from manager.conf; {asyncio.run(kick(app.config.asterisk, grant.name))} " \
           "live session(s) kicked"


def _db(app: App, grant: GrantView) -> str:
    from asterisk_bridge.dbgrant import grant as dbgrant  # psycopg

    return dbgrant.cut(app, grant)


DOORS: dict[str, Door] = {d.name: d for d in (
    Door("api", "CDRs, calls and recordings over the REST API", _checked_per_request),
    Door("ami", "call events and CDRs over AMI, to an application's user", _ami),
    Door("db", "CDRs through one PostgreSQL view (and a clear projection of the personal "
         "fields it asks for), to a login role", _db),
)}


def cut(app: App, grant: GrantView) -> str:
    """End the live sessions of a closed grant; what was done, for the admin. The grant is
    closed already: a door that cannot be reached now says how to finish the job."""
    door = DOORS.get(grant.door)
    if door is None:
        return "nothing was connected"
    try:
        return door.cut(app, grant)
    except (VocoError, SQLAlchemyError) as err:
        return (f"NOT CUT YET ({' '.join(str(err).split())[:300]}); the grant is closed: "
                f"run 'voco apply' (AMI) or 'voco grants expire' once the {door.name} door's "
                "server is back")
