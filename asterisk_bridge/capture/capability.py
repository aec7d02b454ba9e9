"""The bridge capability that seals captures whose runner died: at start, then every minute."""

from __future__ import annotations

from asterisk_bridge.bridge.logs import fields
from asterisk_bridge.bridge.periodic import PeriodicCapability
from asterisk_bridge.capture.control import sweep


class CaptureSweep(PeriodicCapability):
    """Capability ``capture``: no capture plaintext outlives its dumpcap in the RAM spool."""

    name = "capture"
    every_s = 60.0

    def round(self) -> None:
        """Seal every finished capture still in the RAM spool."""
        sealed = sweep(self.app, "bridge")
        if sealed:
            self.log.info("capture.sealed", extra=fields(captures=sealed))
