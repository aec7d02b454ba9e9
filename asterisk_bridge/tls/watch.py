"""The bridge capability that warns before the node's certificates expire: at start, then
every six hours.

A certificate that lapses breaks every phone on SIP-TLS and every browser on WSS at once, so
the admin hears of it ``RENEW_WITHIN_DAYS`` ahead (``certificate_expiring``), for the server
certificate in force (Voco's or the admin's own) and for Voco's private CA, each once per
bridge run and certificate (a renewed certificate is a new one, and is watched afresh).
Renewal itself stays the admin's ('voco tls renew', then 'voco apply': Asterisk must reload).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from asterisk_bridge.bridge.logs import fields
from asterisk_bridge.bridge.periodic import PeriodicCapability
from asterisk_bridge.context import App
from asterisk_bridge.notifications import bus
from asterisk_bridge.tls import certs
from asterisk_bridge.tls.choices import RENEW_WITHIN_DAYS
from asterisk_bridge.tls.store import TlsStore


@dataclass(frozen=True)
class Expiring:
    """A certificate within its warning time."""

    name: str  # which certificate, for the admin
    expires: str  # ISO 8601 UTC
    sha256: str


def expiring(store: TlsStore, within_days: int = RENEW_WITHIN_DAYS,
             now: datetime | None = None) -> list[Expiring]:
    """The node's certificates that expire within *within_days* (or have expired)."""
    current = store.current()
    if current is None:
        return []
    candidates = [(f"server certificate {current.summary.subject}", current.summary)]
    if current.ca is not None and current.ca.exists():
        candidates.append(("Voco's private CA", certs.summarise(current.ca.read_bytes())))
    at = now or datetime.now(UTC)
    return [Expiring(name, s.not_after.isoformat(timespec="seconds"), s.sha256)
            for name, s in candidates if s.days_left(at) <= within_days]


class CertificateWatch(PeriodicCapability):
    """Capability ``tls-expiry``: no certificate lapses unannounced."""

    name = "tls-expiry"
    every_s = 6 * 3600.0

    def __init__(self, app: App, every_s: float | None = None) -> None:
        super().__init__(app, every_s)
        self._told: set[str] = set()

    def round(self) -> None:
        """Publish each certificate due for renewal, once per run."""
        for cert in expiring(TlsStore.of(self.app.config)):
            if cert.sha256 in self._told:
                continue
            self._told.add(cert.sha256)
            self.log.warning("tls.expiring", extra=fields(name=cert.name, expires=cert.expires))
            bus.publish("certificate_expiring", key=cert.sha256, name=cert.name,
                        expires=cert.expires)
