"""The bridge capability that closes lapsed grants: at start, then every minute.

A door already refuses a grant whose ``until`` has passed (:func:`register.open_clause`), but
what outlives the check (an AMI user in manager.conf and its logged-in session, a database
role) stays until someone closes the grant. The bridge does it, as ``voco grants expire``
would: the grant is recorded as closed (``expired``, by the bridge), its door cuts what is still
connected, and each one is an operation-log entry saying what was cut.
"""

from __future__ import annotations

from asterisk_bridge.bridge.logs import fields
from asterisk_bridge.bridge.periodic import PeriodicCapability
from asterisk_bridge.grants import doors
from asterisk_bridge.grants import register as grants

ACTOR = "voco-bridge (grant expiry)"


class GrantExpiry(PeriodicCapability):
    """Capability ``grant-expiry``: no door stays open past its grant's end."""

    name = "grant-expiry"
    every_s = 60.0

    def round(self) -> None:
        """Close every lapsed grant and cut its sessions."""
        with self.app.engine.begin() as conn:
            lapsed = grants.expire(conn, ACTOR)
        for grant in lapsed:
            cut = doors.cut(self.app, grant)
            self.app.record("grants expire", {"grant": grant.id, "door": grant.door,
                                              "name": grant.name, "until": grant.until},
                            "ok", cut, actor=ACTOR)
            self.log.info("grants.expired", extra=fields(grant=grant.id, door=grant.door,
                                                         cut=cut))
