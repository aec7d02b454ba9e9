"""The bridge capability that keeps database grants' clear projections current: at start,
then every 30 seconds (:mod:`asterisk_bridge.dbgrant.upkeep`).

Database grants exist on PostgreSQL only: on SQLite a round does nothing, and the grant code
(which loads psycopg, several MB resident) is never imported by the bridge.
"""

from __future__ import annotations

from asterisk_bridge.bridge.logs import fields
from asterisk_bridge.bridge.periodic import PeriodicCapability


class GrantProjections(PeriodicCapability):
    """Capability ``db_grant_projection``: new CDRs reach the open grants' projections, and a
    lapsed grant's projection is dropped."""

    name = "db_grant_projection"
    every_s = 30.0

    def round(self) -> None:
        """Refresh every open projection, drop the lapsed ones (a no-op on SQLite)."""
        if self.app.engine.dialect.name != "postgresql":
            return
        from asterisk_bridge.dbgrant import upkeep

        done = upkeep.run(self.app, "bridge")
        if done:
            self.log.info("db_grant_projection.changed", extra=fields(changes=len(done)))
