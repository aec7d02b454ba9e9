"""The bridge capability that enforces retention: once at start, then every hour."""

from __future__ import annotations

from asterisk_bridge.bridge.logs import fields
from asterisk_bridge.bridge.periodic import PeriodicCapability
from asterisk_bridge.retention.policy import enforce


class RetentionCapability(PeriodicCapability):
    """Capability ``retention``: purges what the policies say is too old."""

    name = "retention"
    every_s = 3600.0

    def round(self) -> None:
        """Purge by every policy, honouring legal holds."""
        done = enforce(self.app, "bridge")
        if any(done.values()):
            self.log.info("retention.purged", extra=fields(**done))
