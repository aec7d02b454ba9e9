"""The bridge capability that ends an expired debug window: at start, then every minute.

The watchdog 'voco debug on' leaves behind normally does this; a bridge (re)start checks again,
so a window outlives neither a killed watchdog nor a reboot. Ending a window renders
logger.conf, so the configuration generator (Jinja2, the TLS and provisioning code: several MB
resident) is imported only when a window is due, not by every idle bridge.
"""

from __future__ import annotations

from asterisk_bridge.bridge.logs import fields
from asterisk_bridge.bridge.periodic import PeriodicCapability
from asterisk_bridge.debuglog import window


class DebugExpiry(PeriodicCapability):
    """Capability ``debuglog``: no full Asterisk log outlives its window."""

    name = "debuglog"
    every_s = 60.0

    def round(self) -> None:
        """End the window if it is due (deleting its log)."""
        found = window.current(self.app.engine, self.app.config.asterisk.node)
        if found is None or not window.is_due(found):
            return
        from asterisk_bridge.debuglog.control import expire_due

        ended = expire_due(self.app, "bridge")
        if ended is not None:
            self.log.info("debuglog.expired", extra=fields(window=ended.id))
